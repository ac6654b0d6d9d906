"""Background tasks of meetings: thin wrappers around actions."""

from __future__ import annotations

from django_tasks import task

from meetings import counting_record


@task(queue_name="pdf")
def counting_record_task(vote_id: int, actor_id: int | None = None) -> str:
    """Build and sign a closed vote's counting record (idempotent)."""
    return counting_record.make_counting_record(vote_id, actor_id)

"""Background tasks of documents: thin wrappers around :mod:`documents.processing`."""

from __future__ import annotations

from django_tasks import TaskContext, task

from documents import leases, processing


@task(queue_name="pdf", takes_context=True)
def process_version_task(context: TaskContext, version_id: int) -> str:
    """Validate, extract and thumbnail one uploaded version.

    The attempt is named after this task run, so that the scheduler can close
    the task row of a worker that died (see :mod:`documents.leases`).
    """
    worker_id = leases.worker_identity(task_id=context.task_result.id)
    return processing.process_version(version_id, worker_id=worker_id).status


@task(queue_name="pdf")
def prerender_version_task(version_id: int) -> list[int]:
    """Render a ready version ahead at the common widths not cached yet."""
    return processing.prerender_version(version_id)


@task(queue_name="pdf")
def reverify_signatures_task() -> int:
    """Evaluate every signed version again after the trust store changed."""
    from documents import signatures

    return signatures.reverify_all()

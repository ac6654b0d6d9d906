"""Background tasks of work: thin wrappers around actions and reports."""

from __future__ import annotations

from django_tasks import task

from work import reports


@task(queue_name="pdf")
def build_report_task(consultation_id: int) -> str:
    """Build the summary report PDF of a closed consultation (idempotent)."""
    return reports.build_report(consultation_id)

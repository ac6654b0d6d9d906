"""Background tasks of documents: thin wrappers around :mod:`documents.processing`."""

from __future__ import annotations

from django_tasks import task

from documents import processing


@task(queue_name="pdf")
def process_version_task(version_id: int) -> str:
    """Validate, extract and thumbnail one uploaded version."""
    return processing.process_version(version_id).status


@task(queue_name="pdf")
def prerender_version_task(version_id: int) -> list[int]:
    """Render a ready version ahead at the common widths not cached yet."""
    return processing.prerender_version(version_id)

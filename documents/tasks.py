"""The task paths of earlier releases.

The tasks live beside their work (:mod:`documents.processing`,
:mod:`documents.signatures`); rows queued under these paths before they moved
still find them here.
"""

from __future__ import annotations

from documents.processing import prerender_version_task, process_version_task
from documents.signatures import reverify_signatures_task

__all__ = ["prerender_version_task", "process_version_task", "reverify_signatures_task"]

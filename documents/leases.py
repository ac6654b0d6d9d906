"""Who processes a document version: claims, heartbeats, and recovery of dead work.

A task worker can die mid-task (SIGKILL, power loss, OOM): django-tasks-db then
leaves its task row "running" for ever and records no heartbeat, so the version
itself records who works on it. :func:`claim` starts an attempt: under a row lock
and a compare-and-set on ``(status, attempt, worker_id)`` it bumps ``attempt``,
stores the worker's identity and ``heartbeat_at``. The worker then writes every
chunk of progress through :meth:`Lease.beat`, which updates only while its attempt
still holds the version and raises :class:`LeaseLost` otherwise, in the same
transaction as the chunk's pages: a worker that was declared dead and comes back
writes nothing over the newer attempt.

``manage.py run_schedule`` calls :func:`documents.processing.recover_stale_versions`
(this module's :func:`recover_stale_versions` with the processing task's
enqueuer, so that this module stays below processing): a version
"processing" with no heartbeat for ``DOCUMENT_HEARTBEAT_TIMEOUT`` seconds goes
back to "pending" and is enqueued again (the new attempt resumes after the pages
already stored), or, after ``DOCUMENT_MAX_ATTEMPTS`` attempts, fails with a
message the secretary sees. Every change is a compare-and-set, so any number of
schedulers and workers may race; a slow worker that still beats is never taken
over.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus

from documents import storage
from documents.models import DocumentPage, DocumentVersion, VersionStatus

logger = logging.getLogger(__name__)

#: Shown to the secretary when every attempt died (a file that kills workers).
INTERRUPTED_MESSAGE = (
    "Việc xử lý tệp bị gián đoạn %(n)s lần (tiến trình xử lý dừng đột ngột, có thể "
    "do tệp quá nặng hoặc bị lỗi). Vui lòng kiểm tra tệp rồi tải lên lại."
)


class LeaseLost(Exception):
    """This attempt no longer holds the version (declared dead, taken over)."""


def heartbeat_timeout() -> datetime.timedelta:
    """How long without a heartbeat makes an attempt dead."""
    return datetime.timedelta(seconds=settings.DOCUMENT_HEARTBEAT_TIMEOUT)


def max_attempts() -> int:
    return max(1, settings.DOCUMENT_MAX_ATTEMPTS)


def worker_identity(task_id: str | None = None) -> str:
    """A name for one attempt: host, process, and the task run's id or a random
    part (never reused)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{task_id or uuid.uuid4().hex}"


def _close_dead_task(worker_id: str) -> None:
    """Mark the database task row of a dead attempt failed (it stays "running"
    for ever otherwise); nothing when the attempt ran outside that backend."""
    from django_tasks_db.models import DBTaskResult

    task_id = worker_id.rpartition(":")[2]
    try:
        task_id = uuid.UUID(task_id)
    except ValueError:
        return
    DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path=f"{__name__}.WorkerLost",
        traceback=f"The worker {worker_id} stopped beating; the scheduler requeued "
        "or failed its document version.",
    )


@dataclass(frozen=True)
class Lease:
    """One attempt at processing one version."""

    version_id: int
    attempt: int
    worker_id: str

    def _held(self):
        return DocumentVersion.objects.filter(
            pk=self.version_id,
            status=VersionStatus.PROCESSING,
            attempt=self.attempt,
            worker_id=self.worker_id,
        )

    def beat(self, **fields) -> None:
        """Record the heartbeat and ``fields`` if this attempt still holds the
        version; raise :class:`LeaseLost` otherwise. Call it inside the
        transaction that writes the progress it reports."""
        if not self._held().update(heartbeat_at=timezone.now(), **fields):
            raise LeaseLost(f"version {self.version_id} attempt {self.attempt}")


@dataclass(frozen=True)
class _Seen:
    """The processing state a compare-and-set expects to find."""

    status: str
    attempt: int
    worker_id: str
    #: When set, the heartbeat must still be older than this (or absent).
    beat_before: datetime.datetime | None = None

    def filter(self, version_id: int):
        rows = DocumentVersion.objects.filter(
            pk=version_id,
            status=self.status,
            attempt=self.attempt,
            worker_id=self.worker_id,
        )
        if self.beat_before is not None:
            rows = rows.filter(_beat_older_than(self.beat_before))
        return rows


def _beat_older_than(moment: datetime.datetime) -> Q:
    return Q(heartbeat_at__lt=moment) | Q(heartbeat_at__isnull=True)


def _is_stale(heartbeat_at: datetime.datetime | None, now: datetime.datetime) -> bool:
    return heartbeat_at is None or heartbeat_at < now - heartbeat_timeout()


def claim(
    version_id: int,
    *,
    worker_id: str | None = None,
    now: datetime.datetime | None = None,
) -> Lease | None:
    """Start a new attempt at processing a version; None if there is nothing to do.

    Nothing to do: the version is ready or failed, or another attempt is alive
    (a fresh heartbeat). A dead attempt is taken over. When the attempts are
    used up the version fails instead. Locks the version row (PostgreSQL) and
    compares-and-sets, so two claimants never both win.
    """
    worker_id = worker_id or worker_identity()
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            DocumentVersion.objects.select_for_update()
            .filter(pk=version_id)
            .values("status", "attempt", "worker_id", "heartbeat_at")
            .first()
        )
        if row is None or row["status"] in (VersionStatus.READY, VersionStatus.FAILED):
            return None
        if row["status"] == VersionStatus.PROCESSING and not _is_stale(
            row["heartbeat_at"], now
        ):
            return None
        seen = _Seen(
            row["status"],
            row["attempt"],
            row["worker_id"],
            beat_before=now - heartbeat_timeout(),
        )
        if seen.attempt >= max_attempts():
            give_up(version_id, seen)
            return None
        won = seen.filter(version_id).update(
            status=VersionStatus.PROCESSING,
            attempt=seen.attempt + 1,
            worker_id=worker_id,
            heartbeat_at=now,
        )
        if not won:
            return None
        if seen.status == VersionStatus.PROCESSING:  # taken over from a dead attempt
            _close_dead_task(seen.worker_id)
    return Lease(version_id, seen.attempt + 1, worker_id)


def fail(version_id: int, seen: Lease | _Seen, code: str, message: str) -> bool:
    """Mark the version failed with its Vietnamese reason if its processing
    state is still ``seen``; drop its pages and the files no other version uses.
    Return whether it was failed here."""
    expected = (
        _Seen(VersionStatus.PROCESSING, seen.attempt, seen.worker_id)
        if isinstance(seen, Lease)
        else seen
    )
    with transaction.atomic():
        done = expected.filter(version_id).update(
            status=VersionStatus.FAILED,
            failure_code=code,
            failure_reason=message[:400],
            processed_at=timezone.now(),
            worker_id="",
            heartbeat_at=None,
        )
        if not done:
            return False
        DocumentPage.objects.filter(version_id=version_id).delete()
    _discard_unreferenced_files(DocumentVersion.objects.get(pk=version_id))
    return True


def give_up(version_id: int, seen: _Seen) -> bool:
    """Fail a version whose every attempt died (see :data:`INTERRUPTED_MESSAGE`)."""
    failed = fail(
        version_id,
        seen,
        "interrupted",
        INTERRUPTED_MESSAGE % {"n": seen.attempt},
    )
    if failed:
        _close_dead_task(seen.worker_id)
        logger.warning(
            "version %s failed: %s attempts interrupted", version_id, seen.attempt
        )
    return failed


def _discard_unreferenced_files(version: DocumentVersion) -> None:
    """Delete the files of a failed version that no other version uses."""
    others = DocumentVersion.objects.exclude(pk=version.pk)
    if (
        version.source_file
        and not others.filter(source_sha256=version.source_sha256).exists()
    ):
        storage.absolute(version.source_file).unlink(missing_ok=True)
    if version.file and not others.filter(sha256=version.sha256).exists():
        storage.absolute(version.file).unlink(missing_ok=True)


def recover_stale_versions(
    now: datetime.datetime | None = None, *, requeue: Callable[[int], None]
) -> dict[str, int]:
    """Re-enqueue (``requeue(version_id)``) every version whose processing
    attempt died, or fail it when its attempts are used up. Return
    ``{"versions_requeued": n, "versions_failed": m}``.

    Safe with any number of schedulers and workers: each change is a
    compare-and-set on the attempt seen and a heartbeat still old, so a worker
    that beat in between keeps its version, and one scheduler wins each version.
    Enqueued on commit.
    """
    now = now or timezone.now()
    cutoff = now - heartbeat_timeout()
    stale = list(
        DocumentVersion.objects.filter(
            _beat_older_than(cutoff), status=VersionStatus.PROCESSING
        )
        .order_by("heartbeat_at", "pk")
        .values_list("pk", "attempt", "worker_id")[:200]
    )
    done = {"versions_requeued": 0, "versions_failed": 0}
    for pk, attempt, worker_id in stale:
        try:
            _recover(
                pk,
                _Seen(VersionStatus.PROCESSING, attempt, worker_id, cutoff),
                done,
                requeue,
            )
        except OperationalError as exc:  # SQLite busy, lock timeout: next run
            logger.warning("recovery of version %s: retry later (%s)", pk, exc)
    return done


def _recover(
    pk: int, seen: _Seen, done: dict[str, int], requeue: Callable[[int], None]
) -> None:
    if seen.attempt >= max_attempts():
        done["versions_failed"] += give_up(pk, seen)
        return
    with transaction.atomic():
        if seen.filter(pk).update(
            status=VersionStatus.PENDING, worker_id="", heartbeat_at=None
        ):
            _close_dead_task(seen.worker_id)
            transaction.on_commit(lambda: requeue(pk))
            done["versions_requeued"] += 1
            logger.warning(
                "version %s: attempt %s by %s stopped beating; requeued",
                pk,
                seen.attempt,
                seen.worker_id or "?",
            )

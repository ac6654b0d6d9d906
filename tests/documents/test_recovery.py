"""Recovery of document processing whose worker died: the rules (documents.leases).

A version "processing" without a heartbeat for DOCUMENT_HEARTBEAT_TIMEOUT goes
back to the queue and resumes after its stored pages; a slow worker that still
beats keeps it; a worker declared dead writes nothing when it comes back; after
DOCUMENT_MAX_ATTEMPTS the version fails with a message the secretary sees; two
schedulers requeue it once. The real worker process is killed in
test_recovery_worker.py.
"""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, connections
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from documents import leases, processing
from documents.models import DocumentPage, DocumentVersion
from tests.documents import pdf_builders as B

TIMEOUT = 30


@pytest.fixture(autouse=True)
def _small_chunks(settings):
    settings.DOCUMENT_CHUNK_PAGES = 4
    settings.DOCUMENT_HEARTBEAT_TIMEOUT = TIMEOUT
    settings.DOCUMENT_MAX_ATTEMPTS = 3


def _interrupted(
    version: DocumentVersion,
    *,
    pages_done: int,
    attempt: int = 1,
    beat_ago: float = TIMEOUT + 5,
    worker: str = "host:1:dead",
):
    """Leave ``version`` as a worker leaves it when it dies after ``pages_done``."""
    DocumentPage.objects.filter(version=version, number__gt=pages_done).delete()
    DocumentVersion.objects.filter(pk=version.pk).update(
        status="processing",
        pages_done=pages_done,
        attempt=attempt,
        worker_id=worker,
        heartbeat_at=timezone.now() - datetime.timedelta(seconds=beat_ago),
    )
    version.refresh_from_db()
    return version


@pytest.fixture
def version(cast, make_document) -> DocumentVersion:
    document = make_document(cast.secretary, body=cast.hdnd, data=B.text_pdf(12))
    version = document.latest_version
    assert version.status == "ready" and version.attempt == 1
    return version


def test_a_dead_attempt_resumes_after_the_pages_it_stored(
    version, django_capture_on_commit_callbacks
):
    _interrupted(version, pages_done=8)
    kept = dict(
        DocumentPage.objects.filter(version=version).values_list("number", "pk")
    )
    assert sorted(kept) == list(range(1, 9))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert processing.recover_stale_versions() == {
            "versions_requeued": 1,
            "versions_failed": 0,
        }
    assert callbacks  # the processing task was enqueued (and ran: immediate backend)
    version.refresh_from_db()
    assert version.status == "ready" and version.attempt == 2
    assert version.pages_done == version.page_count == 12
    pages = dict(
        DocumentPage.objects.filter(version=version).values_list("number", "pk")
    )
    assert sorted(pages) == list(range(1, 13))
    assert {n: pages[n] for n in kept} == kept  # pages 1-8 were not redone


def test_a_slow_worker_that_still_beats_is_not_taken_over(version):
    _interrupted(version, pages_done=4, beat_ago=TIMEOUT - 5, worker="host:1:slow")
    assert processing.recover_stale_versions() == {
        "versions_requeued": 0,
        "versions_failed": 0,
    }
    assert leases.claim(version.pk, worker_id="host:2:eager") is None
    # The slow worker goes on writing its progress.
    leases.Lease(version.pk, 1, "host:1:slow").beat(pages_done=8)
    version.refresh_from_db()
    assert (version.status, version.worker_id, version.pages_done) == (
        "processing",
        "host:1:slow",
        8,
    )


def test_a_worker_declared_dead_that_comes_back_writes_nothing(
    version, django_capture_on_commit_callbacks
):
    _interrupted(version, pages_done=4, worker="host:1:late")
    with django_capture_on_commit_callbacks(execute=False):
        assert processing.recover_stale_versions()["versions_requeued"] == 1
    assert processing.recover_stale_versions()["versions_requeued"] == 0  # once only
    newer = leases.claim(version.pk, worker_id="host:2:new")
    assert newer is not None and newer.attempt == 2
    late = leases.Lease(version.pk, 1, "host:1:late")
    with pytest.raises(leases.LeaseLost):
        late.beat(pages_done=12, status="ready")
    assert not leases.fail(version.pk, late, "internal", "late failure")
    version.refresh_from_db()
    assert (version.status, version.pages_done, version.worker_id) == (
        "processing",
        4,
        "host:2:new",
    )


def test_a_worker_takes_over_a_dead_attempt_before_the_scheduler_runs(version):
    _interrupted(version, pages_done=4)
    lease = leases.claim(version.pk, worker_id="host:3:next")
    assert lease is not None and lease.attempt == 2


def test_retries_are_capped_and_the_secretary_sees_why(
    version, client, cast, django_capture_on_commit_callbacks
):
    _interrupted(version, pages_done=4, attempt=3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert processing.recover_stale_versions() == {
            "versions_requeued": 0,
            "versions_failed": 1,
        }
    assert not callbacks  # nothing enqueued again
    version.refresh_from_db()
    assert version.status == "failed" and version.failure_code == "interrupted"
    assert "bị gián đoạn 3 lần" in version.failure_reason
    assert not DocumentPage.objects.filter(version=version).exists()
    assert leases.claim(version.pk) is None  # a duplicate task does nothing
    client.force_login(cast.secretary)
    html = client.get(
        reverse("documents:status", args=[version.document_id, version.number])
    ).content.decode()
    assert "Không xử lý được" in html and "bị gián đoạn 3 lần" in html
    assert "every 1s" not in html


def test_a_queued_duplicate_after_a_third_death_fails_the_version(version):
    _interrupted(version, pages_done=4, attempt=3)
    assert leases.claim(version.pk, worker_id="host:4:dup") is None
    version.refresh_from_db()
    assert version.status == "failed" and version.failure_code == "interrupted"


def test_the_scheduler_command_recovers_versions(
    version, capsys, django_capture_on_commit_callbacks
):
    _interrupted(version, pages_done=8)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_schedule", "--once")
    assert "versions_requeued=1" in capsys.readouterr().out
    version.refresh_from_db()
    assert version.status == "ready" and version.attempt == 2


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_requeue_a_dead_attempt_once(
    cast, make_document, settings
):
    document = make_document(cast.secretary, body=cast.hdnd, data=B.text_pdf(8))
    version = _interrupted(document.latest_version, pages_done=4)
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "pdf"],
        }
    }
    runs = 4
    barrier = threading.Barrier(runs)
    results: list[dict] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(processing.recover_stale_versions())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # SQLite refuses a concurrent writer ("table is locked"); the scheduler
    # defers such a run to the next one (run_due_jobs). PostgreSQL waits on the
    # row lock instead: there nothing may fail.
    if connection.vendor == "sqlite":
        errors = [e for e in errors if not isinstance(e, OperationalError)]
    assert errors == []
    results.append(processing.recover_stale_versions())  # what a busy SQLite deferred
    assert sum(r["versions_requeued"] for r in results) == 1
    queued = DBTaskResult.objects.filter(task_path__endswith="process_version_task")
    assert queued.count() == 1
    version.refresh_from_db()
    assert version.status == "pending" and version.attempt == 1

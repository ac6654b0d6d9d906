"""A real task worker killed mid-document: the scheduler requeues the version and a
fresh worker resumes it after the pages already stored.

The processes (``manage.py db_worker``, ``manage.py run_schedule --once``) run on a
fresh database (a SQLite file, or a new PostgreSQL database on the PostgreSQL
pass) migrated and seeded in subprocesses, as in tests/realtime/servers.py; this
file seeds it when run as ``python -m tests.documents.test_recovery_worker seed``.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.realtime.servers import PYTHON, ROOT, Stack

PAGES = 240
TIMEOUT = 2  # DOCUMENT_HEARTBEAT_TIMEOUT of every process here

pytestmark = pytest.mark.worker


class Database:
    """Read the stack's database directly (no Django: it is not the test's)."""

    def __init__(self, stack: Stack) -> None:
        self.url = stack.database_url

    def row(self, sql: str, *params) -> tuple:
        if self.url.startswith("sqlite:///"):
            with sqlite3.connect(self.url[len("sqlite:///") :], timeout=10) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchone()
        import psycopg

        with psycopg.connect(self.url.replace("postgres://", "postgresql://")) as conn:
            return conn.execute(sql, params).fetchone()

    def version(self, pk: int) -> tuple[str, int, int]:
        return self.row(
            "SELECT status, pages_done, page_count FROM documents_documentversion"
            " WHERE id = %s",
            pk,
        )

    def page_ids(self, pk: int, up_to: int) -> list[int]:
        row = self.row(
            "SELECT COUNT(*), COALESCE(SUM(id), 0) FROM documents_documentpage"
            " WHERE version_id = %s AND number <= %s",
            pk,
            up_to,
        )
        return list(row)


def _run(stack: Stack, *args: str) -> str:
    out = subprocess.run(
        [PYTHON, *args],
        cwd=ROOT,
        env=stack.env,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def _worker(stack: Stack, name: str) -> subprocess.Popen:
    log = open(stack.workdir / f"{name}.log", "w")  # noqa: SIM115
    return subprocess.Popen(
        [
            PYTHON,
            "manage.py",
            "db_worker",
            "--queue-name",
            "*",
            "--interval",
            "0.1",
            "--no-startup-delay",
            "--worker-id",
            name,
        ],
        cwd=ROOT,
        env=stack.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its PDF pool is in its process group
    )


def _kill(proc: subprocess.Popen) -> None:
    """SIGKILL the worker and its PDF pool (the process group it leads)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def _wait(what, predicate, timeout: float, poll: float = 0.02):
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if predicate(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; last value {value!r}")
        time.sleep(poll)


@pytest.fixture
def stack(tmp_path):
    stack = Stack(tmp_path, None)
    stack.env.update(
        TASK_BACKEND="database",
        DOCUMENT_CHUNK_PAGES="4",
        DOCUMENT_PDF_WORKERS="1",
        DOCUMENT_HEARTBEAT_TIMEOUT=str(TIMEOUT),
        LOG_LEVEL="INFO",
    )
    _run(stack, "manage.py", "migrate", "--noinput", "-v0")
    yield stack
    stack.close()


def test_a_killed_worker_s_document_is_resumed_by_a_fresh_worker(stack):
    from tests.documents import pdf_builders as B

    source = stack.workdir / "long.pdf"
    source.write_bytes(B.text_pdf(PAGES))
    out = _run(stack, "-m", "tests.documents.test_recovery_worker", "seed", str(source))
    version_id = json.loads(out.strip().splitlines()[-1])["version"]
    db = Database(stack)
    logs = []
    first = _worker(stack, "first")
    try:
        _wait(
            lambda: db.version(version_id),
            lambda v: v[0] == "processing" and v[1] >= 12,
            timeout=20,
        )
        _kill(first)  # SIGKILL: no clean-up of any kind
        status, killed_at, total = db.version(version_id)
        assert status == "processing" and 0 < killed_at < total == PAGES
        stored_before = db.page_ids(version_id, killed_at)
        assert stored_before[0] == killed_at

        time.sleep(TIMEOUT + 0.5)  # no heartbeat for longer than the timeout
        assert db.version(version_id)[0] == "processing"
        scheduled = _run(stack, "manage.py", "run_schedule", "--once")

        second = _worker(stack, "second")
        try:
            seen = []

            def sample():
                seen.append(db.version(version_id))
                return seen[-1]

            _wait(sample, lambda v: v[0] in ("ready", "failed"), timeout=60)
        finally:
            _kill(second)
    finally:
        _kill(first)
        logs = [
            (stack.workdir / f"{n}.log").read_text()[-3000:]
            for n in ("first", "second")
            if (stack.workdir / f"{n}.log").exists()
        ]
    status, pages_done, total = db.version(version_id)
    assert status == "ready", logs
    assert pages_done == total == PAGES
    assert db.page_ids(version_id, PAGES)[0] == PAGES  # every page
    # The pages stored before the kill are the same rows: not redone.
    assert db.page_ids(version_id, killed_at) == stored_before
    assert "versions_requeued=1" in scheduled
    attempt = db.row(
        "SELECT attempt FROM documents_documentversion WHERE id = %s", version_id
    )[0]
    assert attempt == 2
    # The killed run's task row is closed, not left "running" for ever.
    dead = db.row(
        "SELECT status FROM django_tasks_database_dbtaskresult"
        " WHERE task_path LIKE %s AND CAST(worker_ids AS TEXT) LIKE %s",
        "%process_version_task",
        '%"first"%',
    )
    assert dead == ("FAILED",)
    # Progress moved again from where it stopped (what the status partial shows).
    # (The last chunk's count is written a moment before the status turns ready.)
    progress = [done for st, done, _t in seen if st == "processing"]
    assert all(killed_at <= done <= PAGES for done in progress)
    assert progress == sorted(progress)
    assert any(killed_at < done < PAGES for done in progress)
    print(f"killed after {killed_at}/{PAGES} pages; resumed progress {progress[:3]}…")


def _seed(source: str) -> None:
    """Create a secretary and upload ``source`` through the real action."""
    import django

    django.setup()
    from django.core.files import File

    from accounts import actions as accounts
    from accounts.models import BodyKind, Position, UnitLevel
    from documents import actions

    level = UnitLevel.objects.create(code="tinh", name="Tỉnh", rank=1)
    province = accounts.create_unit("Tỉnh Sơn La", code="14", level=level)
    body = accounts.create_body(province, kind=BodyKind.HDND, name="HĐND tỉnh")
    secretary = accounts.create_user("thuky", full_name="Lò Thị Hường", password="x")
    accounts.add_membership(
        body,
        secretary,
        position=Position.SECRETARY,
        start_date=datetime.date(2021, 7, 1),
    )
    with open(source, "rb") as fh:
        document = actions.create_document(
            secretary,
            body=body,
            title="Báo cáo dài",
            uploaded_file=File(fh, name=Path(source).name),
        )
    print(json.dumps({"version": document.latest_version_id}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        _seed(sys.argv[2])

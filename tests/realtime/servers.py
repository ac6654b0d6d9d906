"""Real servers on loopback for the realtime tests: Redis, the ASGI server, a database.

Every process here is started by the test and stopped by its pid. The database
is a fresh SQLite file, or (when the suite runs on PostgreSQL) a fresh
PostgreSQL database next to the test database, migrated and seeded by
``tests.realtime.daphne_seed`` in a subprocess, so that it works in both CI
passes without touching the test database.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from nghisu import serve

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


class RedisServer:
    """A private redis-server (no persistence) that a test may stop and start."""

    def __init__(self, workdir: Path) -> None:
        if not shutil.which("redis-server"):
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port)

    def stop(self) -> None:
        stop(self.proc)
        self.proc = None


class Stack:
    """A migrated, seeded database and web processes sharing one Redis.

    ``server`` is the ASGI server of every web process (``nghisu.serve``):
    Daphne, the default, or uvicorn, the documented alternative.
    """

    def __init__(
        self, workdir: Path, redis_url: str | None, server: str = "daphne"
    ) -> None:
        self.workdir = workdir
        self.redis_url = redis_url
        self.server = server
        self.daphnes: list[tuple[int, subprocess.Popen]] = []
        self.pg_name: str | None = None
        if connection.vendor == "postgresql":
            self.pg_name = f"nghisu_rt_{uuid.uuid4().hex[:10]}"
            self._pg("CREATE DATABASE " + self.pg_name)
            db = settings.DATABASES["default"]
            netloc = f"{db['USER']}" + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
            netloc += f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            self.database_url = urlunsplit(("postgres", netloc, self.pg_name, "", ""))
        else:
            self.database_url = f"sqlite:///{workdir / 'room.sqlite3'}"
        self.env = {
            **os.environ,
            "DEBUG": "1",
            "SECRET_KEY": "realtime-test-key-" + uuid.uuid4().hex,
            "DATABASE_URL": self.database_url,
            "TASK_BACKEND": "immediate",
            "VAR_DIR": str(workdir / "var"),
            "MEDIA_ROOT": str(workdir / "media"),
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "nghisu.settings",
            "PYTHONPATH": str(ROOT),
        }
        self.env.pop("TEST_DATABASE_NAME", None)
        self.env.pop("REDIS_URL", None)
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.seed: dict = {}

    def _pg(self, sql: str) -> None:
        import psycopg

        db = settings.DATABASES["default"]
        with psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(sql)

    def prepare(self, *seed_args: str) -> dict:
        """Migrate and seed; return the seed (meeting, items, session cookies)."""
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env=self.env,
            check=True,
            timeout=120,
        )
        out = subprocess.run(
            [PYTHON, "-m", "tests.realtime.daphne_seed", *seed_args],
            cwd=ROOT,
            env=self.env,
            check=True,
            timeout=120,
            capture_output=True,
            text=True,
        )
        self.seed = json.loads(out.stdout.strip().splitlines()[-1])
        return self.seed

    def start_server(self) -> int:
        """Start one web process with the production options; return its port."""
        port = free_port()
        log = open(self.workdir / f"{self.server}-{port}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            serve.command(self.server, host="127.0.0.1", port=port, python=PYTHON),
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.daphnes.append((port, proc))
        wait_port(port)
        return port

    def log(self) -> str:
        return "\n".join(
            p.read_text()[-4000:]
            for p in sorted(self.workdir.glob(f"{self.server}-*.log"))
        )

    def close(self) -> None:
        for _port, proc in self.daphnes:
            stop(proc)
        self.daphnes.clear()
        if self.pg_name:
            self._pg(f"DROP DATABASE IF EXISTS {self.pg_name} WITH (FORCE)")


def ws_url(port: int, meeting_id: int) -> str:
    return f"ws://127.0.0.1:{port}/ws/meetings/{meeting_id}/"


def headers(port: int, cookie: str) -> dict:
    return {"Cookie": cookie}


def origin(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""

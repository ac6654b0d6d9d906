"""Start the real system on loopback: databases, Daphne processes, baselines.

A :class:`Stack` is one configuration of Nghị Sự (SQLite and the in-memory
layer, or PostgreSQL and Redis) in a temporary directory with its own migrated
database; it seeds data through the project's actions (``bench.seed`` in a
subprocess), starts Daphne processes with the project's ASGI application and
logs users in through the real login form.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bench import front, httpc
from bench.proc import free_port, wait_port
from nghisu import serve

logger = logging.getLogger("bench")

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "pw-Bench-123!"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
#: A Redis database of its own, so nothing here meets the tests' keys
#: (``BENCH_REDIS_URL`` for another, when two runs share one Redis server).
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


@dataclass
class Server:
    """One server process listening on ``port``."""

    name: str
    port: int
    proc: subprocess.Popen
    log: Path
    profiler: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def profile(self, out: Path) -> None:
        """Sample this process with py-spy until it stops (BENCH_PROFILE=dir)."""
        out.parent.mkdir(parents=True, exist_ok=True)
        self.profiler = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "--pid",
                str(self.pid),
                "--format",
                "raw",
                "--rate",
                "200",
                "--nonblocking",
                "-o",
                str(out),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop_profile(self) -> None:
        if self.profiler is not None and self.profiler.poll() is None:
            self.profiler.send_signal(signal.SIGINT)
            try:
                self.profiler.wait(30)
            except subprocess.TimeoutExpired:
                self.profiler.kill()
        self.profiler = None

    def stop(self) -> None:
        self.stop_profile()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def alive(self) -> bool:
        return self.proc.poll() is None


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", PG_ADMIN, "-v", "ON_ERROR_STOP=1", "-qc", sql],
        check=True,
        capture_output=True,
    )


class Templates:
    """Migrated databases made once per invocation and copied for each stack."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.sqlite: Path | None = None
        self.pg: str | None = None
        self.tag = f"{os.getpid()}_{int(time.time())}"

    def sqlite_copy(self, target: Path) -> None:
        if self.sqlite is None:
            path = self.workdir / "template.sqlite3"
            _migrate(f"sqlite:///{path}", self.workdir)
            self.sqlite = path
        shutil.copyfile(self.sqlite, target)

    def pg_copy(self, name: str) -> None:
        if self.pg is None:
            tpl = f"nghisu_bench_{self.tag}_tpl"
            _psql(f"CREATE DATABASE {tpl}")
            self.pg = tpl
            _migrate(f"postgres://postgres@127.0.0.1:5432/{tpl}", self.workdir)
        _psql(f"CREATE DATABASE {name} TEMPLATE {self.pg}")

    def close(self) -> None:
        if self.pg is not None:
            _psql(f"DROP DATABASE IF EXISTS {self.pg} WITH (FORCE)")
            self.pg = None


def _base_env(var_dir: Path, database_url: str, redis_url: str | None) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="0",
        SECRET_KEY="bench-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        HTTPS="0",
        VAR_DIR=str(var_dir),
        MEDIA_ROOT=str(var_dir / "media"),
        DATABASE_URL=database_url,
        TASK_BACKEND="database",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _migrate(database_url: str, workdir: Path) -> None:
    env = _base_env(workdir, database_url, None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


@dataclass
class Stack:
    """One configuration of Nghị Sự with its own database in a temp directory."""

    templates: Templates
    postgres: bool = False
    redis: bool = False
    label: str = "sqlite"
    dir: Path = field(init=False)
    database_url: str = field(init=False)
    db_name: str | None = field(init=False, default=None)
    servers: list[Server] = field(default_factory=list)
    cookies: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix=f"nghisu-bench-{self.label}-"))
        (self.dir / "media").mkdir()
        if self.postgres:
            self.db_name = f"nghisu_bench_{self.templates.tag}_{self.dir.name[-8:]}"
            self.db_name = "".join(c if c.isalnum() else "_" for c in self.db_name)
            self.templates.pg_copy(self.db_name)
            self.database_url = f"postgres://postgres@127.0.0.1:5432/{self.db_name}"
        else:
            path = self.dir / "db.sqlite3"
            self.templates.sqlite_copy(path)
            self.database_url = f"sqlite:///{path}"

    @property
    def env(self) -> dict:
        return _base_env(self.dir, self.database_url, REDIS_URL if self.redis else None)

    def run_module(self, module: str, payload: dict, *, timeout: float = 1800) -> dict:
        """Run ``python -m module`` in this stack's environment; JSON in and out."""
        done = subprocess.run(
            [sys.executable, "-m", module],
            cwd=ROOT,
            env=self.env,
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{module} failed:\n{done.stderr[-4000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def seed(self, payload: dict) -> dict:
        return self.run_module("bench.seed", payload)

    def start_daphne(
        self,
        count: int = 1,
        *,
        app: str = "nghisu.asgi:application",
        settings: str | None = None,
        name: str = "daphne",
        server: str | None = None,
    ) -> list[Server]:
        """Start ``count`` web processes on free ports (as the Procfile does).

        ``BENCH_SERVER`` chooses the ASGI server (``nghisu.serve``): Daphne by
        default, or uvicorn.
        """
        env = self.env
        if settings:
            env["DJANGO_SETTINGS_MODULE"] = settings
        server_kind = server or os.environ.get("BENCH_SERVER", "daphne")
        started = []
        for n in range(count):
            port = free_port()
            log = self.dir / f"{name}-{n}.log"
            command = serve.command(
                server_kind, host="127.0.0.1", port=port, application=app
            )
            proc = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            started.append(Server(f"{name}-{n}", port, proc, log))
        for server in started:
            wait_port(server.port, proc=server.proc, log=server.log)

        self.servers.extend(started)
        if front.enabled() and app == "nghisu.asgi:application":
            # bench/nginx.py: the same run with nginx in front (tablets on wss).
            port, proc, log = front.start(self.dir, [s.port for s in started])
            self.servers.append(Server("nginx", port, proc, log))
        return started

    def login_all(
        self, usernames: list[str], *, port: int, threads: int = 8
    ) -> dict[str, str]:
        """Log users in through the real form; return username -> Cookie header."""
        todo = [u for u in usernames if u not in self.cookies]
        with ThreadPoolExecutor(threads) as pool:
            for user, cookie in zip(
                todo,
                pool.map(lambda u: httpc.login(port, u, PASSWORD), todo),
                strict=True,
            ):
                self.cookies[user] = cookie
        return {u: self.cookies[u] for u in usernames}

    def stop_servers(self) -> None:
        for server in self.servers:
            server.stop()
        self.servers.clear()

    def close(self, *, keep: bool = False) -> None:
        self.stop_servers()
        if self.redis:
            # Database 13 is the benchmarks' own: drop the groups the servers
            # left (channels-redis keeps them for a day).
            import redis

            try:
                redis.Redis.from_url(REDIS_URL).flushdb()
            except redis.RedisError as exc:
                logger.warning("could not empty Redis database 13: %s", exc)
        if self.db_name:
            try:
                _psql(f"DROP DATABASE IF EXISTS {self.db_name} WITH (FORCE)")
            except subprocess.CalledProcessError as exc:
                logger.warning("could not drop %s: %s", self.db_name, exc.stderr)
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def profiling(servers: list[Server], name: str):
    """Sample ``servers`` with py-spy while the block runs, if BENCH_PROFILE=dir.

    Profiles are py-spy's collapsed stacks; ``python -m bench.flame FILE``
    prints the costly functions.
    """
    directory = os.environ.get("BENCH_PROFILE")
    if directory:
        for server in servers:
            server.profile(Path(directory) / f"{name}-{server.name}.txt")
    try:
        yield
    finally:
        for server in servers:
            server.stop_profile()


def start_python_server(name: str, args: list[str], env: dict, workdir: Path) -> Server:
    """Start a baseline server script (``python -m ...``) on a free port."""
    port = free_port()
    log = workdir / f"{name}.log"
    proc = subprocess.Popen(
        [sys.executable, *[a.replace("{port}", str(port)) for a in args]],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    wait_port(port, proc=proc, log=log)
    return Server(name, port, proc, log)

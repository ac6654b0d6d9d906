"""The whole deployment on one machine, for tests and demos: ``python -m deploy.stack``.

nginx (run as the current user, its configuration, pid, logs and temporary
files under ``<var>/stack/``) in front of two web processes, a task worker and
the scheduler, on PostgreSQL and Redis from ``DATABASE_URL`` and ``REDIS_URL``,
with a self-signed certificate made on the first run. The settings are the
production ones (``DEBUG=0``): files sent by nginx (``FILE_SENDER=nginx``),
page images on signed URLs. ``--demo`` loads the Sơn La demo first.

    python -m deploy.stack [--port 8443] [--web 2] [--demo]    # or: make stack
    python -m deploy.stack site --server-name hop.sonla.gov.vn ...   # a real site

The tests (tests/deploy/) and the benchmarks (bench/nginx.py) use
:class:`Stack`. Every process is started here and stopped by its pid.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from deploy.site import NGINX, Site, main_conf, self_signed

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 30, proc=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for port {port} exited ({proc.returncode})")
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


def _secret(path: Path) -> str:
    """A random secret kept in ``path`` (so sessions and URLs survive restarts)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def ensure_database(database_url: str) -> None:
    """Create the PostgreSQL database of ``database_url`` when it is missing."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    kwargs = {
        "host": parts.hostname or HOST,
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "password": parts.password or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **kwargs) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}"')


class Stack:
    """nginx + ``web`` web processes (+ worker and scheduler) under ``var_dir``."""

    def __init__(
        self,
        var_dir: Path,
        *,
        database_url: str,
        redis_url: str,
        port: int | None = None,
        web: int = 2,
        background: bool = True,
        server: str = "daphne",
        env: dict[str, str] | None = None,
    ) -> None:
        if not database_url.startswith(("postgres://", "postgresql://")):
            raise SystemExit("deploy.stack needs DATABASE_URL=postgres://...")
        if not redis_url:
            raise SystemExit("deploy.stack needs REDIS_URL=redis://...")
        self.var_dir = Path(var_dir).resolve()
        self.prefix = self.var_dir / "stack"
        self.database_url = database_url
        self.redis_url = redis_url
        self.port = port or free_port()
        self.web_ports = [free_port() for _ in range(web)]
        self.background = background
        self.server = server
        self.procs: dict[str, subprocess.Popen] = {}
        self.url = f"https://{HOST}:{self.port}"
        self.env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": _secret(self.prefix / "secret_key"),
            "PAGE_LINK_SECRET": _secret(self.prefix / "page_link_secret"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{self.port},"
            f"https://localhost:{self.port}",
            "TRUSTED_PROXIES": HOST,
            "SECURE_HSTS_SECONDS": "0",  # a self-signed localhost: no HSTS
            "FILE_SENDER": "nginx",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "TASK_BACKEND": "database",
            "DATABASE_POOL": "20",
            "VAR_DIR": str(self.var_dir),
            "MEDIA_ROOT": str(self.var_dir / "media"),
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
            "DJANGO_SETTINGS_MODULE": "nghisu.settings",
            "PYTHONPATH": str(ROOT),
            **(env or {}),
        }
        for name in ("TEST_DATABASE_NAME", "MEDIA_ROOT_OVERRIDE"):
            self.env.pop(name, None)
        self.logs = self.prefix / "logs"

    # --- setting up ---------------------------------------------------------------
    def manage(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)}:\n{done.stderr[-3000:]}")
        return done.stdout

    def prepare(self, *, demo: bool = False, collect: bool = True) -> None:
        """Database, migrations, static files, certificate, nginx configuration."""
        for sub in ("logs", "spool", "tls"):
            (self.prefix / sub).mkdir(parents=True, exist_ok=True)
        ensure_database(self.database_url)
        self.manage("migrate", "--noinput", "-v0")
        if collect:
            self.manage("collectstatic", "--noinput", "-v0")
        if demo:
            (self.var_dir / "demo-accounts.txt").write_text(
                self.manage("seed_demo", "--force", timeout=900)
            )
        cert, key = self.prefix / "tls" / "cert.pem", self.prefix / "tls" / "key.pem"
        if not cert.exists():
            self_signed(cert, key, names=["localhost", HOST])
        self.cert = cert
        site = Site(
            server_name="localhost 127.0.0.1",
            listen=f"{HOST}:{self.port}",
            upstreams=[f"{HOST}:{p}" for p in self.web_ports],
            cert=cert,
            cert_key=key,
            static_root=self.var_dir / "staticfiles",
            media_root=Path(self.env["MEDIA_ROOT"]),
            page_link_secret=self.env["PAGE_LINK_SECRET"],
            http_listen=None,
        )
        (self.prefix / "site.conf").write_text(site.render())
        (self.prefix / "nginx.conf").write_text(
            main_conf(self.prefix, self.prefix / "site.conf")
        )

    # --- running ------------------------------------------------------------------
    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "a")  # noqa: SIM115 - the child's
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self.procs[name] = proc
        return proc

    def start(self) -> None:
        from nghisu import serve

        if not Path(NGINX).exists():
            raise SystemExit("nginx is not installed (apt-get install nginx)")
        for i, port in enumerate(self.web_ports, start=1):
            self._spawn(
                f"web{i}",
                serve.command(self.server, host=HOST, port=port, python=PYTHON),
            )
        if self.background:
            self._spawn(
                "worker",
                [PYTHON, "manage.py", "db_worker", "--queue-name", "*"],
            )
            self._spawn("scheduler", [PYTHON, "manage.py", "run_schedule"])
        conf = self.prefix / "nginx.conf"
        self._spawn(
            "nginx",
            [NGINX, "-p", str(self.prefix), "-c", str(conf), "-g", "daemon off;"],
        )
        try:
            for i, port in enumerate(self.web_ports, start=1):
                wait_port(port, proc=self.procs[f"web{i}"])
            wait_port(self.port, proc=self.procs["nginx"])
            self.wait_healthy()
        except Exception:
            self.stop()
            raise

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def wait_healthy(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(  # noqa: S310 - our own https URL
                    f"{self.url}/healthz", context=self.ssl_context(), timeout=5
                ) as response:
                    if response.status == 200:
                        return
            except OSError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.2)

    def stop(self, grace: float = 5) -> None:
        """SIGTERM to every process, SIGKILL to those still running after ``grace``
        seconds (a demo's worker loses its task; the scheduler recovers it)."""
        for proc in reversed(list(self.procs.values())):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self.procs.clear()

    def log(self, name: str, tail: int = 4000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text()[-tail:] if path.exists() else ""


def _site_command(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.stack site")
    parser.add_argument("--server-name", required=True)
    parser.add_argument("--upstream", action="append", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--cert-key", required=True)
    parser.add_argument("--static-root", default="/srv/nghisu/var/staticfiles")
    parser.add_argument("--media-root", default="/srv/nghisu/shared/media")
    parser.add_argument("--listen", default="443")
    parser.add_argument(
        "--page-link-secret", default=os.environ.get("PAGE_LINK_SECRET")
    )
    args = parser.parse_args(argv)
    if not args.page_link_secret:
        parser.error("--page-link-secret (or PAGE_LINK_SECRET) is required")
    print(
        Site(
            server_name=args.server_name,
            listen=args.listen,
            upstreams=args.upstream,
            cert=Path(args.cert),
            cert_key=Path(args.cert_key),
            static_root=Path(args.static_root),
            media_root=Path(args.media_root),
            page_link_secret=args.page_link_secret,
        ).render()
    )


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["site"]:
        _site_command(argv[1:])
        return
    parser = argparse.ArgumentParser(prog="python -m deploy.stack", description=__doc__)
    parser.add_argument("--port", type=int, default=8443, help="nginx's HTTPS port")
    parser.add_argument("--web", type=int, default=2, help="web processes")
    parser.add_argument("--demo", action="store_true", help="load the Sơn La demo")
    parser.add_argument("--var", default=os.environ.get("VAR_DIR", ROOT / "var"))
    args = parser.parse_args(argv)
    stack = Stack(
        Path(args.var),
        database_url=os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/nghisu"
        ),
        redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        port=args.port,
        web=args.web,
    )
    print("deploy.stack: preparing (migrations, static files, certificate)…")
    stack.prepare(demo=args.demo)
    stack.start()
    accounts = stack.var_dir / "demo-accounts.txt"
    if args.demo and accounts.exists():
        print(accounts.read_text())
    print(f"Nghị Sự behind nginx: {stack.url}/  (certificate {stack.cert})")
    print(f"logs: {stack.logs}/   Ctrl+C to stop")
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    try:
        while not stopping:
            dead = [n for n, p in stack.procs.items() if p.poll() is not None]
            if dead:
                print(f"deploy.stack: {', '.join(dead)} stopped; see {stack.logs}")
                break
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


if __name__ == "__main__":
    main()

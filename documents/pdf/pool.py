"""A pool of warm, resource-limited PDF worker processes.

The parent (Daphne, a task worker, a test) never imports PyMuPDF. Each worker is
``python -m documents.pdf._worker`` started with :mod:`subprocess` (no
``multiprocessing``, so nothing depends on the parent's ``__main__``), limits
itself with ``setrlimit`` (address space, CPU seconds per job, no core files)
and answers jobs over its stdin/stdout pipes with :mod:`documents.pdf.protocol`
frames. The parent enforces a wall-clock limit per job by killing the worker.
Any failure of a job (crash, hang, limit) becomes a :class:`PdfError` for that
job only; the slot is refilled with a fresh worker on next use.

Thread safety: :meth:`PdfPool.call` may be used from any number of threads; a
worker serves one job at a time and callers queue for a free worker.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import queue
import selectors
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from documents.pdf import protocol
from documents.pdf.errors import PdfError
from nghisu import metrics

log = logging.getLogger(__name__)

#: /metrics (nghisu.metrics): the wait for a free worker, and each job's time.
QUEUE_SECONDS = metrics.histogram(
    "nghisu_pdf_queue_seconds", "Time a PDF job waited for a free pool worker."
)
JOB_SECONDS = metrics.histogram(
    "nghisu_pdf_job_seconds", "Time of a PDF job in a pool worker, by operation."
)
JOBS_FAILED = metrics.counter(
    "nghisu_pdf_jobs_failed_total", "PDF jobs that failed, by error code."
)

#: Directory that must be on ``sys.path`` for ``documents.pdf`` to import.
_IMPORT_ROOT = str(Path(__file__).resolve().parents[2])
_EXIT_MEMORY = 3  # keep in sync with documents.pdf._worker.EXIT_MEMORY


@dataclass(frozen=True)
class PoolConfig:
    """Limits and sizes of a :class:`PdfPool`.

    Attributes:
        workers: number of worker processes (started lazily, on demand).
        cpu_seconds: CPU seconds one job may use (``RLIMIT_CPU``, re-armed per
            job; the worker is killed by ``SIGXCPU`` past it). 0 disables.
        memory_bytes: address-space limit of a worker (``RLIMIT_AS``); includes
            the ~0.3 GiB that Python and MuPDF map at start. 0 disables.
        wall_seconds: wall-clock time one job may take before the parent kills
            the worker.
        max_jobs: jobs a worker serves before it is replaced (bounds leaks).
        queue_seconds: how long a caller waits for a free worker before
            :class:`PdfError` ``busy``.
        start_seconds: how long a new worker may take to become ready.
        python: interpreter used for workers.
    """

    workers: int = 2
    cpu_seconds: int = 60
    memory_bytes: int = 1536 * 1024 * 1024
    wall_seconds: float = 120.0
    max_jobs: int = 200
    queue_seconds: float = 300.0
    start_seconds: float = 30.0
    python: str = sys.executable


class _WorkerDied(Exception):
    pass


class _Worker:
    """One worker process and its pipes; used by one thread at a time."""

    def __init__(self, config: PoolConfig) -> None:
        limits = {
            "cpu_seconds": config.cpu_seconds,
            "memory_bytes": config.memory_bytes,
            "max_jobs": config.max_jobs,
        }
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (_IMPORT_ROOT, env.get("PYTHONPATH", "")) if p
        )
        env.pop("DJANGO_SETTINGS_MODULE", None)
        self.proc = subprocess.Popen(
            [config.python, "-m", "documents.pdf._worker", json.dumps(limits)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
            env=env,
            cwd=_IMPORT_ROOT,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin = self.proc.stdin
        self.fd = self.proc.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.fd, selectors.EVENT_READ)
        self.jobs = 0
        self.pid = self.proc.pid

    # -- reading with a deadline -------------------------------------------
    def _read_exact(self, n: int, deadline: float) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if not self.selector.select(remaining):
                continue
            try:
                chunk = os.read(self.fd, min(n - len(buf), 1 << 20))
            except BlockingIOError:
                continue
            if not chunk:
                raise _WorkerDied
            buf += chunk
        return bytes(buf)

    def receive(self, deadline: float) -> Any:
        """Read one message; raise TimeoutError or _WorkerDied."""
        n = protocol.header_length(self._read_exact(4, deadline))
        body, sizes = protocol.parse_header(self._read_exact(n, deadline))
        blobs = [self._read_exact(size, deadline) for size in sizes]
        return protocol.finish(body, blobs)

    def send(self, payload: Any) -> None:
        """Write one message; raise _WorkerDied if the worker is gone."""
        try:
            for chunk in protocol.encode(payload):
                self.stdin.write(chunk)
            self.stdin.flush()
        except (BrokenPipeError, ValueError, OSError) as exc:
            raise _WorkerDied from exc

    def alive(self) -> bool:
        """Return whether the process is still running."""
        return self.proc.poll() is None

    def exit_code(self, wait: float = 5.0) -> int | None:
        """Wait briefly for the process to end and return its status."""
        try:
            return self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """Kill the process and reap it."""
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=10)
        self.close_pipes()

    def stop(self, wait: float = 2.0) -> None:
        """Ask the worker to exit (EOF on stdin), kill it if it lingers."""
        with contextlib.suppress(OSError, ValueError):
            self.stdin.close()
        try:
            self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            self.kill()
        self.close_pipes()

    def close_pipes(self) -> None:
        """Close the parent's ends of the pipes."""
        with contextlib.suppress(Exception):
            self.selector.close()
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(Exception):
                if stream is not None:
                    stream.close()


class PdfPool:
    """N warm worker processes that run PDF operations under limits."""

    def __init__(self, config: PoolConfig | None = None, **overrides: Any) -> None:
        """Create a pool; no process starts until the first job."""
        cfg = config or PoolConfig()
        self.config = replace(cfg, **overrides) if overrides else cfg
        if self.config.workers < 1:
            raise ValueError("workers must be >= 1")
        self.pid = os.getpid()
        self._slots: queue.LifoQueue[_Worker | None] = queue.LifoQueue()
        for _ in range(self.config.workers):
            self._slots.put(None)
        self._lock = threading.Lock()
        self._live: set[_Worker] = set()
        self._closed = False
        self.waiting = 0  # callers queued for a worker now (for /metrics)

    # -- public ---------------------------------------------------------------
    def call(
        self, op: str, *args: Any, wall_seconds: float | None = None, **kwargs: Any
    ) -> Any:
        """Run operation ``op`` in a worker and return its result.

        Raise :class:`PdfError` for any failure of the job, including
        ``timeout``, ``memory``, ``crashed`` and ``busy``.
        """
        if self._closed:
            raise PdfError("internal", "Bộ xử lý PDF đã dừng hoạt động.")
        queued = time.monotonic()
        with self._lock:
            self.waiting += 1
        try:
            slot = self._slots.get(timeout=self.config.queue_seconds)
        except queue.Empty:
            JOBS_FAILED.inc(code="busy")
            raise PdfError("busy") from None
        finally:
            with self._lock:
                self.waiting -= 1
        started = time.monotonic()
        QUEUE_SECONDS.observe(started - queued)
        worker: _Worker | None = None
        try:
            worker = self._ready_worker(slot)
            worker.jobs += 1
            return self._run(
                worker, op, args, kwargs, wall_seconds or self.config.wall_seconds
            )
        except _Retire as exc:
            self._discard(exc.worker)
            worker = None
            JOBS_FAILED.inc(code=exc.error.code)
            raise exc.error from None
        except PdfError as exc:
            JOBS_FAILED.inc(code=exc.code)
            raise
        finally:
            JOB_SECONDS.observe(time.monotonic() - started, op=op)
            self._release(worker)

    def warm(self) -> None:
        """Start every worker now instead of on first use."""
        taken: list[_Worker | None] = []
        try:
            for _ in range(self.config.workers):
                slot = self._slots.get(timeout=self.config.queue_seconds)
                taken.append(None)
                taken[-1] = self._ready_worker(slot)
        finally:
            for w in taken:
                self._release(w)

    def stats(self) -> dict[str, Any]:
        """Return live worker pids and the configuration (for diagnostics)."""
        with self._lock:
            pids = sorted(w.pid for w in self._live if w.alive())
        return {"pids": pids, "config": asdict(self.config)}

    def shutdown(self) -> None:
        """Stop every worker; later calls raise :class:`PdfError`."""
        self._closed = True
        with self._lock:
            workers = list(self._live)
            self._live.clear()
        for w in workers:
            if os.getpid() == self.pid:
                w.stop()
            else:
                w.close_pipes()

    # -- internals --------------------------------------------------------------
    def _ready_worker(self, worker: _Worker | None) -> _Worker:
        if worker is not None and (
            not worker.alive() or worker.jobs >= self.config.max_jobs
        ):
            self._discard(worker, graceful=True)
            worker = None
        if worker is None:
            worker = self._spawn()
        return worker

    def _spawn(self) -> _Worker:
        try:
            worker = _Worker(self.config)
        except OSError as exc:
            log.exception("cannot start PDF worker")
            raise PdfError("internal") from exc
        with self._lock:
            self._live.add(worker)
        try:
            hello = worker.receive(time.monotonic() + self.config.start_seconds)
            if not isinstance(hello, dict) or "ready" not in hello:
                raise protocol.ProtocolError("no ready message")
        except (TimeoutError, _WorkerDied, protocol.ProtocolError) as exc:
            log.error("PDF worker failed to start (%s)", type(exc).__name__)
            self._discard(worker)
            raise PdfError("internal") from exc
        return worker

    def _run(
        self, worker: _Worker, op: str, args: Any, kwargs: Any, wall: float
    ) -> Any:
        try:
            worker.send({"op": op, "args": list(args), "kwargs": kwargs})
            answer = worker.receive(time.monotonic() + wall)
        except TimeoutError:
            log.warning("PDF job %s exceeded %.0f s wall time; killing", op, wall)
            raise _Retire(worker, PdfError("timeout")) from None
        except (_WorkerDied, protocol.ProtocolError):
            raise _Retire(worker, self._death_error(worker, op)) from None
        if not isinstance(answer, dict) or "ok" not in answer:
            raise _Retire(worker, PdfError("crashed"))
        if answer["ok"]:
            return answer.get("result")
        code = str(answer.get("code") or "internal")
        message = answer.get("message")
        error = PdfError(code, message if isinstance(message, str) else None)
        if code == "memory":
            raise _Retire(worker, error)
        raise error

    def _death_error(self, worker: _Worker, op: str) -> PdfError:
        status = worker.exit_code()
        log.warning("PDF worker %s died during %s (status %s)", worker.pid, op, status)
        if status == -signal.SIGXCPU:
            return PdfError("timeout")
        if status == _EXIT_MEMORY:
            return PdfError("memory")
        return PdfError("crashed")

    def _discard(self, worker: _Worker, graceful: bool = False) -> None:
        with self._lock:
            self._live.discard(worker)
        if graceful and worker.alive():
            worker.stop()
        else:
            worker.kill()

    def _release(self, worker: _Worker | None) -> None:
        if worker is not None and self._closed:
            self._discard(worker, graceful=True)
            worker = None
        self._slots.put(worker)


class _Retire(Exception):
    """Internal: the job failed and its worker must not be reused."""

    def __init__(self, worker: _Worker, error: PdfError) -> None:
        super().__init__(error.code)
        self.worker = worker
        self.error = error


_POOL: PdfPool | None = None
_POOL_LOCK = threading.Lock()
_DEFAULT_CONFIG: PoolConfig | None = None


def configure(config: PoolConfig | None = None, **overrides: Any) -> None:
    """Set the configuration used by :func:`get_pool` (restarts the pool)."""
    global _DEFAULT_CONFIG
    cfg = config or PoolConfig()
    _DEFAULT_CONFIG = replace(cfg, **overrides) if overrides else cfg
    shutdown()


def get_pool() -> PdfPool:
    """Return this process's pool, creating it on first use or after a fork."""
    global _POOL
    pool = _POOL
    if pool is not None and pool.pid == os.getpid() and not pool._closed:
        return pool
    with _POOL_LOCK:
        if _POOL is None or _POOL.pid != os.getpid() or _POOL._closed:
            _POOL = PdfPool(_DEFAULT_CONFIG)
        return _POOL


def collect() -> list[metrics.Sample]:
    """Gauges of this process's pool for /metrics (none before its first use)."""
    pool = _POOL
    if pool is None or pool._closed or pool.pid != os.getpid():
        return []
    with pool._lock:
        live = sum(1 for w in pool._live if w.alive())
    return [
        metrics.Sample(
            "nghisu_pdf_waiting",
            "PDF jobs waiting for a free worker now.",
            pool.waiting,
        ),
        metrics.Sample("nghisu_pdf_workers", "Live PDF worker processes.", live),
    ]


def shutdown() -> None:
    """Stop the process-wide pool's workers (a later job starts a new pool)."""
    global _POOL
    with _POOL_LOCK:
        pool, _POOL = _POOL, None
    if pool is not None:
        pool.shutdown()


def _after_fork_in_child() -> None:
    """Forget the parent's pool in a forked child without touching its workers."""
    global _POOL, _POOL_LOCK
    _POOL_LOCK = threading.Lock()
    pool, _POOL = _POOL, None
    if pool is not None:
        pool._closed = True
        for w in list(pool._live):
            w.close_pipes()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(shutdown)

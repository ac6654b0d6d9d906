"""Tests of the worker pool: limits, crashes, recycling, threads, fork."""

from __future__ import annotations

import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import documents.pdf as pdf
from documents.pdf import PdfError, PdfPool
from documents.pdf import pool as pool_mod
from tests.documents import pdf_builders as B


@pytest.fixture
def small_pool():
    pool = PdfPool(workers=1, wall_seconds=5, cpu_seconds=2, max_jobs=3)
    yield pool
    pool.shutdown()


def test_wall_timeout_kills_and_next_job_succeeds(small_pool: PdfPool) -> None:
    first = small_pool.call("_pid")
    started = time.monotonic()
    with pytest.raises(PdfError) as info:
        small_pool.call("_sleep", 60, wall_seconds=1)
    assert info.value.code == "timeout"
    assert time.monotonic() - started < 10
    assert small_pool.call("_sleep", 0) == "slept"
    assert small_pool.call("_pid") != first  # the hung worker was replaced


def test_cpu_limit(small_pool: PdfPool) -> None:
    with pytest.raises(PdfError) as info:
        small_pool.call("_spin", 30, wall_seconds=20)
    assert info.value.code == "timeout"
    assert small_pool.call("_sleep", 0) == "slept"


def test_memory_limit() -> None:
    pool = PdfPool(workers=1, memory_bytes=768 * 1024 * 1024)
    try:
        with pytest.raises(PdfError) as info:
            pool.call("_alloc", 2 * 1024 * 1024 * 1024)
        assert info.value.code == "memory"
        assert "bộ nhớ" in info.value.message
        assert pool.call("_alloc", 10 * 1024 * 1024) == 10 * 1024 * 1024
    finally:
        pool.shutdown()


@pytest.mark.parametrize(("op", "args"), [("_exit", [9]), ("_segfault", [])])
def test_crash_is_clean(small_pool: PdfPool, op: str, args: list) -> None:
    with pytest.raises(PdfError) as info:
        small_pool.call(op, *args)
    assert info.value.code == "crashed"
    assert small_pool.call("_sleep", 0) == "slept"


def test_recycled_after_max_jobs(small_pool: PdfPool) -> None:
    pids = [small_pool.call("_pid") for _ in range(7)]
    assert pids[0] == pids[1] == pids[2]
    assert pids[3] != pids[0] and pids[3] == pids[5]
    assert pids[6] != pids[3]


def test_busy_when_queue_wait_expires() -> None:
    pool = PdfPool(workers=1, queue_seconds=0.3)
    try:
        t = threading.Thread(target=pool.call, args=("_sleep", 2))
        t.start()
        time.sleep(0.8)
        with pytest.raises(PdfError) as info:
            pool.call("_pid")
        assert info.value.code == "busy"
        t.join()
    finally:
        pool.shutdown()


def test_eight_threads(tmp_path: Path) -> None:
    src = tmp_path / "t.pdf"
    src.write_bytes(B.text_pdf(8))
    pool = pdf.get_pool()

    def job(i: int) -> tuple[int, str]:
        if i % 4 == 3:
            with pytest.raises(PdfError):
                pool.call("_exit", 1)
            return i, "crash"
        data, ctype = pdf.render(src, i % 8 + 1, 200)
        assert data and ctype == "image/png"
        return i, ctype

    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(job, range(24)))
    assert [r[0] for r in results] == list(range(24))
    assert pdf.inspect(src, max_pages=10)["page_count"] == 8
    assert len(pool.stats()["pids"]) <= pool.config.workers


def test_get_pool_singleton_and_fork() -> None:
    pool = pdf.get_pool()
    assert pdf.get_pool() is pool
    pool.call("_pid")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: must get its own pool and workers
        code = 1
        try:
            child_pool = pdf.get_pool()
            ok = child_pool is not pool and child_pool.call("_sleep", 0) == "slept"
            os.write(write, b"ok" if ok else b"no")
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    assert os.read(read, 2) == b"ok" and status == 0
    os.close(read)
    assert pool.call("_sleep", 0) == "slept"  # parent's pool is intact


def test_shutdown_and_restart() -> None:
    pool = pdf.get_pool()
    pool.call("_pid")
    pids = pool.stats()["pids"]
    pdf.shutdown()
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
    assert pdf.get_pool() is not pool
    assert pdf.get_pool().call("_sleep", 0) == "slept"


def test_module_has_no_pymupdf() -> None:
    assert "pymupdf" not in sys.modules
    assert pool_mod.PoolConfig().workers == 2

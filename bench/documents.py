"""5. Documents: processing, first render, and cached page images over HTTP.

Processing and first render are measured by :mod:`bench.documents_job` in the
stack's environment. The cached page is fetched from a real Daphne process by a
logged-in user, ``concurrency`` keep-alive connections at once, from a client
process of its own.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import ssl

from bench.driver import latency_stats
from bench.proc import cpu_seconds, now_ns
from bench.servers import PASSWORD, Stack, profiling

logger = logging.getLogger("bench")


async def _fetch_loop(
    port: int, path: str, cookie: str, count: int, out: list, tls: str | None = None
) -> None:
    context = ssl.create_default_context(cafile=tls) if tls else None
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
        "Connection: keep-alive\r\n\r\n"
    ).encode()
    try:
        for _ in range(count):
            t0 = now_ns()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            length = 0
            for line in lines[1:]:
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            body = await reader.readexactly(length)
            out.append((status, now_ns() - t0, len(body)))
    finally:
        writer.close()


def _load(
    port: int, path: str, cookie: str, concurrency: int, total: int, conn, tls=None
) -> None:
    async def run() -> tuple[list, float]:
        out: list = []
        per = max(1, total // concurrency)
        t0 = now_ns()
        await asyncio.gather(
            *(
                _fetch_loop(port, path, cookie, per, out, tls)
                for _ in range(concurrency)
            )
        )
        return out, (now_ns() - t0) / 1e9

    conn.send(asyncio.run(run()))


def cached_page_load(
    port: int,
    path: str,
    cookie: str,
    concurrency: int,
    total: int,
    *,
    tls: str | None = None,
) -> dict:
    """``total`` GETs of ``path`` on ``concurrency`` keep-alive connections, from
    a process of its own; over TLS trusting the certificate file ``tls``."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(
        target=_load, args=(port, path, cookie, concurrency, total, child, tls)
    )
    proc.start()
    results, seconds = parent.recv()
    proc.join(10)
    ok = [t for status, t, _n in results if status == 200]
    sizes = {n for status, _t, n in results if status == 200}
    return {
        "concurrency": concurrency,
        "requests": len(results),
        "non_200": len(results) - len(ok),
        "bytes": max(sizes) if sizes else None,
        "requests_per_s": round(len(results) / seconds, 1),
        **latency_stats(ok),
    }


def run(ctx, size: dict) -> list[dict]:
    stack = Stack(ctx.templates, label="documents")
    try:
        logger.info(
            "documents: processing %d pages, ours and plain PyMuPDF", size["doc_pages"]
        )
        job = stack.run_module(
            "bench.documents_job",
            {"pages": size["doc_pages"], "render_pages": 10, "password": PASSWORD},
        )
        (server,) = stack.start_daphne(1)
        cookie = stack.login_all([job["username"]], port=server.port)[job["username"]]
        path = (
            f"/documents/{job['document']}/versions/{job['version']}/pages/"
            f"{job['cached_page']}/?w=1200"
        )
        # One request first: the page is in the render cache from the job; this
        # checks it is served (and warms the view's imports).
        warm = cached_page_load(server.port, path, cookie, 1, 3)
        logger.info("documents: cached page, %d concurrent", size["doc_concurrency"])
        cpu0 = cpu_seconds(server.pid)
        with profiling([server], "documents-cached"):
            cached = cached_page_load(
                server.port, path, cookie, size["doc_concurrency"], size["doc_requests"]
            )
        cached["server_cpu_ms_per_request"] = round(
            (cpu_seconds(server.pid) - cpu0) / max(1, cached["requests"]) * 1e3, 2
        )
    finally:
        stack.close(keep=ctx.keep)
    row = {
        "bench": "documents",
        "system": "nghisu",
        **{k: v for k, v in job.items() if k not in ("username",)},
        "process_ratio": round(job["process_s"] / job["process_baseline_s"], 2),
        "first_render_ratio": round(job["first_render_ms"] / job["pixmap_ms"], 2),
        "first_render_vs_png": round(job["first_render_ms"] / job["pixmap_png_ms"], 2),
        "cached_http": cached,
    }
    failed = []
    if warm["non_200"] or cached["non_200"]:
        failed.append(
            f"{cached['non_200'] + warm['non_200']} page requests not answered 200"
        )
    if failed:
        row["failed"] = failed
    return [row]

"""The benchmarks through nginx: fan-out, many rooms and the cached page image.

nginx runs as in production (deploy/nginx/nghisu.conf.in, rendered by
:mod:`deploy.site`): TLS, HTTP/2, the web processes as its upstream. With
``BENCH_FRONT=nginx`` in the environment (set by the suites here while they
run the ordinary ones), :meth:`bench.servers.Stack.start_daphne` puts an nginx
in front of the web processes it starts and :func:`bench.measure.targets_for`
sends the tablets' sockets through it (wss); the chair's commands still go to
a web process directly. So ``fanout_nginx`` and ``rooms_nginx`` are the same
drivers, measured the same way, with nginx in the path.

``pages`` measures the cached page image at ``doc_concurrency`` (50) keep-alive
connections over TLS: through Django's view directly (HTTP, as the documents
benchmark), through nginx with Django's check and X-Accel-Redirect, through
nginx alone on a signed URL (secure_link), and the baseline: nginx serving a
static file of the same size in the same run.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import urllib.request
from pathlib import Path

from bench import documents, front
from bench.proc import cpu_seconds
from bench.servers import PASSWORD, Server, Stack
from deploy.site import NGINX

logger = logging.getLogger("bench")


def start_front(stack: Stack, upstream_ports: list[int]) -> Server:
    """Start nginx (TLS) in front of ``upstream_ports`` of ``stack``; return it."""
    port, proc, log = front.start(stack.dir, upstream_ports)
    return Server("nginx", port, proc, log)


def nginx_pids(server: Server) -> list[int]:
    """The master and its workers (their CPU is the proxy's cost)."""
    found = subprocess.run(
        ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
    ).stdout.split()
    return [server.pid, *(int(p) for p in found)]


@contextlib.contextmanager
def through_nginx():
    """Run the ordinary suites with nginx in front of their web processes."""
    if not Path(NGINX).exists():
        raise RuntimeError("nginx is not installed (apt-get install nginx)")
    saved = os.environ.get("BENCH_FRONT")
    os.environ["BENCH_FRONT"] = "nginx"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("BENCH_FRONT", None)
        else:
            os.environ["BENCH_FRONT"] = saved
        front.FRONTS.clear()


def _mark(rows: list[dict], bench: str) -> list[dict]:
    for row in rows:
        row["bench"] = bench
        row["front"] = "nginx (TLS)"
    return rows


def fanout(ctx, size: dict) -> list[dict]:
    """Fan-out with the tablets on wss through nginx (Daphne, in memory)."""
    from bench import suites

    size = {
        **size,
        "fanout_clients": [max(size["fanout_clients"])],
        "fanout_servers": ["daphne"],
        "fanout_redis": [],
    }
    with through_nginx():
        rows = suites.fanout(ctx, size)
    # The baselines ran direct, in the same run; the ratios are against them.
    ours = [r for r in rows if r["system"] in suites.OURS.values()]
    return _mark(ours, "fanout_nginx")


def many_rooms(ctx, size: dict) -> list[dict]:
    """Many rooms on two processes + Redis + PostgreSQL, tablets through nginx."""
    from bench import suites

    with through_nginx():
        return _mark(suites.many_rooms(ctx, size), "many_rooms_nginx")


# ---------------------------------------------------------------------------
# the cached page image
# ---------------------------------------------------------------------------
class FrontStack(Stack):
    """A stack whose web processes let nginx send files and sign page URLs
    (``file_sender = "django"`` for one that streams files itself)."""

    file_sender = "nginx"

    @property
    def env(self) -> dict:
        env = super().env
        env.update(
            FILE_SENDER=self.file_sender, PAGE_LINK_SECRET=front.page_link_secret()
        )
        return env


def _get(port: int, path: str, cookie: str, cafile: str) -> bytes:
    import ssl

    request = urllib.request.Request(
        f"https://127.0.0.1:{port}{path}", headers={"Cookie": cookie}
    )
    context = ssl.create_default_context(cafile=cafile)
    with urllib.request.urlopen(request, context=context, timeout=30) as response:  # noqa: S310
        return response.read()


def pages(ctx, size: dict) -> list[dict]:
    stack = FrontStack(ctx.templates, label="pages")
    rows = []
    try:
        job = stack.run_module(
            "bench.documents_job",
            {"pages": 6, "render_pages": 3, "password": PASSWORD},
        )
        stack.file_sender = "django"
        (direct,) = stack.start_daphne(1)
        stack.file_sender = "nginx"
        (server,) = stack.start_daphne(1)
        nginx = start_front(stack, [server.port])
        stack.servers.append(nginx)
        cafile = os.environ["SSL_CERT_FILE"]
        user = job["username"]
        cookie = stack.login_all([user], port=server.port)[user]
        base = f"/documents/{job['document']}/versions/{job['version']}/pages/"
        page = job["cached_page"]
        links = json.loads(_get(nginx.port, base + "links/", cookie, cafile))
        signed = links["template"].format(
            sig=links["sigs"][page - 1], page=page, w=1200
        )
        image = _get(nginx.port, signed, cookie, cafile)
        static = stack.dir / "staticfiles" / "bench-page.bin"
        static.write_bytes(image)
        runs = [
            ("django", direct.port, f"{base}{page}/?w=1200", None, [direct.pid]),
            ("nginx_static", nginx.port, "/static/bench-page.bin", cafile, []),
            ("nginx_accel", nginx.port, f"{base}{page}/?w=1200", cafile, [server.pid]),
            ("nginx_signed", nginx.port, signed, cafile, [server.pid]),
        ]
        total, concurrency = size["doc_requests"], size["doc_concurrency"]
        for system, port, path, tls, pids in runs:
            logger.info("pages: %s, %d concurrent", system, concurrency)
            pids = pids + nginx_pids(nginx) * (port == nginx.port)
            if system == "nginx_signed":
                # A fresh URL (it lives 30-60 s), valid through the run.
                links = json.loads(_get(nginx.port, base + "links/", cookie, cafile))
                path = links["template"].format(
                    sig=links["sigs"][page - 1], page=page, w=1200
                )
            documents.cached_page_load(port, path, cookie, 1, 3, tls=tls)  # warm
            cpu0 = sum(cpu_seconds(p) for p in pids)
            load = documents.cached_page_load(
                port, path, cookie, concurrency, total, tls=tls
            )
            cpu = sum(cpu_seconds(p) for p in pids) - cpu0
            load["server_cpu_ms_per_request"] = round(
                cpu / max(1, load["requests"]) * 1e3, 3
            )
            rows.append({"bench": "pages", "system": system, **load})
    finally:
        stack.close(keep=ctx.keep)
    base_row = next((r for r in rows if r["system"] == "nginx_static"), None)
    for row in rows:
        row["bytes_image"] = len(image)
        if (
            base_row
            and row is not base_row
            and base_row.get("p50_ms")
            and row.get("p50_ms")
        ):
            row["p50_vs_static"] = round(row["p50_ms"] / base_row["p50_ms"], 2)
            row["rps_vs_static"] = round(
                row["requests_per_s"] / base_row["requests_per_s"], 2
            )
        failed = []
        if row["non_200"]:
            failed.append(f"{row['system']}: {row['non_200']} requests not 200")
        if row["bytes"] != len(image):
            failed.append(f"{row['system']}: {row['bytes']} bytes, not {len(image)}")
        if failed:
            row["failed"] = failed
    return rows


# ---------------------------------------------------------------------------
# the report's lines and goals (bench/report.py)
# ---------------------------------------------------------------------------
def _ms(value) -> str:
    return "–" if value is None else f"{value:.1f}"


def report_lines(r: dict) -> list[str]:
    if r["bench"] == "fanout_nginx":
        lat = r["latency"]
        return [
            f"1n. Fan-out through nginx (wss), {r['clients']} clients: p50 "
            f"{_ms(lat['p50_ms'])} ms, p99 {_ms(lat['p99_ms'])} ms; "
            f"{r['cpu_per_message_us']} µs CPU per message (Daphne only), "
            f"{r.get('cpu_vs_a')}× bare websockets direct"
        ]
    if r["bench"] == "many_rooms_nginx":
        lat = r["latency"]
        return [
            f"4n. {r['rooms']} rooms × {r['clients'] // r['rooms']} through nginx "
            f"(wss) on 2 processes, Redis + PostgreSQL: p50 {_ms(lat['p50_ms'])} ms, "
            f"p99 {_ms(lat['p99_ms'])} ms, lost {r['lost']}"
        ]
    if r["bench"] == "pages":
        return [
            f"5n. Cached page {r['bytes_image']} B, {r['concurrency']} concurrent, "
            f"{r['system']:<13}: p50 {_ms(r['p50_ms'])} ms, p99 "
            f"{_ms(r['p99_ms'])} ms, {r['requests_per_s']} req/s, "
            f"{r['server_cpu_ms_per_request']} ms CPU/request"
            + (f", p50 {r['p50_vs_static']}× static" if "p50_vs_static" in r else "")
        ]
    return []


def goals(r: dict) -> list[tuple[str, str, bool | None]]:
    if r["bench"] == "pages" and r["system"] == "nginx_signed":
        rps = r["requests_per_s"]
        return [
            (
                "cached page through nginx, 50 concurrent: p50 < 15 ms, "
                "p99 < 50 ms, > 3,000 req/s",
                f"p50 {_ms(r['p50_ms'])} ms, p99 {_ms(r['p99_ms'])} ms, {rps} req/s",
                r["p50_ms"] < 15 and r["p99_ms"] < 50 and rps > 3000,
            )
        ]
    if r["bench"] == "many_rooms_nginx":
        p99 = r["latency"]["p99_ms"]
        return [
            (
                f"{r['rooms']} rooms through nginx: p99 < 250 ms",
                f"{_ms(p99)} ms",
                p99 is not None and p99 < 250,
            )
        ]
    return []

"""The benchmarks through nginx at tiny sizes (bench/nginx.py): the tablets of the
fan-out on wss through nginx, and the cached page image four ways, all answered
with the whole image."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.site import NGINX
from tests.bench.test_bench_smoke import _bench

pytestmark = [
    pytest.mark.daphne,
    pytest.mark.bench,
    pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed"),
]


def test_tiny_fanout_and_page_image_through_nginx(tmp_path):
    done, run = _bench(tmp_path, "fanout_nginx", "pages")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert not run["crashed"]
    (fan,) = [r for r in run["results"] if r["bench"] == "fanout_nginx"]
    assert fan["front"] == "nginx (TLS)" and fan["system"] == "nghisu"
    assert fan["latency"]["n"] == fan["events"] * 5 and fan["lost"] == 0
    assert "cpu_vs_a" in fan  # against bare websockets, same run (tiny: may be 0)
    pages = {r["system"]: r for r in run["results"] if r["bench"] == "pages"}
    assert set(pages) == {"django", "nginx_static", "nginx_accel", "nginx_signed"}
    for row in pages.values():
        assert row["non_200"] == 0 and row["bytes"] == row["bytes_image"] > 0
    assert pages["nginx_signed"]["p50_vs_static"] is not None
    assert (
        "5n. Cached page" in done.stdout and "1n. Fan-out through nginx" in done.stdout
    )

"""The benchmark machinery at tiny sizes: servers, logins, clients, checks, report.

Runs ``python -m bench --tiny`` for the benchmarks that need no service beyond
the embedded defaults (fan-out against both baselines, vote storm, join storm;
the annotation figures, which also need Debian's Chromium) and checks that it
measured something and found nothing lost or miscounted. The
PostgreSQL + Redis benchmark runs at tiny size in the PostgreSQL pass of CI
(its own database on 127.0.0.1:5432, Redis database 13).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import offline, report, suites
from bench.proc import cpu_seconds, now_ns, percentile, rss_bytes
from tests import services

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.daphne, pytest.mark.bench]


def _bench(
    tmp_path: Path, *only: str, sets: tuple[str, ...] = ()
) -> tuple[subprocess.CompletedProcess, dict]:
    out = tmp_path / "run.json"
    args = [sys.executable, "-m", "bench", "--tiny", "--out", str(out)]
    for name in only:
        args += ["--only", name]
    for value in sets:
        args += ["--set", value]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.exists(), done.stderr[-3000:]
    return done, json.loads(out.read_text())


def test_tiny_room_benchmarks_measure_and_find_nothing_lost(tmp_path):
    done, run = _bench(tmp_path, "fanout", "vote", "join")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert not run["crashed"]
    fan = {r["system"]: r for r in run["results"] if r["bench"] == "fanout"}
    assert set(fan) == {"nghisu", "nghisu_uvicorn", "baseline_a", "baseline_b"}
    assert fan["nghisu_uvicorn"]["server"] == "uvicorn"
    # Every tablet of ours holds the bell socket a real page opens, to the end.
    for system in ("nghisu", "nghisu_uvicorn"):
        assert fan[system]["bell_sockets"] == 5 and fan[system]["bell_dead"] == 0
    assert fan["baseline_a"]["bell_sockets"] == 0
    for row in fan.values():
        assert row["clients"] == 5
        assert row["latency"]["n"] == row["events"] * 5
        assert row["lost"] == row["duplicates"] == row["out_of_order"] == 0
        assert row["latency"]["p99_ms"] > 0
    (vote,) = [r for r in run["results"] if r["bench"] == "vote_storm"]
    assert vote["ballots_db"] == vote["acknowledged"] == 5
    assert vote["bell_sockets"] == 5 and vote["bell_dead"] == 0
    assert "failed" not in vote
    (join,) = [r for r in run["results"] if r["bench"] == "join_storm"]
    assert join["synced_count"] == 5 and join["failures"] == 0
    # The table names the baselines and the goals.
    assert "A: bare websockets" in done.stdout and "Goals" in done.stdout


def test_tiny_annotation_figures_measure_all_three_and_lose_no_stroke(tmp_path):
    """Ink strokes reach every socket once, the crowded page draws every
    annotation in Chromium, the export writes every annotation; each figure
    has its baseline from the same run."""
    if not Path("/usr/bin/chromium").exists():
        services.missing(
            "Chromium not found at /usr/bin/chromium",
            required=os.environ.get("CI", "").lower() == "true",
        )
    done, run = _bench(tmp_path, "annotations")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert not run["crashed"]
    (row,) = run["results"]
    ink = row["ink"]
    assert ink["clients"] == 5 and ink["strokes"] == 3 and ink["points"] == 500
    assert ink["display"]["n"] == ink["receipt"]["n"] == 15
    assert ink["lost"] == ink["duplicates"] == ink["not_displayed"] == 0
    assert ink["save"]["p50_ms"] > 0
    assert ink["display"]["p50_ms"] >= ink["receipt"]["p50_ms"] > 0
    assert ink["baseline_a"]["latency"]["n"] == 15
    assert ink["baseline_a"]["frame_bytes_mean"] > 500 * 12  # 500 points
    paint = row["paint"]
    assert paint["crowded"]["drawn"] == [20] and paint["empty"]["drawn"] == [0]
    assert paint["crowded"]["median_ms"] > 0 and paint["ratio"] is not None
    export = row["export"]
    assert export["written"] == export["annotations"] == 30
    assert export["export_s"] > 0 and export["export_baseline_s"] > 0
    assert "6. Annotations" in done.stdout and "vs plain PyMuPDF ≤ 1.5×" in done.stdout


def test_tiny_offline_figures_measure_the_pack_and_the_worker(tmp_path):
    """The pack is downloaded by the product's client through the worker, the
    same images one by one are its baseline; the worker controls the page."""
    if not Path("/usr/bin/chromium").exists():
        services.missing(
            "Chromium not found at /usr/bin/chromium",
            required=os.environ.get("CI", "").lower() == "true",
        )
    done, run = _bench(tmp_path, "offline", sets=("offline_loads=2",))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert not run["crashed"]
    (row,) = run["results"]
    pack, worker = row["pack"], row["worker"]
    assert pack["pages"] == 12 and pack["files"] > 12 and pack["bytes"] > 0
    assert pack["pack_ms"] > 0 and pack["loop_ms"] > 0 and pack["ratio"] > 0
    assert worker["controlled"] and worker["loads"] == 2
    assert "failed" not in row
    assert "7. Offline briefcase" in done.stdout and "≤ 1.3×" in done.stdout

    # Runs are pooled from their results files: the same run twice is twice
    # the pairs, and the estimate is the one of all of them together.
    results = tmp_path / "run.json"
    pooled = subprocess.run(
        [sys.executable, "-m", "bench.offline", "pool", str(results), str(results)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert pooled.returncode == 0, pooled.stderr
    assert "4 pairs from 2 runs" in pooled.stdout
    samples = zip(worker["with_samples_ms"], worker["without_samples_ms"], strict=True)
    pairs = [a - b for a, b in samples]
    assert offline.pool([str(results)] * 2)["added_ms"] == round(
        offline._hodges_lehmann(pairs * 2)[0], 2
    )


def test_hodges_lehmann_is_the_median_of_pairwise_averages_with_an_interval():
    estimate, low, high = offline._hodges_lehmann([1.0, 2.0, 3.0, 4.0, 100.0])
    # Walsh averages of (1, 2, 3, 4, 100): their median is 3, not the mean 22.
    assert estimate == 3.0
    assert low <= estimate <= high
    assert offline._hodges_lehmann([5.0] * 30) == (5.0, 5.0, 5.0)


@pytest.mark.redis
@pytest.mark.postgres
def test_tiny_many_rooms_on_two_processes_with_redis_and_postgresql(tmp_path):
    probe = subprocess.run(
        ["psql", "postgres://postgres@127.0.0.1:5432/postgres", "-qc", "select 1"],
        capture_output=True,
    )
    if probe.returncode != 0:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    done, run = _bench(tmp_path, "rooms")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    (rooms,) = run["results"]
    assert rooms["clients"] == 6 and rooms["lost"] == 0
    assert rooms["bell_sockets"] == 6 and rooms["bell_dead"] == 0


@pytest.mark.redis
def test_tiny_fanout_on_the_redis_layer(tmp_path):
    """The fan-out row that issue 8 sets a goal for on Redis (p99 < 150 ms)."""
    done, run = _bench(
        tmp_path,
        "fanout",
        sets=('fanout_servers=["daphne"]', "fanout_redis=[5]"),
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    fan = {r["system"]: r for r in run["results"] if r["bench"] == "fanout"}
    assert set(fan) == {"nghisu", "nghisu_redis", "baseline_a", "baseline_b"}
    redis = fan["nghisu_redis"]
    assert redis["bell_sockets"] == 5 and redis["bell_dead"] == 0
    assert redis["layer"] == "redis" and redis["latency"]["n"] == redis["events"] * 5
    assert redis["lost"] == redis["duplicates"] == redis["out_of_order"] == 0
    assert "< 150 ms" in done.stdout


def test_integrity_failures_are_reported():
    row = {"system": "nghisu", "lost": 2, "duplicates": 1, "out_of_order": 0}
    reasons = suites._integrity(row)
    assert reasons == ["nghisu: 2 lost", "nghisu: 1 duplicates"]
    run = {
        "size": "tiny",
        "results": [
            {
                "bench": "join_storm",
                "clients": 5,
                "all_synced_s": 6.0,
                "failures": 1,
                "synced": {"p50_ms": 1.0},
                "server_cpu_s": 0.1,
            }
        ],
    }
    ((goal, measured, met),) = report.goals(run)
    assert not met and "1 failures" in measured


def test_proc_readings_of_this_process():
    assert cpu_seconds(__import__("os").getpid()) > 0
    assert rss_bytes(__import__("os").getpid()) > 1_000_000
    assert now_ns() < now_ns()
    assert percentile([3, 1, 2], 50) == 2 and percentile([], 99) is None


def test_annotation_failures_are_reported_and_a_crashed_part_leaves_the_rest():
    from bench import annotations

    ink = {
        "lost": 3,
        "not_displayed": 3,
        "duplicates": 0,
        "problems": [],
        "baseline_a": {"lost": 0},
    }
    paint = {
        "crowded": {"drawn": [199], "timeouts": []},
        "empty": {"drawn": [], "timeouts": ["/documents/1/versions/1/?page=3"]},
    }
    row = {"ink": ink, "paint": paint, "export": None}
    reasons = annotations._checks(row, 200)
    assert "ink: 3 lost" in reasons and "ink: 3 not displayed" in reasons
    assert any(r.startswith("crowded page drew [199]") for r in reasons)
    assert any(r.startswith("empty page not drawn") for r in reasons)
    failed: list[str] = []
    assert annotations._guarded("export", failed, lambda: 1 / 0) is None
    assert failed == ["export crashed: ZeroDivisionError: division by zero"]
    lines = report._annotation_lines({"ink": None, "paint": None, "export": None})
    assert lines == ["6. Annotations"]

"""``python -m bench [--quick|--full|--tiny] [--only NAME ...]``.

Runs the benchmarks against the real system on loopback, prints a table with
the figures and their ratios to the baselines measured in the same run, writes
``bench/results/<date>-<size>.json`` and exits 1 if any message was lost,
duplicated or out of order, or any vote miscounted (2 if a benchmark crashed).
``BENCH=full`` in the environment selects the full sizes.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench import nginx, report, suites
from bench.proc import machine
from bench.servers import ROOT, Templates

SIZES = {
    # The smoke test of the machinery (tests/bench): seconds.
    "tiny": {
        "fanout_clients": [5],
        "fanout_servers": ["daphne", "uvicorn"],
        # tests/bench runs the Redis row with --set, where Redis is required.
        "fanout_redis": [],
        "fanout_events": 8,
        "vote_voters": [5],
        "vote_window": 0.5,
        "vote_postgres": False,
        "join_clients": 5,
        "rooms": 2,
        "room_members": 3,
        "room_events": 3,
        "room_interval": 0.2,
        "doc_pages": 6,
        "doc_requests": 20,
        "doc_concurrency": 5,
        "ann_clients": 5,
        "ann_strokes": 3,
        "ann_paint": 20,
        "ann_paint_loads": 2,
        "ann_export_pages": 6,
        "ann_export_annotations": 30,
        "ann_export_repeats": 1,
        "offline_pages": 12,
        "offline_rounds": 1,
        "offline_loads": 5,
    },
    # ``make bench``: a few minutes on a 2-core machine.
    "quick": {
        "fanout_clients": [50, 200],
        "fanout_servers": ["daphne", "uvicorn"],
        "fanout_redis": [200],
        "fanout_events": 60,
        "vote_voters": [200],
        "vote_window": 2.0,
        "vote_postgres": False,
        "join_clients": 200,
        "rooms": 20,
        "room_members": 10,
        "room_events": 10,
        "room_interval": 1.0,
        "doc_pages": 60,
        "doc_requests": 500,
        "doc_concurrency": 50,
        "ann_clients": 100,
        "ann_strokes": 30,
        "ann_paint": 200,
        "ann_paint_loads": 10,
        "ann_export_pages": 300,
        "ann_export_annotations": 1000,
        "ann_export_repeats": 1,
        "offline_pages": 300,
        "offline_rounds": 3,
        "offline_loads": 80,
    },
    # ``BENCH=full make bench``: the sizes of issue 8.
    "full": {
        "fanout_clients": [100, 500, 1000],
        "fanout_servers": ["daphne", "uvicorn"],
        "fanout_redis": [500],
        "fanout_events": 200,
        "vote_voters": [500, 2000],
        "vote_window": 2.0,
        "vote_postgres": False,
        "join_clients": 500,
        "rooms": 100,
        "room_members": 20,
        "room_events": 20,
        "room_interval": 2.0,
        "doc_pages": 300,
        "doc_requests": 2000,
        "doc_concurrency": 50,
        "ann_clients": 100,
        "ann_strokes": 200,
        "ann_paint": 200,
        "ann_paint_loads": 10,
        "ann_export_pages": 300,
        "ann_export_annotations": 1000,
        "ann_export_repeats": 3,
        "offline_pages": 300,
        "offline_rounds": 5,
        # One load varies by ~40 ms on a shared 2-core machine and the two
        # sides of a pair do not vary together: ~300 pairs put the estimate's
        # 95% interval within about ±6 ms.
        "offline_loads": 300,
    },
}

BENCHES = {
    "fanout": suites.fanout,
    "vote": suites.vote_storm,
    "join": suites.join_storm,
    "rooms": suites.many_rooms,
    "documents": None,  # bench.documents, imported lazily
    "annotations": None,  # bench.annotations, imported lazily
    # The same through nginx (TLS, wss), and the page image it serves alone.
    "fanout_nginx": nginx.fanout,
    "rooms_nginx": nginx.many_rooms,
    "pages": nginx.pages,
    "offline": None,  # bench.offline, imported lazily
}


#: The ``bench`` of the result rows of each benchmark name.
ROW_NAMES = {
    "fanout": "fanout",
    "vote": "vote_storm",
    "join": "join_storm",
    "rooms": "many_rooms",
    "documents": "documents",
    "annotations": "annotations",
    "fanout_nginx": "fanout",
    "rooms_nginx": "many_rooms",
    "pages": "pages",
    "offline": "offline",
}


def _commit() -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", dest="size", action="store_const", const="quick")
    size.add_argument("--full", dest="size", action="store_const", const="full")
    size.add_argument("--tiny", dest="size", action="store_const", const="tiny")
    parser.add_argument(
        "--only", action="append", choices=sorted(BENCHES), help="run only these"
    )
    parser.add_argument("--out", type=Path, help="write the JSON here")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="override one size parameter, e.g. --set vote_voters=[500]",
    )
    parser.add_argument(
        "--publish",
        action="store_true",
        help="also write bench/results/published.json and docs/img/fanout.png",
    )
    parser.add_argument(
        "--publish-from",
        nargs="+",
        type=Path,
        metavar="JSON",
        help="run nothing: merge these result files (one size) into "
        "bench/results/published.json and redraw docs/img/fanout.png",
    )
    parser.add_argument("--keep", action="store_true", help="keep temp dirs and logs")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.size is None:
        args.size = "full" if os.environ.get("BENCH", "").lower() == "full" else "quick"
    return args


def _row_key(row: dict) -> tuple:
    return (
        row["bench"],
        row["system"],
        row.get("clients") or row.get("voters") or row.get("pages"),
        row.get("database", "sqlite"),
    )


def publish_from(files: list[Path]) -> int:
    """Merge runs of one size (a later row replaces an earlier one with the same
    benchmark, system, size and database) and publish them."""
    runs = [json.loads(f.read_text()) for f in files]
    merged = dict(runs[0])
    rows: dict[tuple, dict] = {}
    for run in runs:
        for row in run["results"]:
            rows[_row_key(row)] = {**row, "run_date": run["date"]}
    merged["results"] = list(rows.values())
    present = {row["bench"] for row in merged["results"]}
    merged["crashed"] = [
        c
        for run in runs
        for c in run.get("crashed", [])
        if ROW_NAMES[c["bench"]] not in present
    ]
    merged["merged_from"] = [
        {"file": f.name, "date": r["date"], "commit": r["commit"]}
        for f, r in zip(files, runs, strict=True)
    ]
    published = ROOT / "bench" / "results" / "published.json"
    published.write_text(json.dumps(merged, indent=2, ensure_ascii=False))
    report.plot(merged, ROOT / "docs" / "img" / "fanout.png")
    print(report.table(merged))
    print(f"\npublished: {published}, docs/img/fanout.png")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.publish_from:
        return publish_from(args.publish_from)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s bench: %(message)s",
        datefmt="%H:%M:%S",
    )
    log = logging.getLogger("bench")
    size = dict(SIZES[args.size])
    for item in args.set:
        key, _, value = item.partition("=")
        if key not in size:
            raise SystemExit(f"unknown size parameter {key!r}")
        size[key] = json.loads(value)
    names = args.only or list(BENCHES)
    workdir = Path(tempfile.mkdtemp(prefix="nghisu-bench-"))
    templates = Templates(workdir)
    ctx = suites.Context(templates=templates, workdir=workdir, keep=args.keep)
    started = time.monotonic()
    run = {
        "size": args.size,
        "sizes": size,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": machine(),
        "python": sys.version.split()[0],
        "server": os.environ.get("BENCH_SERVER", "daphne"),
        "results": [],
        "crashed": [],
    }
    out = args.out or (
        ROOT
        / "bench"
        / "results"
        / f"{run['date'][:19].replace(':', '')}-{args.size}.json"
    )
    try:
        for name in names:
            log.info("== %s (%s)", name, args.size)
            t0 = time.monotonic()
            try:
                if name == "documents":
                    from bench import documents

                    rows = documents.run(ctx, size)
                elif name == "annotations":
                    from bench import annotations

                    rows = annotations.run(ctx, size)
                elif name == "offline":
                    from bench import offline

                    rows = offline.run(ctx, size)
                else:
                    rows = BENCHES[name](ctx, size)
            except Exception:
                log.error("%s crashed:\n%s", name, traceback.format_exc())
                run["crashed"].append(
                    {"bench": name, "error": traceback.format_exc()[-3000:]}
                )
                continue
            for row in rows:
                row["seconds"] = round(time.monotonic() - t0, 1)
            run["results"].extend(rows)
            # Written after each benchmark, so a long run can be read as it goes.
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(run, indent=2, ensure_ascii=False))
    finally:
        templates.close()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    run["seconds"] = round(time.monotonic() - started, 1)
    print(report.table(run))
    out.write_text(json.dumps(run, indent=2, ensure_ascii=False))
    print(f"\nresults: {out}")
    if args.publish:
        published = ROOT / "bench" / "results" / "published.json"
        published.write_text(json.dumps(run, indent=2, ensure_ascii=False))
        report.plot(run, ROOT / "docs" / "img" / "fanout.png")
        print(f"published: {published}, docs/img/fanout.png")
    failed = [r for r in run["results"] if r.get("failed")]
    for row in failed:
        for reason in row["failed"]:
            print(f"FAILED {row['bench']}: {reason}", file=sys.stderr)
    if run["crashed"]:
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

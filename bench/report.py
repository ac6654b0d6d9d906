"""The printed table, the goals of issue 8 and the plot of docs/performance.md."""

from __future__ import annotations

from pathlib import Path

from bench import nginx

SYSTEMS = {
    "nghisu": "Nghị Sự (Daphne)",
    "nghisu_uvicorn": "Nghị Sự (uvicorn)",
    "nghisu_redis": "Nghị Sự (Daphne, Redis)",
    "baseline_a": "A: bare websockets",
    "baseline_b": "B: tutorial Channels",
}


#: Rows of the benchmarks through nginx (bench/nginx.py prints and checks them).
NGINX_ROWS = {"fanout_nginx", "many_rooms_nginx", "pages"}

#: Issue 8's fan-out goals per run of Nghị Sự: (server, layer, p99 limit in ms).
FANOUT_GOALS = {
    "nghisu": ("Daphne", "in-memory", 100),
    "nghisu_uvicorn": ("uvicorn", "in-memory", 100),
    "nghisu_redis": ("Daphne", "redis", 150),
}


def _f(value, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}{unit}"
    return f"{value}{unit}"


def _db(row: dict) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[
        row.get("database", "sqlite")
    ]


def _x(value) -> str:
    return "–" if value is None else f"{value:.2f}×"


def goals(run: dict) -> list[tuple[str, str, bool | None]]:
    """(goal, measured, met) for the goals of issues 3 and 8 that this run covers.

    The goals are stated for the full sizes; on smaller sizes they are checked
    on the largest size measured and the table says so.
    """
    out: list[tuple[str, str, bool | None]] = []
    rows = run["results"]
    for system, (server, layer, limit) in FANOUT_GOALS.items():
        fan = [r for r in rows if r["bench"] == "fanout" and r["system"] == system]
        if not fan:
            continue
        # The goals are stated for 500 delegates; smaller runs use their largest.
        big = next(
            (r for r in fan if r["clients"] == 500),
            max(fan, key=lambda r: r["clients"]),
        )
        p99 = big["latency"]["p99_ms"]
        out.append(
            (
                f"fan-out {big['clients']} clients: p99 < {limit} ms "
                f"({layer}, {server})",
                _f(p99, " ms"),
                p99 is not None and p99 < limit,
            )
        )
        if layer == "redis":
            continue
        if big.get("cpu_vs_a") is not None:
            out.append(
                (
                    f"CPU per delivered message within 5× of baseline A ({server})",
                    _x(big["cpu_vs_a"]),
                    big["cpu_vs_a"] <= 5,
                )
            )
        if big.get("cpu_b_over_ours") is not None:
            out.append(
                (
                    f"CPU per delivered message ≥ 5× below baseline B ({server})",
                    f"B/ours {_x(big['cpu_b_over_ours'])}",
                    big["cpu_b_over_ours"] >= 5,
                )
            )
    for r in rows:
        if r["bench"] == "vote_storm":
            p99 = r["cast_ack"]["p99_ms"]
            out.append(
                (
                    f"vote storm {r['voters']}: cast ack p99 < 1 s ({_db(r)})",
                    _f(p99, " ms"),
                    p99 is not None and p99 < 1000,
                )
            )
            everywhere = r["result_everywhere_ms"]
            out.append(
                (
                    f"vote storm {r['voters']}: result on every screen < 1 s ({_db(r)})",
                    _f(everywhere, " ms"),
                    everywhere is not None and everywhere < 1000,
                )
            )
            out.append(
                (
                    f"vote storm {r['voters']}: zero miscounts ({_db(r)})",
                    "ok" if not r.get("failed") else "; ".join(r["failed"]),
                    not r.get("failed"),
                )
            )
        elif r["bench"] == "join_storm":
            out.append(
                (
                    f"join storm {r['clients']}: all synced < 5 s, zero failures",
                    f"{_f(r['all_synced_s'], ' s', 2)}, {r['failures']} failures",
                    r["all_synced_s"] is not None
                    and r["all_synced_s"] < 5
                    and not r["failures"],
                )
            )
        elif r["bench"] == "many_rooms":
            p99 = r["latency"]["p99_ms"]
            out.append(
                (
                    f"{r['rooms']} rooms on 2 processes (Redis, PostgreSQL): p99 < 250 ms",
                    _f(p99, " ms"),
                    p99 is not None and p99 < 250,
                )
            )
            out.append(
                (
                    "memory per connection ≤ 100 KB",
                    _f(r["rss_per_connection_kb"], " KB"),
                    r["rss_per_connection_kb"] <= 100,
                )
            )
        elif r["bench"] == "documents":
            for key, label, limit in (
                ("process_ratio", "processing vs plain PyMuPDF ≤ 1.5×", 1.5),
                (
                    "first_render_ratio",
                    "first render 1200 px vs get_pixmap ≤ 1.3×",
                    1.3,
                ),
            ):
                if r.get(key) is not None:
                    out.append((label, _x(r[key]), r[key] <= limit))
            cached = r.get("cached_http") or {}
            if cached.get("p50_ms") is not None:
                out.append(
                    (
                        "cached page, 50 concurrent: p50 < 15 ms",
                        f"p50 {_f(cached['p50_ms'], ' ms')}, p99 {_f(cached['p99_ms'], ' ms')}",
                        cached["p50_ms"] < 15,
                    )
                )
        elif r["bench"] in NGINX_ROWS:
            out.extend(nginx.goals(r))
        elif r["bench"] == "annotations" and (r.get("export") or {}).get("ratio"):
            e = r["export"]
            out.append(
                (
                    f"export {e['pages']} pages, {e['annotations']} annotations "
                    "vs plain PyMuPDF ≤ 1.5×",
                    _x(e["ratio"]),
                    e["ratio"] <= 1.5,
                )
            )
        elif r["bench"] == "offline":
            pack, worker = r["pack"], r["worker"]
            out.append(
                (
                    f"pack of {pack['pages']} pages vs one-by-one loop ≤ 1.3×",
                    _x(pack["ratio"]),
                    pack["ratio"] <= 1.3,
                )
            )
            out.append(
                (
                    "service worker adds < 5 ms to a page load online",
                    _f(worker["added_ms"], " ms", 2) + _interval(worker),
                    worker["added_ms"] < 5,
                )
            )
    return out


def _offline_lines(r: dict) -> list[str]:
    pack, worker = r["pack"], r["worker"]
    return [
        f"7. Offline briefcase (Chromium, 768×1024): pack of {pack['pages']} pages, "
        f"{pack['files']} files, {_f(pack['bytes'] / 1e6, ' MB', 2)} in "
        f"{_f(pack['pack_ms'])} ms vs the page images one by one "
        f"{_f(pack['loop_ms'])} ms = {_x(pack['ratio'])} (median of {pack['rounds']})",
        f"   viewer page load online, {worker['loads']} pairs: median with the "
        f"service worker {_f(worker['with_ms'])} ms, without "
        f"{_f(worker['without_ms'])} ms; added (Hodges-Lehmann) "
        f"{_f(worker['added_ms'], ' ms', 2)}{_interval(worker)}",
    ]


def _interval(worker: dict) -> str:
    """The 95% interval of the added time, where the run measured one."""
    ci = worker.get("added_ci95_ms")
    return f" (95% interval {ci[0]:+.1f} to {ci[1]:+.1f} ms)" if ci else ""


def _annotation_lines(r: dict) -> list[str]:
    ink, paint, e = r.get("ink"), r.get("paint"), r.get("export")
    lines = ["6. Annotations"]
    if ink:
        base = ink["baseline_a"]
        lost = ink["lost"] + ink["duplicates"] + ink["out_of_order"]
        lines += [
            f"   ink stroke of {ink['points']} points saved over HTTP, "
            f"{ink['strokes']} strokes, {ink['clients']} clients in the room "
            f"({ink['event']})",
            f"   save response p50 {_f(ink['save']['p50_ms'])} ms, p99 "
            f"{_f(ink['save']['p99_ms'])} ms; save → event p50 "
            f"{_f(ink['receipt']['p50_ms'])} ms, p99 "
            f"{_f(ink['receipt']['p99_ms'])} ms; save → drawable p50 "
            f"{_f(ink['display']['p50_ms'])} ms, p99 {_f(ink['display']['p99_ms'])} "
            f"ms, max {_f(ink['display']['max_ms'])} ms; {lost} lost/duplicated",
            f"   the {base['frame_bytes_mean']} B frame from A (bare websockets): p50 "
            f"{_f(base['latency']['p50_ms'])} ms, p99 "
            f"{_f(base['latency']['p99_ms'])} ms → ours/A "
            f"{_x(ink.get('display_p50_vs_a'))} (p50), "
            f"{_x(ink.get('display_p99_vs_a'))} (p99)",
        ]
    if paint:
        c, z = paint["crowded"], paint["empty"]
        lines.append(
            f"   viewer, {paint['annotations']} annotations on the page, "
            f"{paint['loads']} cold loads: first paint median {_f(c['median_ms'])} "
            f"ms (max {_f(c['max_ms'])}) vs empty page {_f(z['median_ms'])} ms "
            f"(max {_f(z['max_ms'])}) = {_x(paint.get('ratio'))}"
        )
    if e:
        lines.append(
            f"   export {e['pages']} pages, {e['annotations']} annotations: "
            f"{_f(e['export_s'], ' s', 2)} vs plain PyMuPDF "
            f"{_f(e['export_baseline_s'], ' s', 2)} = {_x(e.get('ratio'))}, fastest "
            f"runs {_x(e.get('ratio_of_minima'))} (read "
            f"{_f(e.get('read_s'), ' s', 2)}, build {_f(e.get('build_s'), ' s', 2)})"
        )
    return lines


def table(run: dict) -> str:
    lines = [
        f"Nghị Sự benchmarks: size {run['size']}, commit {run['commit']}, "
        f"{run['date']}, {run['machine']['cpus']} × {run['machine']['cpu_model']}",
        "",
    ]
    fan = [r for r in run["results"] if r["bench"] == "fanout"]
    if fan:
        lines.append(
            "1. Room fan-out (one room, one server process; in-memory layer unless "
            "Redis is named)"
        )
        lines.append(
            f"{'system':<25}{'clients':>8}{'events':>7}{'p50 ms':>9}{'p99 ms':>9}"
            f"{'max ms':>9}{'CPU µs/msg':>11}{'vs A':>8}{'B/ours':>8}{'KB/conn':>9}"
            f"{'lost':>6}"
        )
        for r in sorted(
            fan, key=lambda r: (r["clients"], list(SYSTEMS).index(r["system"]))
        ):
            lat = r["latency"]
            lines.append(
                f"{SYSTEMS[r['system']]:<25}{r['clients']:>8}{r['events']:>7}"
                f"{_f(lat['p50_ms']):>9}{_f(lat['p99_ms']):>9}{_f(lat['max_ms']):>9}"
                f"{_f(r['cpu_per_message_us']):>11}{_x(r.get('cpu_vs_a')):>8}"
                f"{_x(r.get('cpu_b_over_ours')):>8}{_f(r['rss_per_connection_kb']):>9}"
                f"{r['lost'] + r['duplicates'] + r['out_of_order']:>6}"
            )
        lines.append("")
    for r in run["results"]:
        if r["bench"] == "vote_storm":
            lines.append(
                f"2. Vote storm, {r['voters']} voters casting within {r['window_s']} s "
                f"({_db(r)}): "
                f"cast ack p50 {_f(r['cast_ack']['p50_ms'])} ms, p99 "
                f"{_f(r['cast_ack']['p99_ms'])} ms; result on every screen "
                f"{_f(r['result_everywhere_ms'])} ms after close (p50 "
                f"{_f(r['result']['p50_ms'])}); ballots in DB {r['ballots_db']} = "
                f"acknowledged {r['acknowledged']}; server CPU {r['server_cpu_s']} s"
            )
        elif r["bench"] == "join_storm":
            lines.append(
                f"3. Join storm, {r['clients']} reconnect at once: all synced in "
                f"{_f(r['all_synced_s'], ' s', 2)} (p50 {_f(r['synced']['p50_ms'])} ms), "
                f"{r['failures']} failures; server CPU {r['server_cpu_s']} s"
            )
        elif r["bench"] == "many_rooms":
            lat = r["latency"]
            lines.append(
                f"4. {r['rooms']} rooms × {r['clients'] // r['rooms']} on 2 Daphne "
                f"processes, Redis + PostgreSQL, {r['events']} events: p50 "
                f"{_f(lat['p50_ms'])} ms, p99 {_f(lat['p99_ms'])} ms, max "
                f"{_f(lat['max_ms'])} ms; {_f(r['rss_per_connection_kb'])} KB per "
                f"connection; {_f(r['cpu_per_message_us'])} µs CPU per message"
            )
        elif r["bench"] == "documents":
            lines.append(
                f"5. Documents ({r['pages']} pages): processing {_f(r['process_s'], ' s', 2)} "
                f"vs plain PyMuPDF {_f(r['process_baseline_s'], ' s', 2)} = "
                f"{_x(r.get('process_ratio'))}; first render 1200 px "
                f"{_f(r['first_render_ms'])} ms vs get_pixmap {_f(r['pixmap_ms'])} ms = "
                f"{_x(r.get('first_render_ratio'))} (vs get_pixmap + PNG "
                f"{_f(r.get('pixmap_png_ms'))} ms = {_x(r.get('first_render_vs_png'))})"
            )
            cached = r.get("cached_http") or {}
            if cached:
                lines.append(
                    f"   cached page over HTTP, {cached.get('concurrency')} concurrent: "
                    f"p50 {_f(cached.get('p50_ms'))} ms, p99 {_f(cached.get('p99_ms'))} ms, "
                    f"{cached.get('requests_per_s')} req/s, "
                    f"{_f(cached.get('server_cpu_ms_per_request'), ' ms', 2)} server CPU "
                    f"per request; {cached.get('bytes')} bytes"
                )
        elif r["bench"] == "annotations":
            lines.extend(_annotation_lines(r))
        elif r["bench"] in NGINX_ROWS:
            lines.extend(nginx.report_lines(r))
        elif r["bench"] == "offline":
            lines.extend(_offline_lines(r))
    checked = goals(run)
    if checked:
        lines.append("")
        lines.append(
            "Goals (stated for the full sizes)"
            + ("" if run["size"] == "full" else f"; this run is {run['size']}")
        )
        for goal, measured, met in checked:
            mark = "met " if met else "MISS"
            lines.append(f"  [{mark}] {goal}: {measured}")
    for crash in run.get("crashed", []):
        last = [line for line in crash["error"].splitlines() if line.strip()]
        lines.append(f"CRASHED {crash['bench']}: {last[-1] if last else '?'}")
    return "\n".join(lines)


def plot(run: dict, path: Path) -> None:
    """Latency (p50 and p99) against room size for Nghị Sự and both baselines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fan = [r for r in run["results"] if r["bench"] == "fanout"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), dpi=110)
    colours = {
        "nghisu": "#b3261e",
        "nghisu_uvicorn": "#e07b00",
        "nghisu_redis": "#7b1fa2",
        "baseline_a": "#2e7d32",
        "baseline_b": "#1f4e9a",
    }
    for ax, key, title in (
        (axes[0], "latency", "p50 / p99 latency per delivery"),
        (axes[1], "cpu_per_message_us", "server CPU per delivered message"),
    ):
        for system, label in SYSTEMS.items():
            rows = sorted(
                (r for r in fan if r["system"] == system), key=lambda r: r["clients"]
            )
            if not rows:
                continue
            x = [r["clients"] for r in rows]
            if key == "latency":
                ax.plot(
                    x,
                    [r["latency"]["p99_ms"] for r in rows],
                    "o-",
                    color=colours[system],
                    label=f"{label} p99",
                )
                ax.plot(
                    x,
                    [r["latency"]["p50_ms"] for r in rows],
                    "o--",
                    color=colours[system],
                    alpha=0.6,
                    label=f"{label} p50",
                )
                ax.set_ylabel("ms from command to receipt")
            else:
                ax.plot(
                    x, [r[key] for r in rows], "o-", color=colours[system], label=label
                )
                ax.set_ylabel("µs of CPU")
        ax.set_xlabel("clients in the room")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(
        f"Room fan-out, {run['size']} size, {run['machine']['cpus']} cores, commit {run['commit']}",
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)

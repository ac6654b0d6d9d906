"""The benchmarks: each starts what it needs, measures, and returns its figures.

Each function takes the run :class:`Context` and its size dict and returns a
list of result rows (dicts with ``bench`` and ``system``); a row with
``failed`` (a list of reasons) makes the run exit non-zero.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field
from pathlib import Path

from bench import measure
from bench.clients import ClientPool
from bench.driver import Chair, latency_stats, ms, room_commands
from bench.proc import cpu_seconds, now_ns, rss_bytes
from bench.servers import Stack, Templates, profiling, start_python_server

logger = logging.getLogger("bench")


@dataclass
class Context:
    templates: Templates
    workdir: Path
    keep: bool = False
    frames: list = field(default_factory=list)  # room frames, replayed by baselines


def _integrity(row: dict) -> list[str]:
    reasons = []
    for key in ("lost", "missing", "duplicates", "out_of_order", "gaps", "bell_dead"):
        if row.get(key):
            reasons.append(f"{row['system']}: {row[key]} {key.replace('_', ' ')}")
    if row.get("connect_failures"):
        reasons.append(f"{row['system']}: {row['connect_failures']} connect failures")
    return reasons


# ---------------------------------------------------------------------------
# 1. fan-out
# ---------------------------------------------------------------------------
#: The system name of each (ASGI server, Redis layer) run of Nghị Sự.
OURS = {
    ("daphne", False): "nghisu",
    ("uvicorn", False): "nghisu_uvicorn",
    ("daphne", True): "nghisu_redis",
}


def fanout(ctx: Context, size: dict) -> list[dict]:
    rows = []
    for clients in size["fanout_clients"]:
        rows.extend(_fanout_one(ctx, clients, size["fanout_events"], size))
    return rows


def _fanout_one(ctx: Context, clients: int, events: int, size: dict) -> list[dict]:
    stack = Stack(ctx.templates, label=f"fanout{clients}")
    rows = []
    try:
        room = stack.seed(
            {
                "op": "rooms",
                "prefix": f"f{clients}",
                "rooms": 1,
                "members": clients + 1,
                "document": True,
                "pages": 4,
            }
        )["rooms"][0]
        users = room["members"]
        cookies: dict[str, str] = {}
        # Nghị Sự under each ASGI server (nghisu.serve), then on the Redis layer.
        runs = [(kind, False) for kind in size["fanout_servers"]]
        # One command stream for every run: each continues where the last one
        # left the room, so every command changes something and sends an event.
        commands = room_commands(room)
        if clients in size["fanout_redis"]:
            runs.append(("daphne", True))
        for kind, redis in runs:
            stack.redis = redis
            system = OURS[(kind, redis)]
            (server,) = stack.start_daphne(1, server=kind, name=system)
            if not cookies:
                cookies = stack.login_all([room["chair"], *users], port=server.port)
            logger.info("fan-out %d: %s", clients, system)
            ours = measure.fanout(
                system=system,
                servers=[server],
                ports=[server.port],
                pids=[server.pid],
                cookies=cookies,
                chair_user=room["chair"],
                users=users,
                meeting=room["meeting"],
                commands=commands,
                events=events,
                bell=True,
            )
            ctx.frames = ours.pop("_frames")
            ours["server"], ours["layer"] = kind, "redis" if redis else "in-memory"
            rows.append(ours)
            stack.stop_servers()
        stack.redis = False

        logger.info("fan-out %d: baseline B (tutorial Channels pattern)", clients)
        (server,) = stack.start_daphne(
            1,
            app="bench.baseline_b.asgi:application",
            settings="bench.baseline_b.settings",
            name="baseline-b",
        )
        b = measure.fanout(
            system="baseline_b",
            servers=[server],
            ports=[server.port],
            pids=[server.pid],
            cookies=cookies,
            chair_user=room["chair"],
            users=users,
            meeting=room["meeting"],
            commands=measure.baseline_commands(ctx.frames),
            events=events,
        )
        b.pop("_frames")
        rows.append(b)
        stack.stop_servers()

        logger.info("fan-out %d: baseline A (bare websockets)", clients)
        server = start_python_server(
            "baseline-a", ["-m", "bench.baseline_a", "{port}"], stack.env, stack.dir
        )
        stack.servers.append(server)
        a = measure.fanout(
            system="baseline_a",
            servers=[server],
            ports=[server.port],
            pids=[server.pid],
            cookies=cookies,
            chair_user=room["chair"],
            users=users,
            meeting=room["meeting"],
            commands=measure.baseline_commands(ctx.frames),
            events=events,
        )
        a.pop("_frames")
        rows.append(a)
    finally:
        stack.close(keep=ctx.keep)
    base_a = next((r for r in rows if r["system"] == "baseline_a"), None)
    base_b = next((r for r in rows if r["system"] == "baseline_b"), None)
    for row in rows:
        row["bench"] = "fanout"
        row.setdefault("layer", "in-memory")
        if base_a and row is not base_a:
            row["cpu_vs_a"] = _ratio(
                row["cpu_per_message_us"], base_a["cpu_per_message_us"]
            )
            row["p99_vs_a"] = _ratio(
                row["latency"]["p99_ms"], base_a["latency"]["p99_ms"]
            )
        if base_b and row["system"] in OURS.values():
            row["cpu_b_over_ours"] = _ratio(
                base_b["cpu_per_message_us"], row["cpu_per_message_us"]
            )
            row["p99_vs_b"] = _ratio(
                row["latency"]["p99_ms"], base_b["latency"]["p99_ms"]
            )
        failed = _integrity(row)
        if failed:
            row["failed"] = failed
    return rows


def _ratio(a, b) -> float | None:
    if a is None or not b:
        return None
    return round(a / b, 2)


# ---------------------------------------------------------------------------
# 2. vote storm
# ---------------------------------------------------------------------------
def vote_storm(ctx: Context, size: dict) -> list[dict]:
    rows = []
    for voters in size["vote_voters"]:
        rows.append(
            _vote_one(
                ctx,
                voters,
                size.get("vote_window", 2.0),
                size.get("vote_postgres", False),
            )
        )
    return rows


def _vote_one(ctx: Context, voters: int, window: float, postgres: bool) -> dict:
    stack = Stack(
        ctx.templates,
        postgres=postgres,
        label=f"vote{voters}{'pg' if postgres else ''}",
    )
    try:
        room = stack.seed(
            {
                "op": "rooms",
                "prefix": f"v{voters}",
                "rooms": 1,
                "members": voters + 1,
                "checkin": True,
            }
        )["rooms"][0]
        users = room["members"]
        (server,) = stack.start_daphne(1)
        cookies = stack.login_all([room["chair"], *users], port=server.port)
        targets = measure.targets_for(
            [server.port], cookies, users, room["meeting"], bell=True
        )
        pool = ClientPool(targets, measure.client_processes(voters))
        try:
            connected = pool.call({"op": "connect", "timeout": 120})
            failures = sum(c["failures"] for c in connected)
            pool.call({"op": "vote", "window": window})
            chair = Chair()

            async def run() -> dict:
                port = server.port
                await chair.open(
                    f"ws://127.0.0.1:{port}/ws/meetings/{room['meeting']}/",
                    cookies[room["chair"]],
                    f"http://127.0.0.1:{port}",
                    bell=True,
                )
                await chair.command({"type": "agenda.goto", "item": room["items"][0]})
                cpu0 = cpu_seconds(server.pid)
                _t, opened, _raw, _a = await chair.command(
                    {"type": "vote.open", "question": "Thông qua nghị quyết về dự toán"}
                )
                vote_id = opened["vote"]["id"]
                # Every voter casts within ``window`` s of the open; the chair
                # closes once the room's progress signal counts every ballot
                # (as a chair watching the count would), or after a minute.
                loop = asyncio.get_running_loop()
                deadline = loop.time() + window + 60
                await asyncio.sleep(window)
                while loop.time() < deadline:
                    progress = chair.progress or {}
                    if (
                        progress.get("vote") == vote_id
                        and progress.get("cast", 0) >= voters
                    ):
                        break
                    await asyncio.sleep(0.05)
                t_close, closed, _raw, _a = await chair.command(
                    {"type": "vote.close", "vote": vote_id}, timeout=60
                )
                await asyncio.sleep(0.5)
                cpu = cpu_seconds(server.pid) - cpu0
                await chair.close()
                return {
                    "vote": vote_id,
                    "t_close": t_close,
                    "closed": closed,
                    "cpu": cpu,
                    "final": closed["seq"],
                }

            with profiling([server], f"vote{voters}"):
                driven = asyncio.run(run())
            collected = pool.call(
                {"op": "collect", "final": {str(room["meeting"]): driven["final"]}}
            )
            reports = pool.call({"op": "vote_report"})
        finally:
            pool.close()
        stored = stack.seed({"op": "ballots", "vote": driven["vote"]})
        rss = rss_bytes(server.pid)
    finally:
        stack.close(keep=ctx.keep)
    acks = [v for r in reports for v in r["acks"]]
    closed_at = [t - driven["t_close"] for r in reports for t in r["closed"]]
    acked: dict[str, int] = {}
    for r in reports:
        for option in r["options"]:
            acked[option] = acked.get(option, 0) + 1
    result_counts = (driven["closed"]["vote"].get("result") or {}).get("counts") or {}
    failed = []
    cast_errors = [e for r in reports for e in r["cast_errors"]]
    not_closed = sum(r["not_closed"] for r in reports)
    if stored["counts"] != acked:
        failed.append(
            f"ballots in the database {stored['counts']} != acknowledged {acked}"
        )
    if {k: v for k, v in result_counts.items() if v} != stored["counts"]:
        failed.append(f"announced result {result_counts} != ballots {stored['counts']}")
    if stored["casts"] != stored["ballots"]:
        failed.append(
            f"{stored['casts']} voters recorded for {stored['ballots']} ballots"
        )
    if cast_errors:
        failed.append(f"{len(cast_errors)} casts refused: {sorted(set(cast_errors))}")
    if not_closed:
        failed.append(f"{not_closed} screens never showed the result")
    if failures:
        failed.append(f"{failures} sockets failed to connect")
    row = {
        "bench": "vote_storm",
        "system": "nghisu",
        "voters": voters,
        "window_s": window,
        "database": "postgresql" if postgres else "sqlite",
        "cast_ack": latency_stats(acks),
        "result_everywhere_ms": ms(max(closed_at) if closed_at else None),
        "result": latency_stats(closed_at),
        "ballots_db": stored["ballots"],
        "acknowledged": sum(acked.values()),
        "counts_db": stored["counts"],
        "counts_announced": result_counts,
        "server_cpu_s": round(driven["cpu"], 2),
        "server_rss_mb": round(rss / 2**20, 1),
        "gaps": sum(c["gaps"] for c in collected),
        "duplicates": sum(c["duplicates"] for c in collected),
        "out_of_order": sum(c["disorder"] for c in collected),
        "missing": sum(c["missing"] for c in collected),
        "bell_sockets": len(targets),
        "bell_dead": sum(c["bell_dead"] for c in collected),
    }
    failed.extend(_integrity(row))
    if failed:
        row["failed"] = failed
    return row


# ---------------------------------------------------------------------------
# 3. join storm
# ---------------------------------------------------------------------------
def join_storm(ctx: Context, size: dict) -> list[dict]:
    clients = size["join_clients"]
    stack = Stack(ctx.templates, label=f"join{clients}")
    try:
        room = stack.seed(
            {"op": "rooms", "prefix": f"j{clients}", "rooms": 1, "members": clients + 1}
        )["rooms"][0]
        users = room["members"]
        (server,) = stack.start_daphne(1)
        cookies = stack.login_all(users, port=server.port)
        targets = measure.targets_for(
            [server.port], cookies, users, room["meeting"], bell=True
        )
        pool = ClientPool(targets, measure.client_processes(clients))
        try:
            first = pool.call({"op": "connect", "timeout": 120})
            cpu0 = cpu_seconds(server.pid)
            at = now_ns() + 1_000_000_000
            with profiling([server], f"join{clients}"):
                again = pool.call({"op": "reconnect", "at": at, "timeout": 60})
            cpu = cpu_seconds(server.pid) - cpu0
        finally:
            pool.close()
    finally:
        stack.close(keep=ctx.keep)
    synced = [t - at for a in again for t in a["synced"]]
    failures = sum(a["failures"] for a in again)
    row = {
        "bench": "join_storm",
        "system": "nghisu",
        "clients": clients,
        "all_synced_s": round(max(synced) / 1e9, 2) if synced else None,
        "synced": latency_stats(synced),
        "synced_count": len(synced),
        "failures": failures,
        "errors": sorted({e for a in again for e in a["errors"]})[:5],
        "first_connect_failures": sum(a["failures"] for a in first),
        "server_cpu_s": round(cpu, 2),
    }
    if failures or len(synced) != clients:
        row["failed"] = [f"{failures} failures, {len(synced)} of {clients} synced"]
    return [row]


# ---------------------------------------------------------------------------
# 4. many rooms on two processes, PostgreSQL and Redis
# ---------------------------------------------------------------------------
def many_rooms(ctx: Context, size: dict) -> list[dict]:
    n_rooms, per_room = size["rooms"], size["room_members"]
    events_per_room = size["room_events"]
    stack = Stack(ctx.templates, postgres=True, redis=True, label="rooms")
    try:
        rooms = stack.seed(
            {
                "op": "rooms",
                "prefix": "m",
                "rooms": n_rooms,
                "members": per_room + 1,
                "items": 2,
            }
        )["rooms"]
        servers = stack.start_daphne(2)
        ports = [s.port for s in servers]
        pids = [s.pid for s in servers]
        users = [u for r in rooms for u in r["members"]]
        chairs = [r["chair"] for r in rooms]
        cookies = stack.login_all(users + chairs, port=ports[0])
        targets = []
        for r in rooms:
            targets.extend(
                measure.targets_for(
                    ports, cookies, r["members"], r["meeting"], len(targets), bell=True
                )
            )
        rss0 = sum(rss_bytes(p) for p in pids)
        pool = ClientPool(targets, measure.client_processes(len(targets)))
        try:
            connected = pool.call({"op": "connect", "timeout": 180})
            failures = sum(c["failures"] for c in connected)
            rss1 = sum(rss_bytes(p) for p in pids)
            with profiling(servers, "rooms"):
                driven = asyncio.run(
                    _rooms_drive(rooms, cookies, ports, pids, events_per_room, size)
                )
            collected = pool.call(
                {"op": "collect", "final": driven["final"], "timeout": 60}
            )
        finally:
            pool.close()
    finally:
        stack.close(keep=ctx.keep)
    deliveries = []
    for answer in collected:
        for meeting, seqs in answer["received"].items():
            sends = driven["sends"][meeting]
            for seq, times in seqs.items():
                t0 = sends.get(int(seq))
                if t0 is not None:
                    deliveries.extend(t - t0 for t in times)
    expected = sum(len(s) for s in driven["sends"].values()) * per_room
    row = {
        "bench": "many_rooms",
        "system": "nghisu",
        "layer": "redis",
        "database": "postgresql",
        "processes": 2,
        "rooms": n_rooms,
        "clients": len(targets),
        "events": sum(len(s) for s in driven["sends"].values()),
        "latency": latency_stats(deliveries),
        # The action's part of the latency: the chair's command to its ack.
        "ack": latency_stats(driven["acks"]),
        "server_cpu_s": round(driven["cpu"], 2),
        "cpu_per_message_us": round(driven["cpu"] / max(1, len(deliveries)) * 1e6, 1),
        "rss_per_connection_kb": round((rss1 - rss0) / 1024 / len(targets), 1),
        "connect_failures": failures,
        "lost": expected - len(deliveries),
        "missing": sum(a["missing"] for a in collected),
        "gaps": sum(a["gaps"] for a in collected),
        "duplicates": sum(a["duplicates"] for a in collected),
        "out_of_order": sum(a["disorder"] for a in collected),
        "bell_sockets": len(targets),
        "bell_dead": sum(a["bell_dead"] for a in collected),
        "command_errors": driven["errors"],
        "errors": sorted({e for a in [*connected, *collected] for e in a["errors"]})[
            :5
        ],
    }
    failed = _integrity(row)
    if driven["errors"]:
        failed.append(f"{len(driven['errors'])} chair commands failed")
    if failed:
        row["failed"] = failed
    return [row]


async def _rooms_drive(rooms, cookies, ports, pids, events_per_room, size) -> dict:
    chairs = []
    for i, r in enumerate(rooms):
        port = ports[i % len(ports)]
        chair = Chair()
        await chair.open(
            f"ws://127.0.0.1:{port}/ws/meetings/{r['meeting']}/",
            cookies[r["chair"]],
            f"http://127.0.0.1:{port}",
            bell=True,
        )
        chairs.append(chair)
    sends: dict[str, dict[int, int]] = {str(r["meeting"]): {} for r in rooms}
    errors: list[str] = []
    acks: list[int] = []  # command sent -> its ack on the chair's socket
    interval = size.get("room_interval", 1.0)

    async def room_loop(chair: Chair, room: dict) -> None:
        await asyncio.sleep(random.uniform(0, interval))
        commands = room_commands(room)
        for _ in range(events_per_room):
            try:
                t, event, _raw, answer = await chair.command(next(commands), timeout=30)
                sends[str(room["meeting"])][event["seq"]] = t
                acks.append(answer["_at"] - t)
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
            await asyncio.sleep(interval)

    cpu0 = sum(cpu_seconds(p) for p in pids)
    await asyncio.gather(*(room_loop(c, r) for c, r in zip(chairs, rooms, strict=True)))
    await asyncio.sleep(1.0)
    cpu = sum(cpu_seconds(p) for p in pids) - cpu0
    final = {str(r["meeting"]): c.seq for c, r in zip(chairs, rooms, strict=True)}
    for chair in chairs:
        await chair.close()
    return {
        "sends": sends,
        "final": final,
        "cpu": cpu,
        "errors": errors[:10],
        "acks": acks,
    }

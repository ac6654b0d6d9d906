"""6. Annotations: an ink stroke to every tablet, a crowded page, the export.

Three figures of issue 6, each against a baseline measured in the same run:

- **Ink stroke to the room.** One delegate saves a shared ink annotation of 500
  points through the real HTTP endpoint (``POST .../annotations/<uuid>/``,
  session cookie and CSRF token as the viewer sends them); the server
  publishes ``annotation.changed`` to the meeting's room. Measured from the
  start of the request to its response, and to the receipt of the event by
  every one of ``clients`` sockets held by client processes of their own.
  Every stroke must reach every socket exactly once. Baseline: the same
  frames, broadcast by baseline A (bare ``websockets``) to the same clients.
- **Crowded page.** Chromium (Playwright, Debian's binary, headless, 1280 ×
  800), logged in as the delegate, opens the viewer at a page with ``paint``
  annotations and, alternately, at a page with none: navigation start until
  the page image at full width is painted and the annotation layer drawn (the
  ``nghisu:annotations-drawn`` mark of ``static/js/annotations.js``), each time
  in a new browser context (cold cache).
- **Export.** :mod:`bench.annotations_job` ``export``: "Tải bản có ghi chú"
  of a document against plain PyMuPDF inserting the same annotations.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import statistics
import traceback
import uuid
from http.cookies import SimpleCookie

from bench import measure
from bench.annotation_clients import Tablet, TabletPool
from bench.annotations_job import ink_data
from bench.driver import latency_stats
from bench.proc import cpu_seconds, now_ns
from bench.servers import Stack, profiling, start_python_server

logger = logging.getLogger("bench")

INK_PAGE = 1
PAINT_PAGE = 2
EMPTY_PAGE = 3
STROKE_POINTS = 500
#: Pause between strokes (a delegate lifts the pen, thinks, writes on).
STROKE_GAP = 0.1


def _ratio(a, b) -> float | None:
    if a is None or not b:
        return None
    return round(a / b, 2)


def _jar(cookie: str) -> dict[str, str]:
    parsed = SimpleCookie()
    parsed.load(cookie)
    return {k: m.value for k, m in parsed.items()}


class Http:
    """One keep-alive HTTP/1.1 connection posting JSON as the viewer does."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port = port
        self.cookie = cookie
        self.csrf = _jar(cookie).get("csrftoken", "")
        self.reader = self.writer = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def post(self, path: str, payload: dict) -> tuple[int, bytes]:
        body = json.dumps(payload, separators=(",", ":")).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Cookie: {self.cookie}\r\nX-CSRFToken: {self.csrf}\r\n"
            f"Origin: http://127.0.0.1:{self.port}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (line.partition(":") for line in lines[1:] if line)
        }
        if "content-length" in headers:
            return status, await self.reader.readexactly(int(headers["content-length"]))
        chunks = []
        while True:  # chunked
            size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await self.reader.readexactly(size + 2)
            if size == 0:
                return status, b"".join(chunks)
            chunks.append(chunk[:-2])

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


# ---------------------------------------------------------------------------
# ink stroke: save → every screen
# ---------------------------------------------------------------------------
async def _strokes(
    *,
    port: int,
    cookie: str,
    meeting: int,
    doc: dict,
    pool: TabletPool,
    strokes: int,
    warm: int,
    pids: list[int],
    timeout: float = 30.0,
) -> dict:
    """Save the strokes one after another, each once every tablet can draw the
    last one (a pen lifted, ``STROKE_GAP`` at least between two saves)."""
    http = Http(port, cookie)
    await http.open()
    rng = random.Random(500)
    sends: dict[str, int] = {}
    saves: list[int] = []
    frames: list[dict] = []
    problems: list[str] = []
    slow = 0
    cpu0 = 0.0
    loop = asyncio.get_running_loop()
    path = f"/documents/{doc['document']}/versions/{doc['version']}/annotations/"
    try:
        for k in range(warm + strokes):
            if k == warm:
                cpu0 = sum(cpu_seconds(p) for p in pids)
            data = ink_data(STROKE_POINTS, rng, page=INK_PAGE)
            data.update(visibility="meeting", meeting=meeting)
            pk = str(uuid.uuid4())
            t0 = now_ns()
            status, body = await http.post(f"{path}{pk}/", data)
            t1 = now_ns()
            answer = json.loads(body) if body else {}
            if status != 200 or not answer.get("changed"):
                problems.append(f"save {k}: HTTP {status} {body[:200]!r}")
                continue
            saved = answer["annotation"]
            points = sum(len(s) for s in saved["geometry"]["strokes"])
            if points != STROKE_POINTS:
                problems.append(f"stroke {k}: {points} points stored")
            if k >= warm:
                sends[pk] = t0
                saves.append(t1 - t0)
                # The frame a room would send if it carried the annotation:
                # what baseline A broadcasts.
                frames.append(
                    {
                        "type": "annotation.changed",
                        "document": doc["document"],
                        "version": doc["version"],
                        "annotation": saved,
                    }
                )
            deadline = loop.time() + timeout
            while pool.done() < k + 1:
                if loop.time() > deadline:
                    slow += 1
                    break
                await asyncio.sleep(0.001)
            await asyncio.sleep(max(0.0, STROKE_GAP - (now_ns() - t0) / 1e9))
        cpu = sum(cpu_seconds(p) for p in pids) - cpu0
    finally:
        await http.close()
    return {
        "sends": sends,
        "saves": saves,
        "frames": frames,
        "problems": problems,
        "slow": slow,
        "cpu": cpu,
    }


def ink_stroke(
    server, *, cookies: dict, saver: str, receivers: list[str], meeting: int, doc: dict
) -> dict:
    """Save ``strokes`` shared ink strokes; time them to every receiver."""
    fetch = (
        f"/documents/{doc['document']}/versions/{doc['version']}/annotations/{{id}}/"
    )
    tablets = [Tablet(server.port, meeting, cookies[user], fetch) for user in receivers]
    pool = TabletPool(tablets, measure.client_processes(len(receivers)))
    try:
        connected = pool.call({"op": "connect"})
        with profiling([server], f"ink{len(receivers)}"):
            driven = asyncio.run(
                _strokes(
                    port=server.port,
                    cookie=cookies[saver],
                    meeting=meeting,
                    doc=doc,
                    pool=pool,
                    strokes=doc["strokes"],
                    warm=2,
                    pids=[server.pid],
                )
            )
        sends = driven["sends"]
        collected = pool.call({"op": "collect", "ids": list(sends)})
    finally:
        pool.close()
    receipts: list[int] = []
    displays: list[int] = []
    last: dict[str, int] = {}
    for answer in collected:
        for key, into in (("received", receipts), ("fetched", displays)):
            for pk, times in answer[key].items():
                into.extend(t - sends[pk] for t in times if t is not None)
    hint = bool(displays)  # the room sent hints: tablets fetched the annotation
    for answer in collected:
        for pk, times in answer["fetched" if hint else "received"].items():
            for t in times:
                if t is not None:
                    last[pk] = max(last.get(pk, 0), t - sends[pk])
    expected = len(sends) * len(receivers)
    frame_bytes = [
        len(json.dumps(f, ensure_ascii=False, separators=(",", ":")))
        for f in driven["frames"]
    ]
    return {
        "clients": len(receivers),
        "strokes": len(sends),
        "points": STROKE_POINTS,
        "event": "hint, then GET" if hint else "annotation in the event",
        "save": latency_stats(driven["saves"]),
        "receipt": latency_stats(receipts),
        "display": latency_stats(displays if hint else receipts),
        "all_displayed": latency_stats(list(last.values())),
        "frame_bytes_mean": round(statistics.mean(frame_bytes)) if frame_bytes else 0,
        "server_cpu_ms_per_stroke": round(driven["cpu"] / max(1, len(sends)) * 1e3, 2),
        "connect_failures": sum(c["failures"] for c in connected),
        "lost": expected - len(receipts),
        "not_displayed": expected - len(displays if hint else receipts),
        "bad_fetches": sum(a["bad_fetches"] for a in collected),
        "gaps": sum(a["gaps"] for a in collected),
        "duplicates": sum(a["duplicates"] for a in collected),
        "out_of_order": sum(a["disorder"] for a in collected),
        "slow_strokes": driven["slow"],
        "errors": sorted({e for a in collected for e in a["errors"]})[:5],
        "problems": driven["problems"][:5],
        "_frames": driven["frames"],
    }


# ---------------------------------------------------------------------------
# crowded page: time to first paint in Chromium
# ---------------------------------------------------------------------------
#: Runs before the page's scripts: notes when the full-width page image and the
#: annotation layer are first on screen ("after the next paint": a task queued
#: from the animation frame in which the condition first holds).
PAINT_PROBE = """
(() => {
  const out = {};
  window.__nghisuBench = out;
  const afterPaint = (key) => setTimeout(() => { out[key] = performance.now(); });
  const tick = () => {
    const viewer = window.nghisuViewer;
    const img = document.querySelector(".viewer-img");
    if (out.imageFrame === undefined && viewer && img && img.complete
        && img.naturalWidth > 0 && /[?&]w=\\d+/.test(img.src)
        && !img.src.endsWith(`w=${viewer.config.thumbWidth}`)
        && !viewer.root.classList.contains("is-loading")) {
      out.imageFrame = performance.now();
      out.imageWidth = img.naturalWidth;
      afterPaint("image");
    }
    if (out.drawnFrame === undefined
        && performance.getEntriesByName("nghisu:annotations-drawn").length) {
      out.drawnFrame = performance.now();
      const overlay = document.querySelector(".ann-overlay");
      out.count = overlay ? Number(overlay.dataset.count) : -1;
      afterPaint("drawn");
    }
    if (out.image === undefined || out.drawn === undefined) {
      requestAnimationFrame(tick);
    }
  };
  requestAnimationFrame(tick);
})();
"""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _one_load(browser, url: str, cookies: list[dict]) -> dict:
    """One cold load; ``{"timeout": ...}`` when the page never got drawn."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(
        viewport={"width": 1280, "height": 800},
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
    )
    errors: list[str] = []
    try:
        context.add_cookies(cookies)
        context.add_init_script(PAINT_PROBE)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)[:200]))
        try:
            page.goto(url, wait_until="commit", timeout=60_000)
            page.wait_for_function(
                "() => window.__nghisuBench && window.__nghisuBench.image !== undefined"
                " && window.__nghisuBench.drawn !== undefined",
                timeout=60_000,
                polling=50,
            )
        except PlaywrightTimeout:
            state = page.evaluate("() => window.__nghisuBench || null")
            return {"timeout": f"{url}: probe {state}, page errors {errors[:2]}"}
        out = page.evaluate(
            """() => {
              const nav = performance.getEntriesByType("navigation")[0];
              return {
                ...window.__nghisuBench,
                response: nav.responseEnd,
                domReady: nav.domContentLoadedEventEnd,
              };
            }"""
        )
    finally:
        context.close()
    out["total"] = max(out["image"], out["drawn"])
    return out


def _summary(all_loads: list[dict]) -> dict:
    loads = [x for x in all_loads if "timeout" not in x]
    timeouts = [x["timeout"] for x in all_loads if "timeout" in x]
    if not loads:
        return {"median_ms": None, "max_ms": None, "drawn": [], "timeouts": timeouts}
    totals = [x["total"] for x in loads]
    return {
        "median_ms": round(statistics.median(totals), 1),
        "max_ms": round(max(totals), 1),
        "image_median_ms": round(statistics.median(x["image"] for x in loads), 1),
        "drawn_median_ms": round(statistics.median(x["drawn"] for x in loads), 1),
        "response_median_ms": round(statistics.median(x["response"] for x in loads), 1),
        "dom_ready_median_ms": round(
            statistics.median(x["domReady"] for x in loads), 1
        ),
        "drawn": sorted({x["count"] for x in loads}),
        "image_width": sorted({x["imageWidth"] for x in loads}),
        "samples_ms": [round(t, 1) for t in totals],
        "timeouts": timeouts,
    }


def crowded_page(port: int, cookie: str, doc: dict, loads: int) -> dict:
    """Cold loads of the viewer at the crowded page and at an empty one."""
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{port}"
    page_url = f"{base}/documents/{doc['document']}/versions/{doc['version']}/?page="
    cookies = [{"name": k, "value": v, "url": base} for k, v in _jar(cookie).items()]
    results: dict[str, list[dict]] = {"crowded": [], "empty": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            # Warm-up, not counted: the server renders the page images at the
            # viewer's width once, as publishing the meeting would have.
            for number in (PAINT_PAGE, EMPTY_PAGE):
                _one_load(browser, f"{page_url}{number}", cookies)
            for _ in range(loads):
                for key, number in (("crowded", PAINT_PAGE), ("empty", EMPTY_PAGE)):
                    results[key].append(
                        _one_load(browser, f"{page_url}{number}", cookies)
                    )
        finally:
            browser.close()
    crowded, empty = _summary(results["crowded"]), _summary(results["empty"])
    return {
        "annotations": doc["paint"],
        "loads": loads,
        "viewport": "1280x800",
        "crowded": crowded,
        "empty": empty,
        "ratio": _ratio(crowded["median_ms"], empty["median_ms"]),
    }


# ---------------------------------------------------------------------------
# the benchmark
# ---------------------------------------------------------------------------
def _integrity(row: dict, label: str) -> list[str]:
    reasons = [f"{label}: {p}" for p in row.get("problems", [])]
    reasons += [f"{label}: {e}" for e in row.get("errors", [])]
    for key in (
        "lost",
        "not_displayed",
        "bad_fetches",
        "missing",
        "duplicates",
        "out_of_order",
        "gaps",
    ):
        if row.get(key):
            reasons.append(f"{label}: {row[key]} {key.replace('_', ' ')}")
    if row.get("connect_failures"):
        reasons.append(f"{label}: {row['connect_failures']} connect failures")
    if row.get("slow_strokes"):
        reasons.append(f"{label}: {row['slow_strokes']} strokes not everywhere")
    return reasons


def _guarded(name: str, failed: list[str], fn, *args, **kwargs):
    """Run one figure; a crash is noted as a failure and the others still run."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        logger.error("annotations: %s crashed:\n%s", name, traceback.format_exc())
        failed.append(f"{name} crashed: {type(exc).__name__}: {exc}"[:300])
        return None


def _ink_figures(stack, server, room: dict, doc: dict, cookies: dict) -> dict:
    saver, receivers = room["members"][0], room["members"][1:]
    logger.info(
        "annotations: %d ink strokes of %d points to %d clients",
        doc["strokes"],
        STROKE_POINTS,
        len(receivers),
    )
    ink = ink_stroke(
        server,
        cookies=cookies,
        saver=saver,
        receivers=receivers,
        meeting=room["meeting"],
        doc=doc,
    )
    frames = ink.pop("_frames")
    logger.info("annotations: the same frames from baseline A")
    base = start_python_server(
        "baseline-a", ["-m", "bench.baseline_a", "{port}"], stack.env, stack.dir
    )
    stack.servers.append(base)
    try:
        a = measure.fanout(
            system="baseline_a",
            servers=[base],
            ports=[base.port],
            pids=[base.pid],
            cookies=cookies,
            chair_user=saver,
            users=receivers,
            meeting=room["meeting"],
            commands=measure.baseline_commands(frames),
            events=len(frames) or 1,
            gap=STROKE_GAP,
        )
    finally:
        base.stop()
        stack.servers.remove(base)
    a.pop("_frames")
    for key in ("p50", "p99"):
        ink[f"display_{key}_vs_a"] = _ratio(
            ink["display"][f"{key}_ms"], a["latency"][f"{key}_ms"]
        )
    ink["baseline_a"] = {
        "latency": a["latency"],
        "all_received": a["all_received"],
        "cpu_per_message_us": a["cpu_per_message_us"],
        "frame_bytes_mean": a["frame_bytes_mean"],
        "lost": a["lost"],
        "duplicates": a["duplicates"],
        "out_of_order": a["out_of_order"],
        "connect_failures": a["connect_failures"],
    }
    return ink


def _paint_figures(port: int, cookie: str, doc: dict, loads: int) -> dict:
    logger.info(
        "annotations: viewer with %d annotations on a page, %d cold loads",
        doc["paint"],
        loads,
    )
    return crowded_page(port, cookie, doc, loads)


def _export_figures(stack, size: dict) -> dict:
    logger.info(
        "annotations: export of %d pages with %d annotations, ours and PyMuPDF",
        size["ann_export_pages"],
        size["ann_export_annotations"],
    )
    export = stack.run_module(
        "bench.annotations_job",
        {
            "op": "export",
            "pages": size["ann_export_pages"],
            "annotations": size["ann_export_annotations"],
            "repeats": size["ann_export_repeats"],
        },
    )
    export["ratio"] = _ratio(export["export_s"], export["export_baseline_s"])
    # On a shared machine the fastest of each side is the least disturbed.
    export["ratio_of_minima"] = _ratio(
        min(export["export_samples_s"]), min(export["baseline_samples_s"])
    )
    return export


def _checks(row: dict, paint_count: int) -> list[str]:
    failed = []
    if row["ink"] is not None:
        failed += _integrity(row["ink"], "ink")
        failed += [
            f"baseline A: {r}" for r in _integrity(row["ink"]["baseline_a"], "ink")
        ]
    paint = row["paint"]
    if paint is not None:
        for key, want in (("crowded", paint_count), ("empty", 0)):
            failed += [f"{key} page not drawn: {t}" for t in paint[key]["timeouts"]]
            if paint[key]["drawn"] not in ([], [want]):
                failed.append(
                    f"{key} page drew {paint[key]['drawn']} annotations, not {want}"
                )
    export = row["export"]
    if export is not None and export["written"] != export["annotations"]:
        failed.append(
            f"export wrote {export['written']} of {export['annotations']} annotations"
        )
    return failed


def run(ctx, size: dict) -> list[dict]:
    clients = size["ann_clients"]
    stack = Stack(ctx.templates, label="annotations")
    failed: list[str] = []
    try:
        room = stack.seed(
            {
                "op": "rooms",
                "prefix": "an",
                "rooms": 1,
                "members": clients + 2,
                "document": True,
                "pages": 4,
            }
        )["rooms"][0]
        saver, receivers = room["members"][0], room["members"][1:]
        doc = stack.run_module(
            "bench.annotations_job",
            {
                "op": "prepare",
                "meeting": room["meeting"],
                "document": room["document"],
                "chair": room["chair"],
                "viewer": saver,
                "others": receivers[:5],
                "paint_page": PAINT_PAGE,
                "paint": size["ann_paint"],
            },
        )
        doc.update(strokes=size["ann_strokes"], paint=size["ann_paint"])
        (server,) = stack.start_daphne(1)
        cookies = stack.login_all([saver, *receivers], port=server.port)
        ink = _guarded(
            "ink stroke", failed, _ink_figures, stack, server, room, doc, cookies
        )
        paint = _guarded(
            "viewer paint",
            failed,
            _paint_figures,
            server.port,
            cookies[saver],
            doc,
            size["ann_paint_loads"],
        )
        stack.stop_servers()
        export = _guarded("export", failed, _export_figures, stack, size)
    finally:
        stack.close(keep=ctx.keep)
    row = {
        "bench": "annotations",
        "system": "nghisu",
        "clients": clients,
        "ink": ink,
        "paint": paint,
        "export": export,
    }
    failed += _checks(row, size["ann_paint"])
    if failed:
        row["failed"] = failed
    return [row]

"""7. The offline briefcase: downloading a pack, and the service worker's cost.

Both figures are measured in Debian's Chromium driven by Playwright, against a
real Daphne process, because what is budgeted is the tablet's experience: the
pack is downloaded by the product's own client code (static/js/briefcase-store.js:
the pack manifest, then every file fetched six at a time and written to the Cache
API, through the service worker), and the service worker's cost only exists in a
browser. An HTTP client emulating the fetch pattern would leave out the Cache API
writes and the worker, which are the parts that could make the pack slower.

- pack: a meeting whose agenda carries one ``offline_pages``-page document. The
  baseline fetches the same page images one by one in a loop (``await fetch``),
  in a fresh context without the worker; the pack is downloaded in a fresh
  context with the worker. Fresh contexts, so neither reads the HTTP cache.
  Budget: pack ≤ 1.3 × loop.
- worker: the document viewer page loaded ``offline_loads`` times online with
  the worker registered and controlling the page, and as many times with
  service workers blocked, alternating (each side goes first in turn, and every
  load waits for an idle network before the next); ``loadEventEnd``.
  Budget: the worker adds < 5 ms (the Hodges-Lehmann estimate of the paired
  differences, printed with its 95% interval: on a shared 2-core machine one
  load varies by about 40 ms, so a few milliseconds need many pairs).
"""

from __future__ import annotations

import json
import logging
import math
import statistics
import sys
from pathlib import Path

from bench.servers import PASSWORD, Stack

logger = logging.getLogger("bench")

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
VIEWPORT = {"width": 768, "height": 1024}

LOOP = """async (urls) => {
  const t0 = performance.now();
  let bytes = 0;
  for (const url of urls) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    bytes += (await response.blob()).size;
  }
  return { ms: performance.now() - t0, bytes };
}"""

PACK = """async (meetingId) => {
  const { store } = window.nghisuBriefcase;
  const t0 = performance.now();
  const manifest = await store.fetchManifest(meetingId);
  const meta = await store.download(manifest);
  return { ms: performance.now() - t0, bytes: meta.bytes, files: manifest.files.length,
           pages: manifest.pages, urls: manifest.files.filter((f) => f.kind === "page").map((f) => f.url) };
}"""

LOAD_TIME = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  return { load: nav.loadEventEnd, controlled: navigator.serviceWorker.controller !== null };
}"""


def _until(page, expression: str, timeout_s: float = 60) -> None:
    """Poll ``expression`` through DevTools: the pages' CSP refuses Playwright's
    own ``wait_for_function`` (it evaluates strings in the page)."""
    for _ in range(int(timeout_s * 20)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise TimeoutError(expression)


def _context(browser, state, *, worker: bool):
    return browser.new_context(
        viewport=VIEWPORT,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        storage_state=state,
        service_workers="allow" if worker else "block",
    )


def _login(browser, base: str, username: str) -> dict:
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    state = context.storage_state()
    context.close()
    return state


def _pack_vs_loop(browser, base, state, meeting: int, rounds: int) -> dict:
    loops, packs, urls, info = [], [], None, {}
    for _ in range(rounds):
        context = _context(browser, state, worker=True)
        page = context.new_page()
        page.goto(f"{base}/meetings/{meeting}/")
        _until(page, "navigator.serviceWorker.controller !== null")
        result = page.evaluate(PACK, meeting)
        context.close()
        packs.append(result["ms"])
        urls = result.pop("urls")
        info = result
        context = _context(browser, state, worker=False)
        page = context.new_page()
        page.goto(f"{base}/meetings/{meeting}/")
        loops.append(page.evaluate(LOOP, urls)["ms"])
        context.close()
    pack_ms, loop_ms = statistics.median(packs), statistics.median(loops)
    return {
        "pages": info["pages"],
        "files": info["files"],
        "bytes": info["bytes"],
        "rounds": rounds,
        "pack_ms": round(pack_ms, 1),
        "loop_ms": round(loop_ms, 1),
        "pack_samples_ms": [round(x, 1) for x in packs],
        "loop_samples_ms": [round(x, 1) for x in loops],
        "ratio": round(pack_ms / loop_ms, 2),
    }


def _worker_cost(browser, base, state, url: str, loads: int) -> dict:
    with_sw = _context(browser, state, worker=True)
    without = _context(browser, state, worker=False)
    page_sw, page_plain = with_sw.new_page(), without.new_page()
    page_sw.goto(url)
    _until(page_sw, "navigator.serviceWorker.controller !== null")
    page_plain.goto(url)
    routed = page_sw.evaluate(
        """async () => {
          const hit = await (await caches.open("nghisu-meta")).match("/__nghisu__/routed");
          return hit ? (await hit.text()) === "1" : null;
        }"""
    )
    pages = {"with": page_sw, "without": page_plain}
    times: dict[str, list[float]] = {"with": [], "without": []}
    controlled = True
    for i in range(loads + 2):  # the first two pairs are warm-up
        # Alternate which goes first, and let each page finish what it does
        # after its load event (words, annotations, the briefcase's contact)
        # before the next load starts, so neither load shares the server with
        # the other's trailing requests.
        order = ("with", "without") if i % 2 == 0 else ("without", "with")
        for key in order:
            page = pages[key]
            page.reload(wait_until="networkidle")
            sample = page.evaluate(LOAD_TIME)
            times[key].append(sample["load"])
            if key == "with":
                controlled = controlled and sample["controlled"]
    with_sw.close()
    without.close()
    w = statistics.median(times["with"][2:])
    wo = statistics.median(times["without"][2:])
    pairs = [
        a - b for a, b in zip(times["with"][2:], times["without"][2:], strict=True)
    ]
    added, low, high = _hodges_lehmann(pairs)
    return {
        "loads": loads,
        "controlled": controlled,
        "static_routing": routed,
        "with_ms": round(w, 1),
        "without_ms": round(wo, 1),
        "added_ms": round(added, 2),
        "added_median_ms": round(statistics.median(pairs), 2),
        "added_ci95_ms": [round(low, 2), round(high, 2)],
        "ratio": round(w / wo, 3),
        "with_samples_ms": [round(x, 1) for x in times["with"][2:]],
        "without_samples_ms": [round(x, 1) for x in times["without"][2:]],
    }


def _hodges_lehmann(values: list[float]) -> tuple[float, float, float]:
    """The Hodges-Lehmann estimate of the paired differences' centre (the
    median of all pairwise averages: nearly as efficient as the mean on noise
    like this, and as robust as the median to the odd slow load) and its 95%
    interval from the signed-rank distribution (normal approximation)."""
    n = len(values)
    walsh = sorted((values[i] + values[j]) / 2 for i in range(n) for j in range(i, n))
    k = math.floor(n * (n + 1) / 4 - 1.96 * math.sqrt(n * (n + 1) * (2 * n + 1) / 24))
    k = max(0, min(k, len(walsh) // 2))
    return statistics.median(walsh), walsh[k], walsh[len(walsh) - 1 - k]


def run(ctx, size: dict) -> list[dict]:
    from playwright.sync_api import sync_playwright

    stack = Stack(ctx.templates, label="offline")
    try:
        pages = size["offline_pages"]
        logger.info("offline: seeding a meeting with a %d-page document", pages)
        seed = stack.seed(
            {
                "op": "rooms",
                "prefix": "off",
                "rooms": 1,
                "members": 3,
                "items": 2,
                "document": True,
                "pages": pages,
            }
        )["rooms"][0]
        (server,) = stack.start_daphne(1)
        base = f"http://127.0.0.1:{server.port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                state = _login(browser, base, seed["members"][0])
                # Not timed: the page images at the tablet's width are rendered
                # once, as publishing the meeting does ahead of the session.
                logger.info("offline: warming the page images")
                _pack_vs_loop(browser, base, state, seed["meeting"], 1)
                logger.info("offline: pack vs loop, %d rounds", size["offline_rounds"])
                pack = _pack_vs_loop(
                    browser, base, state, seed["meeting"], size["offline_rounds"]
                )
                logger.info("offline: worker cost, %d loads", size["offline_loads"])
                worker = _worker_cost(
                    browser,
                    base,
                    state,
                    f"{base}/documents/{seed['document']}/",
                    size["offline_loads"],
                )
            finally:
                browser.close()
    finally:
        stack.close(keep=ctx.keep)
    row = {"bench": "offline", "system": "nghisu", "pack": pack, "worker": worker}
    if not worker["controlled"]:
        row["failed"] = ["the service worker did not control the page"]
    return [row]


def pool(paths: list[str]) -> dict:
    """The worker's added load time over the pairs of several results files
    (one run's interval is about ±13 ms at 80 pairs; pooling narrows it)."""
    pairs: list[float] = []
    runs = 0
    for path in paths:
        for row in json.loads(Path(path).read_text(encoding="utf-8"))["results"]:
            if row.get("bench") != "offline":
                continue
            worker = row["worker"]
            pairs += [
                a - b
                for a, b in zip(
                    worker["with_samples_ms"], worker["without_samples_ms"], strict=True
                )
            ]
            runs += 1
    if not pairs:
        raise SystemExit("no offline results in these files")
    added, low, high = _hodges_lehmann(pairs)
    return {
        "runs": runs,
        "pairs": len(pairs),
        "added_ms": round(added, 2),
        "added_ci95_ms": [round(low, 2), round(high, 2)],
    }


if __name__ == "__main__":
    # python -m bench.offline pool bench/results/a.json bench/results/b.json ...
    if len(sys.argv) < 3 or sys.argv[1] != "pool":
        raise SystemExit("usage: python -m bench.offline pool RESULTS.json [RESULTS.json ...]")
    found = pool(sys.argv[2:])
    low, high = found["added_ci95_ms"]
    print(
        f"service worker's added page load, {found['pairs']} pairs from {found['runs']} "
        f"runs: {found['added_ms']:+.2f} ms (95% interval {low:+.1f} to {high:+.1f} ms)"
    )

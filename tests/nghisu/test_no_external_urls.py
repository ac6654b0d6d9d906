"""Nothing loads from outside the server: the product must run on an isolated LAN."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Any absolute or protocol-relative URL in a place that makes the browser load it.
LOADS = re.compile(
    r"""(?ix)
    (?:\b(?:src|href|action|poster|data|formaction)\s*=\s*["']?\s*(?:https?:)?//)
    | (?:url\(\s*["']?\s*(?:https?:)?//)
    | (?:@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//)
    | (?:\b(?:fetch|import|new\s+(?:WebSocket|EventSource|Worker))\s*\(\s*["'`](?:https?|wss?):)
    | (?:\bfrom\s+["'](?:https?:)?//)
    """
)


def files():
    for folder in ("templates", "static"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".html", ".js", ".mjs", ".css", ".svg"}:
                yield path
    for path in ROOT.glob("*/templates/**/*.html"):
        yield path


def test_no_template_or_static_file_loads_anything_from_outside():
    offenders = []
    for path in files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in LOADS.finditer(text):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)!r}")
    assert offenders == []


def test_the_check_catches_an_external_script(tmp_path):
    assert LOADS.search('<script src="https://cdn.example/htmx.js"></script>')
    assert LOADS.search("@import url('//fonts.example/css');")
    assert LOADS.search("new WebSocket('wss://elsewhere/ws')")
    assert not LOADS.search('<svg xmlns="http://www.w3.org/2000/svg">')
    assert not LOADS.search('<a href="/source/">')

"""No inline script or style in templates or our JavaScript.

The Content-Security-Policy (nghisu/security.py) refuses them, so each one is a
broken button or an unstyled element in the browser. This catches them without a
browser: scripts go in static/js, styles in static/css, data in data-* attributes
or ``<script type="application/json">`` (``json_script``), and a dynamic value
that must reach a style is set through CSSOM (``el.style.x = ...``).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
EXTERNAL_OR_DATA = re.compile(
    r"""\bsrc\s*=|\btype\s*=\s*["']application/(?:ld\+)?json""", re.I
)
TEMPLATE_PATTERNS = {
    "style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"""\sstyle\s*=\s*["'{]""", re.I),
    "event handler attribute": re.compile(r"""\son[a-z]+\s*=\s*["'{]""", re.I),
    "javascript: URL": re.compile(r"""=\s*["']\s*javascript:""", re.I),
    "hx-on (compiled with Function)": re.compile(r"\s(?:data-)?hx-on[:-]", re.I),
    # Django's {# #} is one line only: a longer one prints as text, and text in
    # <head> moves everything after it into <body>.
    "multi-line {# comment": re.compile(r"\{#(?![^\n]*#\})"),
    "hx-vars or js: hx-vals (eval)": re.compile(
        r"""\s(?:data-)?hx-vars\s*=|hx-vals\s*=\s*["']\s*js:""", re.I
    ),
}
SCRIPT_PATTERNS = {
    "style attribute set from script": re.compile(
        r"""setAttribute\(\s*["'`]style["'`]""", re.I
    ),
    "inline style or handler in HTML built by script": re.compile(
        r"""(?:innerHTML|outerHTML|insertAdjacentHTML)[^;]*(?:\sstyle\s*=|<style|\son[a-z]+\s*=)""",
        re.I,
    ),
    "eval": re.compile(r"(?<![\w.])eval\s*\(|\bnew\s+Function\s*\("),
    "string timer (eval)": re.compile(r"""\bset(?:Timeout|Interval)\s*\(\s*["'`]"""),
}


def templates():
    yield from (ROOT / "templates").rglob("*.html")
    for app in ("accounts", "documents", "meetings", "work", "realtime", "nghisu"):
        yield from (ROOT / app).glob("templates/**/*.html")


def template_offences(text: str) -> list[str]:
    found = [
        f"inline script {match.group(0)!r}"
        for match in SCRIPT_TAG.finditer(text)
        if not EXTERNAL_OR_DATA.search(match.group(1))
    ]
    for name, pattern in TEMPLATE_PATTERNS.items():
        found += [
            f"{name} {match.group(0).strip()!r}" for match in pattern.finditer(text)
        ]
    return found


def script_offences(text: str) -> list[str]:
    found = []
    for name, pattern in SCRIPT_PATTERNS.items():
        found += [
            f"{name} {match.group(0).strip()!r}" for match in pattern.finditer(text)
        ]
    return found


def test_templates_have_no_inline_script_style_or_handler():
    offenders = [
        f"{path.relative_to(ROOT)}: {offence}"
        for path in templates()
        for offence in template_offences(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_our_scripts_set_no_style_attribute_and_eval_nothing():
    offenders = [
        f"{path.relative_to(ROOT)}: {offence}"
        for path in (ROOT / "static" / "js").rglob("*.js")
        for offence in script_offences(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_check_catches_each_kind():
    assert template_offences("<script>alert(1)</script>")
    assert template_offences('<script type="module">import "./x.js"</script>')
    assert template_offences("<style>p{color:red}</style>")
    assert template_offences('<span style="color: red">')
    assert template_offences('<select onchange="this.form.submit()">')
    assert template_offences('<a href="javascript:void(0)">')
    assert template_offences('<button hx-on:click="go()">')
    assert template_offences("<div hx-vals='js:{a: b()}'>")
    assert template_offences("{# a comment\n   on two lines #}")
    assert script_offences('node.setAttribute("style", "color: red")')
    assert script_offences('box.innerHTML = `<b style="color:red">`;')
    assert script_offences('x.insertAdjacentHTML("beforeend", "<i onclick=go()>")')
    assert script_offences("eval(code)")
    assert script_offences('setTimeout("go()", 10)')


def test_the_check_lets_the_allowed_forms_through():
    assert not template_offences(
        '<script type="module" src="/static/js/room.js"></script>'
    )
    assert not template_offences('<script type="application/json" id="cfg">{}</script>')
    assert not template_offences(
        '<script id="c" type="application/json">{"a": 1}</script>'
    )
    assert not template_offences('<svg><circle fill="#ffd400"/></svg>')
    assert not template_offences("{# one line #}{% comment %}\nmany{% endcomment %}")
    assert not template_offences('<p data-style="x" data-onclick="y">')
    assert not template_offences('<div hx-vals=\'{"group": "3"}\'>')
    assert not script_offences("node.style.transform = `scale(${s})`;")
    assert not script_offences('node.setAttribute("aria-pressed", "true")')
    assert not script_offences("list.innerHTML = '';")
    assert not script_offences("setTimeout(() => go(), 0)")

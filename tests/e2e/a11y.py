"""Accessibility checks for the browser tests: axe-core and a keyboard walk.

``assert_accessible(page)`` runs axe-core (bundled with the
``axe-playwright-python`` package) in the page and fails listing every serious
or critical violation. axe is injected with ``page.evaluate``: the pages run
under a strict Content-Security-Policy that refuses inline scripts, and
DevTools evaluation is not governed by it (``add_script_tag`` would be).

``assert_keyboard_reachable(page)`` presses Tab through the page and checks that
every visible interactive control takes the focus, in document order, and that
the focused control shows a focus indicator (an outline or a box shadow).

``assert_touch_targets(page)`` measures every visible control: at least 44 by
44 px (a check box's or radio button's target is its label). Links inside a sentence are exempt,
as WCAG's target-size criterion exempts them.

No axe rule is disabled.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import axe_playwright_python

BLOCKING = ("serious", "critical")


@cache
def _axe_source() -> str:
    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def axe_violations(page) -> list[dict]:
    """Every axe-core violation on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


def assert_accessible(page, where: str = "") -> None:
    """No serious or critical axe-core violation on the page."""
    bad = [v for v in axe_violations(page) if v.get("impact") in BLOCKING]
    lines = []
    for v in bad:
        targets = [" ".join(map(str, n["target"])) for n in v["nodes"][:4]]
        lines.append(
            f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['help']}: "
            + "; ".join(targets)
        )
    assert not lines, f"axe-core on {where or page.url}:\n" + "\n".join(lines)


SMALL_TARGETS = """
(scope) => [...document.querySelectorAll(
    ['button', 'a', 'select', 'input', 'summary'].map((t) => `${scope} ${t}`).join(', '))]
  .filter((el) => el.offsetParent !== null && !el.closest('dialog:not([open])'))
  // A link inside a sentence is exempt.
  .filter((el) => !(el.tagName === 'A' && getComputedStyle(el).display === 'inline'
    && el.parentElement.textContent.trim().length > el.textContent.trim().length + 2))
  // A check box's or a radio button's target is its label.
  .map((el) => [el, (['checkbox', 'radio'].includes(el.type) && el.closest('label') || el)
    .getBoundingClientRect()])
  .filter(([el, r]) => r.width > 0 && (r.height < 43.5 || r.width < 43.5))
  .map(([el, r]) => `${el.tagName} ${el.className} ${el.textContent.trim().slice(0, 20)}`
    + ` ${Math.round(r.width)}x${Math.round(r.height)}`)
"""


def assert_touch_targets(page, scope: str = "body", where: str = "") -> None:
    """Every visible control under ``scope`` is at least 44 px by 44 px."""
    small = page.evaluate(SMALL_TARGETS, scope)
    assert not small, f"{where or page.url}: targets under 44 px: {small}"


# An element's place in the page (tag and position under each ancestor): the
# room re-renders its lists, so identity is the place, not the node.
PATH = """
const a11yPath = (el) => {
  const parts = [];
  for (let n = el; n && n !== document.documentElement; n = n.parentElement) {
    const index = n.parentElement ? [...n.parentElement.children].indexOf(n) : 0;
    parts.unshift(`${n.tagName.toLowerCase()}:${index}`);
  }
  return parts.join('>');
};
const a11yLabel = (el) => `${el.tagName.toLowerCase()} `
  + (el.getAttribute('aria-label') || el.textContent || el.name || '').trim().slice(0, 30);
"""

# Visible, enabled controls in document order that a Tab press should reach.
FOCUSABLE = """
() => {
__PATH__
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea,'
    + ' summary, [tabindex]';
  const shown = (el) => {
    if (el.closest('[inert], dialog:not([open]), details:not([open]) > :not(summary)')) {
      return false;
    }
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  const modal = [...document.querySelectorAll('dialog[open]')]
    .find((d) => d.matches(':modal'));
  const root = modal || document;
  return [...root.querySelectorAll(selector)]
    .filter((el) => !el.disabled && el.tabIndex >= 0 && shown(el))
    // Radio buttons of one group take a single Tab stop.
    .filter((el, i, all) => el.type !== 'radio' || !el.name
      || all.findIndex((o) => o.type === 'radio' && o.name === el.name
        && o.form === el.form) === i)
    .map((el) => [a11yPath(el), a11yLabel(el)]);
}
""".replace("__PATH__", PATH)

FOCUSED = """
() => {
__PATH__
  let el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  const label = a11yLabel(el);
  if (el.type === 'radio' && el.name) {  // the group's stop: its first button
    el = [...(el.form || document).querySelectorAll('input[type=radio]')]
      .find((o) => o.name === el.name);
  }
  return {path: a11yPath(el), visible: outline || !!shadow, label};
}
""".replace("__PATH__", PATH)


def assert_keyboard_reachable(page, where: str = "") -> None:
    """Tab reaches every visible control in document order, each with a visible
    focus indicator."""
    where = where or page.url
    expected = page.evaluate(FOCUSABLE)
    assert expected, f"{where}: no focusable control found"
    page.evaluate("() => window.scrollTo(0, 0)")
    # Start before the first control: focus the document itself, or the open
    # modal dialog (the rest of the page is inert then).
    page.evaluate(
        "() => { const modal = [...document.querySelectorAll('dialog[open]')]"
        ".find((d) => d.matches(':modal')); const start = modal || document.body;"
        " document.activeElement && document.activeElement.blur();"
        " const had = start.getAttribute('tabindex'); start.tabIndex = -1; start.focus();"
        " if (had === null) start.removeAttribute('tabindex');"
        " else start.setAttribute('tabindex', had); }"
    )
    paths = [path for path, _ in expected]
    reached, hidden_focus = [], []
    for _ in range(len(expected) + 10):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None or (reached and focused["path"] == reached[0]):
            break  # out of the page, or wrapped around
        if not focused["visible"]:
            hidden_focus.append(focused["label"])
        if focused["path"] in paths:
            reached.append(focused["path"])
        if len(reached) == len(expected):
            break
    missed = [label for path, label in expected if path not in reached]
    assert not missed, f"{where}: never reached by Tab: {missed}"
    assert reached == paths, (
        f"{where}: Tab order differs from the document order: "
        + str([dict(expected)[p] for p in reached])
    )
    assert not hidden_focus, f"{where}: focus not visible on {hidden_focus}"

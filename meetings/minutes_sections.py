"""Sections other apps add to a meeting's minutes: an inversion point.

``meetings`` builds the minutes (:mod:`meetings.minutes`) but must not import
the apps above it (``oversight`` keeps the question segment). Such an app
registers a builder here in its ``AppConfig.ready()``; :func:`collect` calls
each builder once per minutes with the meeting and returns the blocks to print
under each agenda item.

A builder takes the :class:`~meetings.models.Meeting` and returns
``{agenda item id: [block, ...]}`` where a block is a
``documents.pdf.record`` block (``{"kind": "paragraph", "text": ...}``,
``heading`` or ``table``). It should run a fixed number of queries, and none
beyond one cheap existence check when the meeting has nothing of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Builder = Callable[[Any], dict[int, list[dict]]]

_builders: list[Builder] = []


def register(builder: Builder) -> Builder:
    """Add ``builder`` (once, whatever the number of calls); returns it."""
    if builder not in _builders:
        _builders.append(builder)
    return builder


def unregister(builder: Builder) -> None:
    """Remove ``builder`` (tests)."""
    if builder in _builders:
        _builders.remove(builder)


def collect(meeting: Any) -> dict[int, list[dict]]:
    """The registered builders' blocks per agenda item id, in order."""
    blocks: dict[int, list[dict]] = {}
    for builder in _builders:
        for item_id, extra in builder(meeting).items():
            blocks.setdefault(item_id, []).extend(extra)
    return blocks

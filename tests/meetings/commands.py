"""Room commands as a socket sends them, run without a socket (tests).

``command("vote.open", user, meeting_id, {...})`` validates the message with
the command registry's schema and calls the action, as the consumer does
(without the command store); ``handler("vote.open")`` is the function the
consumer hands the command store.
"""

from __future__ import annotations

from typing import Any

from realtime.commands import execute, lookup


def command(
    kind: str,
    user,
    meeting_id: int,
    data: dict[str, Any] | None = None,
    *,
    client_id: str = "",
):
    return execute(user, meeting_id, kind, data or {}, client_id)


def handler(kind: str):
    return lookup(kind).run

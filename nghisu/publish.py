"""One publish function with an explicit audience, below every app.

The domain (meetings, work, documents) publishes live events with
:func:`publish` and never imports the realtime transport: the ``realtime`` app
installs the sender when it is ready (:func:`install`, from
``realtime.apps.RealtimeConfig.ready``), so the dependency points from the
transport to this module, never from the domain to the transport. Without a
sender (a management command in a process with no realtime app) events are
dropped: no state lives only in an event, and clients resynchronise.

Audiences:

- :class:`Room`: every socket of a meeting's room. With ``seq`` (taken by
  :func:`meetings.events.publish` inside the action's transaction) a numbered
  room event; without, a seq-less signal (vote progress).
- :class:`Managers`: the chairs' and secretaries' sockets in a room (presence).
- :class:`Users`: the room sockets of some users, in one meeting or in every
  meeting (a ballot receipt; an annotation shared with a document's readers).
- :class:`Bell`: one user's bell sockets (``/ws/me/``: notification counts).

The message handed to the sender is the hub's wire format (``k``: room,
signal, private, bell or kick; ``m`` meeting, ``u`` user(s), ``f`` the frame
serialised once), documented in :mod:`realtime.transport`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

logger = logging.getLogger(__name__)

Sender = Callable[[dict[str, Any]], None]
_sender: Sender | None = None


def install(sender: Sender | None) -> None:
    """Set the function that delivers messages (the realtime app's ready())."""
    global _sender
    _sender = sender


def dumps(data: Any) -> str:
    """Serialise a frame the way every live frame is serialised."""
    return json.dumps(
        data, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder
    )


@dataclass(frozen=True)
class Room:
    """A meeting's whole room; ``seq``: a numbered event, else a signal."""

    meeting_id: int
    seq: int | None = None


@dataclass(frozen=True)
class Managers:
    """The chairs' and secretaries' sockets in a meeting's room."""

    meeting_id: int


@dataclass(frozen=True)
class Users:
    """These users' room sockets, in one meeting (or all with ``None``)."""

    user_ids: int | tuple[int, ...]
    meeting_id: int | None = None

    @classmethod
    def of(cls, user_ids: int | Iterable[int], meeting_id: int | None = None):
        ids = user_ids if isinstance(user_ids, int) else tuple(user_ids)
        return cls(ids, meeting_id)


@dataclass(frozen=True)
class Bell:
    """One user's bell sockets (``/ws/me/``)."""

    user_id: int


Audience = Room | Managers | Users | Bell


def message_for(
    audience: Audience,
    event: dict[str, Any],
    *,
    snapshot: str | None = None,
    kick: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The hub message carrying ``event`` to ``audience`` (serialised once)."""
    frame = dumps(event)
    if isinstance(audience, Room):
        if audience.seq is None:
            message = {"k": "signal", "m": audience.meeting_id, "a": "all", "f": frame}
        else:
            message = {
                "k": "room",
                "m": audience.meeting_id,
                "s": audience.seq,
                "f": frame,
            }
            if kick:
                message["x"] = kick
    elif isinstance(audience, Managers):
        message = {"k": "signal", "m": audience.meeting_id, "a": "managers", "f": frame}
    elif isinstance(audience, Users):
        ids = audience.user_ids
        message = {
            "k": "private",
            "m": audience.meeting_id,
            "u": ids if isinstance(ids, int) else list(ids),
            "f": frame,
        }
    elif isinstance(audience, Bell):
        message = {"k": "bell", "u": audience.user_id, "f": frame}
    else:  # pragma: no cover - a programming error
        raise TypeError(f"unknown audience {audience!r}")
    if snapshot:
        message["c"] = snapshot
    return message


def publish(
    audience: Audience,
    event: dict[str, Any],
    *,
    on_commit: bool = True,
    snapshot: str | None = None,
    kick: dict[str, Any] | None = None,
) -> None:
    """Send ``event`` to ``audience``: after the current transaction commits
    (``on_commit``, what actions want), or now.

    ``snapshot``: a key for signals each of which replaces the one before
    (the hub sends a room only the latest per interval). ``kick``: sockets to
    close with a room event (``{"p": participant ids, "c": close code}``).
    Never raises into the caller once the message is built.
    """
    message = message_for(audience, event, snapshot=snapshot, kick=kick)
    if on_commit:
        transaction.on_commit(lambda: _send(message))
    else:
        _send(message)


def kick(
    user_id: int, *, meeting_id: int | None = None, code: int = 4403, now=False
) -> None:
    """Close ``user_id``'s room sockets (in one meeting, or every meeting),
    once the current transaction commits (or ``now``)."""
    message = {"k": "kick", "m": meeting_id, "u": user_id, "c": code}
    if now:
        _send(message)
    else:
        transaction.on_commit(lambda: _send(message))


def _send(message: dict[str, Any]) -> None:
    sender = _sender
    if sender is None:
        logger.debug("no realtime sender installed; %s dropped", message.get("k"))
        return
    try:
        sender(message)
    except Exception:
        logger.exception(
            "publishing %s to meeting %s failed", message.get("k"), message.get("m")
        )

"""The command registry: message type → schema → action → ack.

Every command a room socket may send is one :class:`Command` registered here
(the meeting's commands in :mod:`realtime.commands_meeting`, imported by
``realtime.apps.RealtimeConfig.ready``). A command names its fields (name, type, bounds: the schema, also what
docs/protocol.md lists), a ``parse`` function that reads them from the message
into the action's typed keyword arguments (refusing a bad value with a
documented code and a Vietnamese message, before anything is changed), the
action it calls (``action(user, meeting_id, **arguments)``, a function of
``meetings.actions``) and how the answer is built (``ack``). The consumer
(:mod:`realtime.consumers`) looks the type up, runs :meth:`Command.run` in the
room's database pool through the command store
(:func:`meetings.actions.commands.run_once`: one answer per (meeting, user, id,
type)), and answers ``ack`` or ``error``.

Frames themselves (JSON, size, depth, surrogates, the ``id``) are checked
before a command is looked up, by :mod:`realtime.frames`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from nghisu.errors import ActionError

#: The largest value of a PostgreSQL ``integer`` (pages, counts) and of a
#: ``bigint`` (ids): beyond them the database refuses where SQLite accepts.
MAX_INT = 2**31 - 1
MAX_ID = 2**63 - 1


def int_field(
    data: dict[str, Any],
    key: str,
    *,
    required: bool = True,
    maximum: int = MAX_ID,
) -> int | None:
    """Read a non-negative integer field of a command, or refuse the command.

    Values above ``maximum`` (by default what a PostgreSQL ``bigint`` holds,
    the ids; :data:`MAX_INT` for ``integer`` columns) are refused like any
    other bad value, before they reach the database.
    """
    value = data.get(key)
    if value is None and not required:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 <= value <= maximum
    ):
        raise ActionError(
            _("Trường “%(key)s” phải là một số nguyên từ 0 đến %(max)d.")
            % {"key": key, "max": maximum},
            code="bad_field",
        )
    return value


@dataclass(frozen=True)
class Field:
    """One field of a command: what the schema says (and the docs list)."""

    name: str
    type: str  # "id", "int", "str", "bool", "enum", "region", "list", "id|null"
    required: bool = True
    bounds: str = ""


def _no_fields(message: dict[str, Any]) -> dict[str, Any]:
    return {}


def _same(answer: dict[str, Any]) -> dict[str, Any]:
    return answer


@dataclass(frozen=True)
class Command:
    """One message type a room socket may send."""

    type: str
    action: Callable[..., Any]
    parse: Callable[[dict[str, Any]], dict[str, Any]] = _no_fields
    fields: tuple[Field, ...] = ()
    ack: Callable[[Any], dict[str, Any]] = _same
    #: Commands arriving together are run as one batch (``vote.cast``);
    #: ``batch(meeting_id, [(user, message, client_id)])`` answers each.
    batch: Callable[..., list[Any]] | None = None
    doc: str = field(default="", compare=False)

    def run(
        self, user, meeting_id: int, message: dict[str, Any], client_id: str = ""
    ) -> dict[str, Any]:
        """Validate ``message``, call the action, build the answer (sync).

        A batched command run alone is a batch of one."""
        if self.batch is not None:
            (outcome,) = self.batch(meeting_id, [(user, message, client_id)])
            if isinstance(outcome, ActionError):
                raise outcome
            return outcome
        return self.ack(self.action(user, meeting_id, **self.parse(message)))


_registry: dict[str, Command] = {}


def register(command: Command) -> Command:
    if command.type in _registry:
        raise ValueError(f"command {command.type!r} registered twice")
    _registry[command.type] = command
    return command


def lookup(kind: str) -> Command | None:
    """The command of message type ``kind``, if there is one."""
    return _registry.get(kind)


def registered() -> dict[str, Command]:
    """Every registered command by type (docs, tests)."""
    return dict(_registry)


def execute(
    user, meeting_id: int, kind: str, message: dict[str, Any], client_id: str = ""
) -> Any:
    """Run one command now, without the command store (tests, scripts):
    what a socket's command does, minus the replay of a re-sent ``id``."""
    command = lookup(kind)
    if command is None:
        raise ActionError(_("Loại thông điệp không được hỗ trợ."), code="unknown_type")
    return command.run(user, meeting_id, message, client_id)

"""The meeting room's commands (registered in :mod:`realtime.commands`).

Each entry: the message type, its fields, the parser that turns the message
into the typed arguments of a :mod:`meetings.actions` function, and the action.
Every refusal keeps the code and message docs/protocol.md lists.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from meetings.actions import ballots, floor, votes
from meetings.actions import room as room_actions
from meetings.room_models import VoteKind, VoteThreshold
from nghisu.errors import ActionError
from realtime.commands import MAX_INT, Command, Field, int_field, register

MAX_OPTIONS = 10


# ---------------------------------------------------------------------------
# parsers
# ---------------------------------------------------------------------------
def parse_checkin(data: dict[str, Any]) -> dict[str, Any]:
    return {"user_id": int_field(data, "user", required=False)}


def parse_goto(data: dict[str, Any]) -> dict[str, Any]:
    """``{"item": id}`` or ``{"direction": "next"|"previous"}``."""
    direction = data.get("direction")
    if direction is not None:
        if direction not in ("next", "previous"):
            raise ActionError(
                _("Hướng chuyển phải là “next” hoặc “previous”."), code="bad_field"
            )
        return {"direction": direction}
    return {"item_id": int_field(data, "item")}


def clean_region(value: object) -> dict[str, float] | None:
    """A zoom region ``{x, y, w, h}`` in 0..1 lying on the page, or None."""
    if value is None:
        return None
    bad = ActionError(
        _("Vùng phóng to phải có x, y, w, h trong khoảng 0..1."), code="bad_field"
    )
    if not isinstance(value, dict):
        raise bad
    region = {}
    for key in ("x", "y", "w", "h"):
        v = value.get(key)
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
            raise bad
        region[key] = round(float(v), 4)
    if region["w"] <= 0 or region["h"] <= 0:
        raise bad
    # A region must lie on the page: a rounding slip of a client is clamped,
    # a region reaching past the edge is refused.
    for start, size in (("x", "w"), ("y", "h")):
        if region[start] + region[size] > 1.001:
            raise ActionError(
                _("Vùng phóng to vượt ra ngoài trang (x + w và y + h tối đa là 1)."),
                code="bad_region",
            )
        region[size] = round(min(region[size], 1 - region[start]), 4)
    return region


def parse_present_page(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "document_id": int_field(data, "document"),
        "page": int_field(data, "page", maximum=MAX_INT),
        "region": clean_region(data.get("region")),
    }


def parse_present_assign(data: dict[str, Any]) -> dict[str, Any]:
    """``{"user": id | null}``: the key is required, so a client's slip never
    silently takes the presenter's rights ("nobody" must be said)."""
    if "user" not in data:
        raise ActionError(
            _("Thiếu trường “user”: mã người trình bày, hoặc null để bỏ giao."),
            code="bad_field",
        )
    return {"user_id": int_field(data, "user", required=False)}


def parse_request(data: dict[str, Any]) -> dict[str, Any]:
    return {"request_id": int_field(data, "request")}


def parse_vote_spec(data: dict[str, Any]) -> dict[str, Any]:
    """A new vote's fields (``vote.prepare``, ``vote.open`` without ``vote``)."""
    question = data.get("question")
    if not isinstance(question, str) or not question.strip() or len(question) > 500:
        raise ActionError(
            _("Nội dung biểu quyết phải có từ 1 đến 500 ký tự."), code="bad_field"
        )
    kind = data.get("kind", VoteKind.OPEN)
    if kind not in VoteKind.values:
        raise ActionError(
            _("Hình thức biểu quyết phải là công khai hoặc bỏ phiếu kín."),
            code="bad_field",
        )
    threshold = data.get("threshold", VoteThreshold.MAJORITY)
    if threshold not in VoteThreshold.values:
        raise ActionError(_("Tỷ lệ thông qua không hợp lệ."), code="bad_field")
    allow_change = data.get("allow_change", False)
    if not isinstance(allow_change, bool):
        raise ActionError(
            _("“allow_change” phải là true hoặc false."), code="bad_field"
        )
    labels = data.get("options")
    if labels is not None and (
        not isinstance(labels, list)
        or not 2 <= len(labels) <= MAX_OPTIONS
        or not all(isinstance(x, str) and 0 < len(x.strip()) <= 100 for x in labels)
        or len({x.strip() for x in labels}) != len(labels)
    ):
        raise ActionError(
            _("Cần từ 2 đến 10 lựa chọn khác nhau, mỗi lựa chọn tối đa 100 ký tự."),
            code="bad_field",
        )
    return {
        "question": question.strip(),
        "kind": kind,
        "threshold": threshold,
        "allow_change": allow_change,
        "labels": [x.strip() for x in labels] if labels else None,
        "item_id": int_field(data, "item", required=False),
    }


def parse_vote(data: dict[str, Any]) -> dict[str, Any]:
    return {"vote_id": int_field(data, "vote")}


def open_vote(user, meeting_id: int, **arguments: Any) -> dict[str, Any]:
    """``vote.open``: a prepared vote by id, or a new one created and opened."""
    if "vote_id" in arguments:
        return votes.do_open(user, meeting_id, **arguments)
    return votes.open_new(user, meeting_id, **arguments)


def parse_open(data: dict[str, Any]) -> dict[str, Any]:
    return parse_vote(data) if "vote" in data else parse_vote_spec(data)


def parse_cast(data: dict[str, Any]) -> tuple[int, str]:
    return int_field(data, "vote"), ballots.clean_option(data.get("option"))


def cast_many(
    meeting_id: int, commands: list[tuple[Any, dict[str, Any], str]]
) -> list[dict[str, Any] | ActionError]:
    """Many ``vote.cast`` commands ``(user, message, client_id)`` of one
    meeting: one outcome per command, in order (the answer, or the
    :class:`ActionError` refusing it). Valid ones are cast with
    :func:`meetings.actions.ballots.do_cast_many`, one transaction per vote."""
    outcomes: list[dict[str, Any] | ActionError | None] = [None] * len(commands)
    by_vote: dict[int, list[tuple[int, ballots.CastRequest]]] = {}
    for n, (user, data, client_id) in enumerate(commands):
        try:
            vote_id, option = parse_cast(data)
        except ActionError as exc:
            outcomes[n] = exc
        else:
            cast = ballots.CastRequest(user, option, client_id)
            by_vote.setdefault(vote_id, []).append((n, cast))
    for vote_id, items in by_vote.items():
        answers = ballots.do_cast_many(
            meeting_id, vote_id=vote_id, casts=[cast for _n, cast in items]
        )
        for (n, _cast), answer in zip(items, answers, strict=True):
            outcomes[n] = answer
    return outcomes  # type: ignore[return-value]


# ---------------------------------------------------------------------------
# the registry
# ---------------------------------------------------------------------------
ID = "0..2^63-1"
VOTE_SPEC = (
    Field("question", "str", bounds="1..500 characters"),
    Field("item", "id", required=False, bounds=ID + "; the current item if absent"),
    Field("kind", "enum", required=False, bounds="open | secret"),
    Field("threshold", "enum", required=False, bounds="majority | two_thirds"),
    Field("allow_change", "bool", required=False),
    Field("options", "list", required=False, bounds="2..10 distinct, ≤100 chars"),
)

for command in (
    Command("meeting.start", room_actions.do_start_meeting),
    Command("meeting.close", room_actions.do_close_meeting),
    Command(
        "attendance.checkin",
        room_actions.do_checkin,
        parse_checkin,
        (Field("user", "id", required=False, bounds=ID + "; oneself if absent"),),
    ),
    Command(
        "agenda.goto",
        room_actions.do_goto,
        parse_goto,
        (
            Field("item", "id", required=False, bounds=ID),
            Field("direction", "enum", required=False, bounds="next | previous"),
        ),
    ),
    Command(
        "present.page",
        room_actions.do_present_page,
        parse_present_page,
        (
            Field("document", "id", bounds=ID),
            Field("page", "int", bounds="1..pages (≤ 2^31-1)"),
            Field("region", "region", required=False, bounds="x,y,w,h in 0..1"),
        ),
    ),
    Command("present.stop", room_actions.do_present_stop),
    Command(
        "present.assign",
        room_actions.do_present_assign,
        parse_present_assign,
        (Field("user", "id|null", bounds=ID + " or null (nobody)"),),
    ),
    Command("speaker.request", floor.do_speaker_request),
    Command("speaker.withdraw", floor.do_speaker_withdraw),
    Command(
        "speaker.grant",
        floor.do_speaker_grant,
        parse_request,
        (Field("request", "id", bounds=ID),),
    ),
    Command("speaker.end", floor.do_speaker_end),
    Command("vote.prepare", votes.do_prepare, parse_vote_spec, VOTE_SPEC),
    Command(
        "vote.open",
        open_vote,
        parse_open,
        (Field("vote", "id", required=False, bounds=ID), *VOTE_SPEC),
    ),
    Command(
        "vote.close",
        votes.do_close,
        parse_vote,
        (Field("vote", "id", bounds=ID),),
    ),
    Command(
        "vote.cast",
        ballots.do_cast,
        fields=(
            Field("vote", "id", bounds=ID),
            Field("option", "str", bounds="an option key, ≤32 characters"),
        ),
        batch=cast_many,
    ),
):
    register(command)

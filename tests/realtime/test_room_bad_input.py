"""Every malformed input to the room socket gets a documented error.

Table-driven over the real socket: out-of-range integers (PostgreSQL refuses
them where SQLite overflows), lone UTF-16 surrogates, JSON nested past the
parser's depth, a ``present.assign`` without ``user``, a zoom region past the
page, ``speaker.end`` with nobody speaking, empty and re-used command ids.
Never ``internal``, never a 1011 close; the socket stays open. Runs on
SQLite and, in CI, on PostgreSQL + Redis.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.realtime.rooms import communicator, cookie_for, join

pytestmark = pytest.mark.django_db(transaction=True)

BIG = 10**30
_PROTOCOL = Path("docs/protocol.md").read_text(encoding="utf-8")
DOCUMENTED = set(
    re.findall(
        r"^\| `([a-z_]+)` \|",
        _PROTOCOL.split("### Error codes", 1)[1].split("\n## ", 1)[0],
        re.M,
    )
)


def _cmd(kind: str, cid: object = "c1", **fields) -> str:
    return json.dumps({"type": kind, "id": cid, **fields})


# (case, frames sent before, the frame, expected code, expected id)
CASES = [
    ("page_document_1e30", [], _cmd("present.page", document=BIG, page=1), "bad_field", "c1"),
    ("page_page_1e30", [], _cmd("present.page", document=1, page=BIG), "bad_field", "c1"),
    ("page_page_past_integer", [], _cmd("present.page", document=1, page=2**31), "bad_field", "c1"),
    ("assign_user_1e30", [], _cmd("present.assign", user=BIG), "bad_field", "c1"),
    ("assign_user_past_bigint", [], _cmd("present.assign", user=2**63), "bad_field", "c1"),
    ("checkin_user_1e30", [], _cmd("attendance.checkin", user=BIG), "bad_field", "c1"),
    ("goto_item_1e30", [], _cmd("agenda.goto", item=BIG), "bad_field", "c1"),
    ("grant_request_1e30", [], _cmd("speaker.grant", request=BIG), "bad_field", "c1"),
    ("vote_open_1e30", [], _cmd("vote.open", vote=BIG), "bad_field", "c1"),
    ("vote_close_1e30", [], _cmd("vote.close", vote=BIG), "bad_field", "c1"),
    ("vote_cast_1e30", [], _cmd("vote.cast", vote=BIG, option="yes"), "bad_field", "c1"),
    ("prepare_item_1e30", [], _cmd("vote.prepare", question="Q?", item=BIG), "bad_field", "c1"),
    ("surrogate_in_id", [], '{"type": "agenda.goto", "id": "\\ud800", "direction": "next"}', "bad_text", None),
    ("surrogate_in_text", [], '{"type": "vote.prepare", "id": "c1", "question": "a\\udc00b"}', "bad_text", "c1"),
    ("surrogate_in_key", [], '{"type": "ping", "\\ud800": 1}', "bad_text", None),
    ("nested_20000", [], "[" * 20_000 + "]" * 20_000, "too_deep", None),
    ("nested_object_12000", [], '{"":' * 12_000 + "1" + "}" * 12_000, "too_deep", None),
    ("assign_without_user", [], _cmd("present.assign"), "bad_field", "c1"),
    ("region_past_page", [], _cmd("present.page", document=1, page=1, region={"x": 0.8, "y": 0, "w": 0.5, "h": 0.5}), "bad_region", "c1"),
    ("speaker_end_nobody", [], _cmd("speaker.end"), "no_speaker", "c1"),
    ("empty_id", [], _cmd("speaker.end", cid=""), "bad_message", None),
    ("blank_id", [], _cmd("speaker.end", cid="  "), "bad_message", None),
    ("id_reused_other_type", [_cmd("agenda.goto", cid="x", direction="next")], _cmd("present.stop", cid="x"), "id_reused", "x"),
    ("no_id", [], '{"type": "present.stop"}', "bad_message", None),
    ("not_json", [], "{nope", "bad_json", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("before", "frame", "code", "cid"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
async def test_a_malformed_command_gets_a_documented_error(
    cast, room, before, frame, code, cid
):
    chair = await join(room.meeting.pk, cast.chair)
    for earlier in before:
        await chair.ws.send_to(text_data=earlier)
        assert (await chair.answer(json.loads(earlier)["id"]))["type"] == "ack"
    await chair.ws.send_to(text_data=frame)
    while True:
        error = await chair.recv()
        if error.get("type") in ("ack", "error"):
            break
    assert error["type"] == "error", error
    assert (error["code"], error["id"]) == (code, cid)
    assert "id" in error  # an error that cannot name its command says null
    assert code in DOCUMENTED, f"{code} is not in docs/protocol.md"
    assert error["message"] and error["message"][-1] in ".)"
    await chair.ws.send_to(text_data='{"type": "ping"}')  # still open
    while (await chair.recv())["type"] != "pong":
        pass
    await chair.close()


async def test_clearing_the_presenter_is_an_explicit_null(cast, room):
    chair = await join(room.meeting.pk, cast.chair)
    named = await chair.command("present.assign", user=cast.delegate.pk)
    assert named["result"] == {"presenter": cast.delegate.pk}
    cleared = await chair.command("present.assign", user=None)
    assert cleared["result"] == {"presenter": None}
    await chair.close()


async def test_a_region_slightly_past_the_edge_is_clamped(cast, room):
    from realtime.commands_meeting import clean_region as _clean_region

    assert _clean_region({"x": 0.5, "y": 0.25, "w": 0.5004, "h": 0.75}) == {
        "x": 0.5,
        "y": 0.25,
        "w": 0.5,
        "h": 0.75,
    }


async def test_a_rate_limited_command_is_answered_with_its_id(cast, room, settings):
    settings.ROOM_RATE_PER_SECOND = 0.01
    settings.ROOM_RATE_BURST = 1
    tablet = await join(room.meeting.pk, cast.delegate)
    await tablet.ws.send_to(text_data='{"type": "ping"}')
    await tablet.ws.send_to(text_data=_cmd("speaker.request", cid="slow-1"))
    answer = await tablet.answer("slow-1")
    assert (answer["type"], answer["code"]) == ("error", "rate_limited")
    await tablet.close()


async def test_a_meeting_address_that_is_not_a_number_is_closed_with_4404(cast):
    ws = communicator("abc", await cookie_for(cast.chair))
    connected, _ = await ws.connect()
    assert connected
    closed = await ws.receive_output(timeout=3)
    assert closed == {"type": "websocket.close", "code": 4404}
    await ws.wait()

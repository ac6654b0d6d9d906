"""The process hub: ordering by seq, audiences, closing sockets."""

from __future__ import annotations

import asyncio

from realtime.hub import Hub


class FakeSocket:
    def __init__(self, meeting_id=1, user_id=1, manager=False, participant_id=None):
        self.meeting_id = meeting_id
        self.user_id = user_id
        self.is_manager = manager
        self.participant_id = participant_id
        self.got: list[tuple[int | None, str]] = []
        self.kicked: int | None = None
        self.backlog = None
        self.closing = False

    async def base_send(self, message):
        self.got.append((_seq(message["text"]), message["text"]))

    def kick(self, code):
        self.kicked = code


async def _hub(*sockets) -> Hub:
    hub = Hub(asyncio.get_running_loop())
    hub.layer = None  # deliver locally, as with the in-memory layer
    hub.hold = 0.05
    for s in sockets:
        await hub.join(s)
    return hub


def room(seq: int) -> dict:
    return {"k": "room", "m": 1, "s": seq, "f": f"e{seq}"}


def _seq(frame: str) -> int | None:
    return int(frame[1:]) if frame.startswith("e") else None


async def test_frames_from_several_processes_are_delivered_in_seq_order():
    a, b = FakeSocket(user_id=1), FakeSocket(user_id=2)
    hub = await _hub(a, b)
    hub.note_seq(1, 10)
    for seq in (11, 13, 12, 14):
        hub.dispatch(room(seq))
    await asyncio.sleep(0)
    assert [s for s, _ in a.got] == [11, 12, 13, 14]
    assert a.got == b.got


async def test_a_gap_that_does_not_fill_is_released_for_clients_to_resync():
    a = FakeSocket()
    hub = await _hub(a)
    hub.note_seq(1, 1)
    hub.dispatch(room(3))
    await asyncio.sleep(0.01)
    assert a.got == []
    await asyncio.sleep(0.1)
    assert [s for s, _ in a.got] == [3]
    hub.dispatch(room(2))  # late: sent anyway, the client ignores it
    hub.dispatch(room(4))
    await asyncio.sleep(0)
    assert [s for s, _ in a.got] == [3, 2, 4]


async def test_frames_wait_in_the_backlog_while_the_state_is_read():
    a = FakeSocket()
    hub = await _hub(a)
    a.backlog = []
    hub.dispatch(room(1))
    await asyncio.sleep(0)
    assert a.got == [] and [s for s, _ in a.backlog] == [1]


async def test_signals_private_messages_and_kicks_reach_only_their_audience():
    chair = FakeSocket(user_id=1, manager=True, participant_id=11)
    phone = FakeSocket(user_id=2, participant_id=12)
    tablet = FakeSocket(user_id=2, participant_id=12)
    other_room = FakeSocket(meeting_id=2, user_id=2, participant_id=99)
    hub = await _hub(chair, phone, tablet, other_room)
    hub.dispatch({"k": "signal", "m": 1, "a": "managers", "f": "presence"})
    hub.dispatch({"k": "private", "m": 1, "u": 2, "f": "mine"})
    await asyncio.sleep(0)
    assert chair.got == [(None, "presence")]
    assert phone.got == tablet.got == [(None, "mine")]
    assert other_room.got == []
    # To several users at once, in one room: the same frame, once per socket.
    hub.dispatch({"k": "private", "m": 1, "u": [1, 2, 7], "f": "readers"})
    await asyncio.sleep(0)
    assert chair.got[-1] == phone.got[-1] == tablet.got[-1] == (None, "readers")
    assert len(phone.got) == 2 and other_room.got == []
    hub.dispatch({"k": "kick", "m": 1, "p": [12], "c": 4403})
    assert (phone.kicked, tablet.kicked, chair.kicked, other_room.kicked) == (
        4403,
        4403,
        None,
        None,
    )
    hub.dispatch({"k": "kick", "m": None, "u": 2, "c": 4401})
    assert other_room.kicked == 4401


async def test_leaving_forgets_rooms_and_users():
    a = FakeSocket()
    hub = await _hub(a)
    await hub.leave(a)
    assert hub.rooms == {} and hub.users == {}
    hub.dispatch(room(1))
    await asyncio.sleep(0)
    assert a.got == []


async def test_snapshot_signals_keep_the_latest_and_slow_down_in_a_large_room(
    settings,
):
    """The first vote progress goes at once; those within the interval are
    replaced by the next, and only the latest arrives when it ends. The
    interval grows with the room: never more than the set number of frames a
    second."""
    settings.ROOM_COALESCE_SECONDS = 0.05
    settings.ROOM_SNAPSHOT_FRAMES_PER_SECOND = 20  # 4 sockets: one per 0.2 s
    sockets = [FakeSocket(user_id=n) for n in range(1, 5)]
    hub = await _hub(*sockets)

    def progress(n):
        return {"k": "signal", "m": 1, "a": "all", "c": "vote:7", "f": f"p{n}"}

    hub.dispatch(progress(1))
    hub.dispatch(progress(2))
    hub.dispatch(progress(3))
    await asyncio.sleep(0.1)
    assert [f for _s, f in sockets[0].got] == ["p1"]  # p2, p3 held; 0.2 s apart
    await asyncio.sleep(0.2)
    assert all([f for _s, f in s.got] == ["p1", "p3"] for s in sockets)
    # Another key (another vote) has its own interval.
    hub.dispatch({**progress(9), "c": "vote:8"})
    await asyncio.sleep(0)
    assert sockets[0].got[-1] == (None, "p9")


async def test_a_re_seat_event_carries_its_kick_and_counts_as_a_re_seat():
    removed = FakeSocket(user_id=5, participant_id=50)
    other = FakeSocket(user_id=6, participant_id=60)
    hub = await _hub(removed, other)
    hub.note_seq(1, 1)
    assert hub.seat_version(1) == 0
    hub.dispatch({**room(2), "x": {"p": [50], "c": 4403}})
    await asyncio.sleep(0)
    assert (removed.kicked, other.kicked) == (4403, None)
    assert hub.seat_version(1) == 1
    assert other.got == [(2, "e2")]


async def test_bell_sockets_get_their_user_s_frames_and_close_on_sign_out():
    class FakeBell:
        backlog = None
        closing = False

        def __init__(self, user_id):
            self.user_id = user_id
            self.got: list[str] = []
            self.kicked = None

        async def base_send(self, message):
            self.got.append(message["text"])

        def kick(self, code):
            self.kicked = code

    mine, theirs = FakeBell(1), FakeBell(2)
    tablet = FakeSocket(user_id=1)
    hub = await _hub(tablet)
    await hub.join_bell(mine)
    await hub.join_bell(theirs)
    assert hub.users == {1: 2, 2: 1}
    hub.dispatch({"k": "bell", "u": 1, "f": "count"})
    await asyncio.sleep(0)
    assert (mine.got, theirs.got, tablet.got) == (["count"], [], [])
    hub.dispatch({"k": "kick", "m": None, "u": 1, "c": 4401})
    assert (mine.kicked, tablet.kicked, theirs.kicked) == (4401, 4401, None)
    await hub.leave_bell(theirs)
    assert 2 not in hub.users and 2 not in hub.bells

"""A reference client in Python: applies room events to a room.state the way
static/js/room-socket.js does, so a test can compare it with the server's."""

from __future__ import annotations

import copy

#: Events after which the client asks for a fresh state (documented in
#: docs/protocol.md): they change things the events do not carry in full.
RESYNC = {"participants.changed", "meeting.updated", "agenda.changed"}


class RoomModel:
    def __init__(self, state: dict) -> None:
        self.state = copy.deepcopy(state)
        self.needs_sync = False

    @property
    def seq(self) -> int:
        return self.state["seq"]

    def apply(self, event: dict) -> None:
        """Apply one event; a gap or an unknown event marks the model stale."""
        seq = event.get("seq")
        if seq is not None:
            if seq <= self.seq:
                return
            if seq != self.seq + 1:
                self.needs_sync = True
                return
            self.state["seq"] = seq
        handler = getattr(self, "_" + event["type"].replace(".", "_"), None)
        if handler is None:
            if event["type"] in RESYNC:
                self.needs_sync = True
            return
        handler(event)

    def _vote(self, vote_id: int) -> dict | None:
        return next((v for v in self.state["votes"] if v["id"] == vote_id), None)

    def _meeting_status(self, e: dict) -> None:
        self.state["meeting"]["status"] = e["status"]
        if e["status"] != "in_progress":
            self.state["current_item"] = None
            self.state["presentation"] = None

    def _agenda_current(self, e: dict) -> None:
        self.state["current_item"] = e["item"]
        by_id = {i["id"]: i for i in self.state["agenda"]}
        for change in e["items"]:
            by_id[change["id"]].update(change)
        self.state["presentation"] = e["presentation"]

    def _present_page(self, e: dict) -> None:
        self.state["presentation"] = e["presentation"]

    def _present_stop(self, e: dict) -> None:
        self.state["presentation"] = None

    def _present_assign(self, e: dict) -> None:
        self.state["presenter"] = e["presenter"]

    def _speakers(self, e: dict) -> None:
        self.state["speakers"] = e["speakers"]

    def _attendance_changed(self, e: dict) -> None:
        for p in self.state["participants"]:
            if p["id"] == e["participant"]:
                p["attendance"] = e["attendance"]
                if p["user"] == self.state["me"]["user"]:
                    self.state["me"]["attendance"] = e["attendance"]
        q = e["quorum"]
        self.state["quorum"] = {k: q[k] for k in ("members", "required", "present")}

    def _vote_prepared(self, e: dict) -> None:
        if self._vote(e["vote"]["id"]) is None:
            self.state["votes"].append(e["vote"])

    def _vote_opened(self, e: dict) -> None:
        vote = self._vote(e["vote"]["id"])
        if vote is None:
            self.state["votes"].append(e["vote"])
        else:
            vote.clear()
            vote.update(e["vote"])

    _vote_closed = _vote_opened

    def _vote_progress(self, e: dict) -> None:
        vote = self._vote(e["vote"])
        if vote is not None and vote["status"] == "open":
            vote["cast"] = e["cast"]
            if "counts" in e:
                vote["counts"] = e["counts"]

    def _vote_voted(self, e: dict) -> None:
        self.state["my_votes"].setdefault(str(e["vote"]), None)


def comparable(state: dict) -> dict:
    """What must agree between a client and the server (not clocks)."""
    keep = (
        "seq",
        "meeting",
        "agenda",
        "current_item",
        "presenter",
        "presentation",
        "speakers",
        "votes",
        "participants",
        "quorum",
        "me",
    )
    return {k: state[k] for k in keep}

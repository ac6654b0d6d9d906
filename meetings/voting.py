"""Votes: prepare, open, cast, close; results by the body's rule; receipts.

The rules (Law on the Organisation of Local Government) live in
:mod:`accounts.rules`: a vote opens only with a quorum present; a decision
passes when those in favour are more than half of **all** members of the body
(frozen on the vote when it opens), or at least two thirds when that threshold
is set; in a UBND, when the numbers for and against are equal, the side the
Chairman voted decides (an open vote; a secret one cannot know it and does not
pass). Only current members of the body with a voting seat cast ballots.

One ballot per voter under any concurrency: :class:`VoteCast` is unique per
vote and voter in the database, and casting holds a lock on the vote row (a
share lock on PostgreSQL so ballots are cast in parallel, an exclusive one
elsewhere); closing takes the exclusive lock, so it waits for ballots being
cast and no ballot lands after the close. Ballots arriving together (a vote
storm) are cast in batches, one transaction each (:func:`do_cast_many`), every
cast answered on its own.

Secret votes: who voted (``VoteCast``) and what was chosen (``Ballot``: random
UUID, option, random receipt) are never linked, not even by the transaction
that wrote them: while the vote is open its ballots are stored only sealed to
the vote's public key (:mod:`meetings.ballot_seal`, ``SealedBallot``); the
close opens them with the private key (a file outside the database), writes
every ballot in random order in one transaction and destroys the key. A
secret vote's result states what the vote-counting record
of Resolution 31/2023/UBTVQH15 states: members entitled, ballots issued (the
members present with a right to vote), returned (cast), counts per option.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import rules
from accounts.actions import record_audit, record_refusal
from accounts.models import VOTING_POSITIONS, Membership, Position, User
from accounts.queries import member_count
from meetings import ballot_box, ballot_seal, events, queries
from meetings.models import (
    AgendaItem,
    Attendance,
    Meeting,
    MeetingStatus,
    Participant,
    Role,
)
from meetings.room import int_field as _int
from meetings.room_models import (
    Ballot,
    SealedBallot,
    Vote,
    VoteCast,
    VoteKind,
    VoteStatus,
    VoteThreshold,
)
from nghisu.errors import ActionError, NotFound

DEFAULT_OPTIONS = [
    ("yes", gettext_lazy("Tán thành")),
    ("no", gettext_lazy("Không tán thành")),
    ("abstain", gettext_lazy("Không biểu quyết")),
]
MAX_OPTIONS = 10
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32


def new_receipt() -> str:
    """A random receipt code like ``7KQ2M-X9D4A`` (50 random bits)."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _lock_meeting(meeting_id: int) -> Meeting:
    try:
        return (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("body")
            .get(pk=meeting_id)
        )
    except Meeting.DoesNotExist:
        raise NotFound() from None


def _lock_vote(vote_id: int, *, shared: bool = False) -> Vote | None:
    """Lock the vote row: FOR SHARE on PostgreSQL when ``shared``, else FOR UPDATE."""
    if shared and connection.vendor == "postgresql":
        table = connection.ops.quote_name(Vote._meta.db_table)
        rows = list(
            Vote.objects.raw(
                f"SELECT * FROM {table} WHERE id = %s FOR SHARE",  # noqa: S608
                [vote_id],
            )
        )
        return rows[0] if rows else None
    return Vote.objects.select_for_update().filter(pk=vote_id).first()


def _not_found() -> ActionError:
    return ActionError(_("Không tìm thấy cuộc biểu quyết này."), code="not_found")


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def vote_dict(
    vote: Vote, *, cast: int | None = None, counts: dict[str, int] | None = None
) -> dict[str, Any]:
    """A vote as the room sees it. Live counts only for open (named) votes."""
    data: dict[str, Any] = {
        "id": vote.pk,
        "item": vote.item_id,
        "question": vote.question,
        "kind": vote.kind,
        "options": vote.options,
        "threshold": vote.threshold,
        "allow_change": vote.allow_change,
        "status": vote.status,
        "opened_at": _iso(vote.opened_at),
        "closed_at": _iso(vote.closed_at),
    }
    if vote.status == VoteStatus.OPEN:
        data["cast"] = cast or 0
        if not vote.is_secret:
            data["counts"] = {k: (counts or {}).get(k, 0) for k in vote.option_keys()}
    if vote.status == VoteStatus.CLOSED and vote.result is not None:
        data["result"] = public_result(vote.result)
    return data


#: The parts of a stored result that grow with the number of voters: screens
#: fetch them over HTTP (:func:`result_lists`) when they show them.
LIST_KEYS = ("receipts", "voters")


def public_result(result: dict[str, Any]) -> dict[str, Any]:
    """A stored result without its lists: what the room is sent."""
    return {k: v for k, v in result.items() if k not in LIST_KEYS}


def result_lists(vote: Vote) -> dict[str, Any]:
    """The lists of a closed vote's frozen result: every receipt code counted
    and, for an open vote, every voter's name and choice. No query."""
    result = vote.result or {}
    lists: dict[str, Any] = {"vote": vote.pk, "kind": vote.kind}
    lists["receipts"] = result.get("receipts", [])
    if not vote.is_secret:
        lists["voters"] = result.get("voters", [])
    return lists


def _live_counts(vote: Vote) -> tuple[int, dict[str, int] | None]:
    cast = VoteCast.objects.filter(vote=vote).count()
    if vote.is_secret:
        return cast, None
    counts = dict(
        Ballot.objects.filter(vote=vote)
        .values_list("option")
        .annotate(n=Count("id"))
        .values_list("option", "n")
    )
    return cast, counts


def votes_list(meeting: Meeting) -> list[dict[str, Any]]:
    """The meeting's votes as the room sees them: one query, two more while a
    vote is open (its live counts)."""
    out = []
    for vote in Vote.objects.filter(meeting=meeting).order_by("created_at", "id"):
        if vote.status == VoteStatus.OPEN:
            cast, counts = _live_counts(vote)
            out.append(vote_dict(vote, cast=cast, counts=counts))
        else:
            out.append(vote_dict(vote))
    return out


def my_votes(meeting: Meeting, user: User) -> dict[str, str | None]:
    """The votes ``user`` has cast, by vote id: the option for open votes,
    ``None`` for secret ones (the server does not know it). One query."""
    return {
        str(vote_id): option or None
        for vote_id, option in VoteCast.objects.filter(
            vote__meeting=meeting, voter=user
        ).values_list("vote_id", "option")
    }


def votes_state(meeting: Meeting, user: User) -> dict[str, Any]:
    """The meeting's votes and the user's own casts: at most four queries."""
    return {"votes": votes_list(meeting), "my_votes": my_votes(meeting, user)}


# ---------------------------------------------------------------------------
# prepare
# ---------------------------------------------------------------------------
def _clean_spec(data: dict[str, Any]) -> dict[str, Any]:
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
    item_id = _int(data, "item", required=False)
    return {
        "question": question.strip(),
        "kind": kind,
        "threshold": threshold,
        "allow_change": allow_change,
        "labels": [x.strip() for x in labels] if labels else None,
        "item_id": item_id,
    }


def check_prepare(actor: User, meeting_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """``vote.prepare``: ``{"question", "item"?, "kind"?, "options"?,
    "threshold"?, "allow_change"?}``."""
    return do_prepare(actor, meeting_id, **_clean_spec(data))


def do_prepare(
    actor: User,
    meeting_id: int,
    *,
    question: str,
    kind: str = VoteKind.OPEN,
    threshold: str = VoteThreshold.MAJORITY,
    allow_change: bool = False,
    labels: list[str] | None = None,
    item_id: int | None = None,
) -> dict[str, Any]:
    """Prepare a vote on an item (the current item when none is given).

    The chair or a secretary, before the meeting closes. A secret ballot can
    never be changed once cast. Audits ``vote.prepare``; event ``vote.prepared``.
    """
    with transaction.atomic():
        meeting = _lock_meeting(meeting_id)
        vote = _create(
            actor, meeting, question, kind, threshold, allow_change, labels, item_id
        )
        events.publish(meeting.pk, {"type": "vote.prepared", "vote": vote_dict(vote)})
    return {"vote": vote.pk}


def _create(
    actor: User,
    meeting: Meeting,
    question: str,
    kind: str,
    threshold: str,
    allow_change: bool,
    labels: list[str] | None,
    item_id: int | None,
) -> Vote:
    viewer = queries.viewer_for(actor, meeting)
    if not (viewer.manage or viewer.preside):
        raise ActionError(
            _("Chỉ chủ tọa hoặc thư ký mới chuẩn bị được biểu quyết."),
            code="forbidden",
        )
    if meeting.status not in (MeetingStatus.PUBLISHED, MeetingStatus.IN_PROGRESS):
        raise ActionError(
            _("Chỉ chuẩn bị biểu quyết cho cuộc họp chưa kết thúc."),
            code="bad_status",
        )
    if kind == VoteKind.SECRET and allow_change:
        raise ActionError(
            _("Phiếu kín đã bỏ thì không thể đổi, như phiếu giấy."), code="bad_field"
        )
    item_id = item_id if item_id is not None else meeting.current_item_id
    if (
        item_id is None
        or not AgendaItem.objects.filter(pk=item_id, meeting=meeting).exists()
    ):
        raise ActionError(
            _("Hãy chọn một nội dung trong chương trình để biểu quyết."),
            code="no_item",
        )
    if labels:
        options = [
            {"key": f"o{i}", "label": label} for i, label in enumerate(labels, 1)
        ]
    else:
        options = [{"key": key, "label": str(label)} for key, label in DEFAULT_OPTIONS]
    vote = Vote.objects.create(
        meeting=meeting,
        item_id=item_id,
        question=question,
        kind=kind,
        threshold=threshold,
        allow_change=allow_change,
        options=options,
        created_by=actor,
    )
    record_audit(actor, "vote.prepare", vote, question=question, kind=kind)
    return vote


# ---------------------------------------------------------------------------
# open
# ---------------------------------------------------------------------------
def check_open(actor: User, meeting_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """``vote.open``: ``{"vote": id}``, or a new vote's fields to create and
    open it on the spot."""
    if "vote" in data:
        return do_open(actor, meeting_id, vote_id=_int(data, "vote"))
    spec = _clean_spec(data)
    with transaction.atomic():
        meeting = _lock_meeting(meeting_id)
        _require_preside(actor, meeting)
        vote = _create(
            actor,
            meeting,
            spec["question"],
            spec["kind"],
            spec["threshold"],
            spec["allow_change"],
            spec["labels"],
            spec["item_id"],
        )
        return do_open(actor, meeting_id, vote_id=vote.pk)


def _require_preside(actor: User, meeting: Meeting) -> None:
    viewer = queries.viewer_for(actor, meeting)
    if not viewer.preside:
        raise ActionError(
            _("Chỉ chủ tọa mới mở và kết thúc biểu quyết."), code="forbidden"
        )


def do_open(actor: User, meeting_id: int, *, vote_id: int) -> dict[str, Any]:
    """Open a prepared vote (the presiding chair, meeting in progress).

    One open vote per meeting (a database constraint backs the check). Locks
    the meeting, then the vote. A secret vote gets its key pair: the public
    key on the vote, the private key written (before the commit) to a file in
    ``VOTE_KEY_DIR``. Audits ``vote.open``; event ``vote.opened``. Opening a
    vote already open changes nothing.
    """
    with transaction.atomic():
        meeting = _lock_meeting(meeting_id)
        _require_preside(actor, meeting)
        vote = _lock_vote(vote_id)
        if vote is None or vote.meeting_id != meeting.pk:
            raise _not_found()
        if vote.status == VoteStatus.OPEN:
            return {"vote": vote.pk}
        if vote.status == VoteStatus.CLOSED:
            raise ActionError(_("Cuộc biểu quyết này đã kết thúc."), code="vote_closed")
        if meeting.status != MeetingStatus.IN_PROGRESS:
            raise ActionError(
                _("Chỉ mở biểu quyết khi cuộc họp đang diễn ra."), code="bad_status"
            )
        if Vote.objects.filter(meeting=meeting, status=VoteStatus.OPEN).exists():
            raise ActionError(
                _("Đang có một cuộc biểu quyết khác; hãy kết thúc nó trước."),
                code="vote_busy",
            )
        quorum = queries.quorum(meeting)
        if not quorum.reached:
            raise ActionError(
                rules.quorum_message(quorum.present, quorum.members, quorum.required),
                code="no_quorum",
            )
        vote.status = VoteStatus.OPEN
        vote.opened_at = timezone.now()
        vote.opened_by = actor
        if vote.is_secret:
            vote.seal_key = ballot_box.new_key(vote)
        vote.members = quorum.members
        vote.present_at_open = quorum.present
        vote.quorum_required = quorum.required
        vote.save(
            update_fields=[
                "status",
                "opened_at",
                "opened_by",
                "seal_key",
                "members",
                "present_at_open",
                "quorum_required",
            ]
        )
        record_audit(
            actor,
            "vote.open",
            vote,
            members=quorum.members,
            present=quorum.present,
            quorum=quorum.required,
        )
        events.publish(meeting.pk, {"type": "vote.opened", "vote": vote_dict(vote)})
    return {"vote": vote.pk}


# ---------------------------------------------------------------------------
# cast
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CastRequest:
    """One ``vote.cast``: who casts which option, and the command's id."""

    voter: User
    option: str
    client_id: str = ""


def _clean_cast(data: dict[str, Any]) -> tuple[int, str]:
    vote_id = _int(data, "vote")
    option = data.get("option")
    if not isinstance(option, str) or len(option) > 32:
        raise ActionError(_("Lựa chọn không hợp lệ."), code="bad_option")
    return vote_id, option


def check_cast(
    actor: User, meeting_id: int, data: dict[str, Any], *, client_id: str = ""
) -> dict[str, Any]:
    """``vote.cast``: ``{"vote": id, "option": key}``."""
    vote_id, option = _clean_cast(data)
    return do_cast(
        actor, meeting_id, vote_id=vote_id, option=option, client_id=client_id
    )


def check_cast_many(
    meeting_id: int, commands: list[tuple[User, dict[str, Any], str]]
) -> list[dict[str, Any] | ActionError]:
    """Many ``vote.cast`` commands ``(actor, data, client_id)`` of one meeting.

    Returns one outcome per command, in order: the answer of
    :func:`check_cast`, or the :class:`ActionError` it would raise. Valid
    commands are cast with :func:`do_cast_many`, one transaction per vote.
    """
    outcomes: list[dict[str, Any] | ActionError | None] = [None] * len(commands)
    by_vote: dict[int, list[int]] = {}
    for n, (_actor, data, _client_id) in enumerate(commands):
        try:
            vote_id, _option = _clean_cast(data)
        except ActionError as exc:
            outcomes[n] = exc
        else:
            by_vote.setdefault(vote_id, []).append(n)
    for vote_id, indexes in by_vote.items():
        casts = [
            CastRequest(commands[n][0], _clean_cast(commands[n][1])[1], commands[n][2])
            for n in indexes
        ]
        answers = do_cast_many(meeting_id, vote_id=vote_id, casts=casts)
        for n, answer in zip(indexes, answers, strict=True):
            outcomes[n] = answer
    return outcomes  # type: ignore[return-value]


def do_cast(
    actor: User, meeting_id: int, *, vote_id: int, option: str, client_id: str = ""
) -> dict[str, Any]:
    """Cast (or, where allowed, change) the actor's ballot: :func:`do_cast_many`
    with one cast, raising its error."""
    (outcome,) = do_cast_many(
        meeting_id,
        vote_id=vote_id,
        casts=[CastRequest(actor, option, client_id)],
    )
    if isinstance(outcome, ActionError):
        raise outcome
    return outcome


def do_cast_many(
    meeting_id: int, *, vote_id: int, casts: list[CastRequest]
) -> list[dict[str, Any] | ActionError]:
    """Cast (or, where allowed, change) the ballots of many voters at once.

    One transaction for the batch, answering each cast on its own (a value,
    or the :class:`ActionError` refusing it; a refusal changes nothing of
    that cast and never stops the others). Only participants with a voting
    right who are checked in, while the vote is open. Holds the vote row lock
    (shared on PostgreSQL, so batches of several processes run in parallel;
    closing takes it exclusively, so a batch is stored whole before the close
    or refused whole after it). New casts are inserted with one ``INSERT … ON
    CONFLICT DO NOTHING`` (the unique constraint on vote and voter makes a
    second ballot impossible; a voter who lost the race to another
    transaction is answered as casting again), their ballots with one bulk
    insert **in random order** (the order of a batch's ballots says nothing
    about the order of its voters); a secret vote's ballots are sealed
    (:func:`meetings.ballot_box.insert`), nothing else depends on the choice. Casts of a voter who has voted (also
    earlier in the same batch) are handled in arrival order: the same command
    re-sent (same ``client_id``) is answered with ``duplicate: true`` and
    changes nothing; another one changes the choice if the vote allows it,
    else is refused with ``already_voted``. Returns the receipt code (never
    stored with the voter of a secret vote). Private event ``vote.voted`` to
    each new voter's sockets; no room event per ballot: the progress signal
    is coalesced to about five a second.
    """
    if not casts:
        return []
    with transaction.atomic():
        vote = _lock_vote(vote_id, shared=True)
        refusal = _cast_refusal(vote, meeting_id)
        if refusal is not None:
            return [refusal] * len(casts)
        outcomes: list[dict[str, Any] | ActionError | None] = [None] * len(casts)
        valid = _check_voters(vote, meeting_id, casts, outcomes)
        voters = {casts[n].voter.pk for n in valid}
        existing = {
            c.voter_id: c
            for c in VoteCast.objects.select_for_update().filter(
                vote=vote, voter_id__in=voters
            )
        }
        fresh: dict[int, int] = {}  # voter id -> the index of their first cast
        again: list[int] = []
        for n in valid:
            uid = casts[n].voter.pk
            if uid in existing or uid in fresh:
                again.append(n)
            else:
                fresh[uid] = n
        new = list(fresh.values())
        receipts = {n: new_receipt() for n in new}
        stored = {
            new[k]: row
            for k, row in _insert_casts(
                vote, [(casts[n], receipts[n]) for n in new]
            ).items()
        }
        ballot_box.insert(
            vote, [(casts[n].option, receipts[n]) for n in new if n in stored]
        )
        for n, cast in stored.items():
            existing[cast.voter_id] = cast
            outcomes[n] = {
                "vote": vote.pk,
                "option": casts[n].option,
                "receipt": receipts[n],
            }
            events.publish_private(
                meeting_id, cast.voter_id, {"type": "vote.voted", "vote": vote.pk}
            )
        lost = [n for n in new if n not in stored]
        if lost:  # another transaction stored these voters' casts first
            existing |= {
                c.voter_id: c
                for c in VoteCast.objects.select_for_update().filter(
                    vote=vote, voter_id__in={casts[n].voter.pk for n in lost}
                )
            }
        changed = bool(stored)
        for n in sorted(again + lost):
            cast = casts[n]
            try:
                outcomes[n], moved = _recast(
                    vote, existing[cast.voter.pk], cast.option, cast.client_id
                )
            except ActionError as exc:
                outcomes[n] = exc
            else:
                changed = changed or moved
        if changed:
            _schedule_progress(vote)
    return outcomes  # type: ignore[return-value]


def _cast_refusal(vote: Vote | None, meeting_id: int) -> ActionError | None:
    """Why no ballot can be cast in this vote now, if so."""
    if vote is None or vote.meeting_id != meeting_id:
        return _not_found()
    if vote.status == VoteStatus.DRAFT:
        return ActionError(_("Cuộc biểu quyết này chưa được mở."), code="vote_not_open")
    if vote.status == VoteStatus.CLOSED:
        return ActionError(_("Cuộc biểu quyết này đã kết thúc."), code="vote_closed")
    if not Meeting.objects.filter(
        pk=meeting_id, status=MeetingStatus.IN_PROGRESS
    ).exists():
        return ActionError(
            _("Chỉ biểu quyết khi cuộc họp đang diễn ra."), code="bad_status"
        )
    return None


def _check_voters(
    vote: Vote,
    meeting_id: int,
    casts: list[CastRequest],
    outcomes: list[dict[str, Any] | ActionError | None],
) -> list[int]:
    """Refuse (in ``outcomes``) bad options and voters without a right or not
    checked in; return the indexes of the others. Two queries.

    The right to vote is a voting seat in the meeting **and** a membership of
    the body in force today: a former member never votes, whatever their seat.
    """
    keys = vote.option_keys()
    members = _current_member_ids(vote, {c.voter.pk for c in casts})
    seats = {
        uid: (right, attendance)
        for uid, right, attendance in Participant.objects.filter(
            meeting_id=meeting_id, user_id__in={c.voter.pk for c in casts}
        ).values_list("user_id", "voting_right", "attendance")
    }
    valid = []
    for n, cast in enumerate(casts):
        seat = seats.get(cast.voter.pk)
        if cast.option not in keys:
            outcomes[n] = ActionError(_("Lựa chọn không hợp lệ."), code="bad_option")
        elif seat is None or not seat[0] or cast.voter.pk not in members:
            outcomes[n] = ActionError(
                _("Bạn không có quyền biểu quyết trong cuộc họp này."),
                code="no_voting_right",
            )
        elif seat[1] != Attendance.PRESENT:
            outcomes[n] = ActionError(
                _("Bạn cần điểm danh trước khi biểu quyết."), code="not_checked_in"
            )
        else:
            valid.append(n)
    return valid


def _current_member_ids(vote: Vote, user_ids: set[int]) -> set[int]:
    """Those of ``user_ids`` holding a membership of the vote's body today."""
    return set(
        Membership.objects.current()
        .filter(
            body__meetings=vote.meeting_id,
            user_id__in=user_ids,
            position__in=VOTING_POSITIONS,
        )
        .values_list("user_id", flat=True)
    )


def _insert_casts(
    vote: Vote, rows: list[tuple[CastRequest, str]]
) -> dict[int, VoteCast]:
    """Insert the casts that do not conflict (one statement); return the
    stored ones by their index in ``rows``."""
    if not rows:
        return {}
    qn = connection.ops.quote_name
    table = qn(VoteCast._meta.db_table)
    columns = ", ".join(
        qn(c)
        for c in ("vote_id", "voter_id", "cast_at", "option", "receipt", "client_id")
    )
    stamp = timezone.now()
    now = connection.ops.adapt_datetimefield_value(stamp)
    params: list[Any] = []
    for cast, receipt in rows:
        params += [
            vote.pk,
            cast.voter.pk,
            now,
            "" if vote.is_secret else cast.option,
            "" if vote.is_secret else receipt,
            cast.client_id[:64],
        ]
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608
            f"ON CONFLICT ({qn('vote_id')}, {qn('voter_id')}) DO NOTHING "
            f"RETURNING {qn('id')}, {qn('voter_id')}",
            params,
        )
        inserted = dict(cursor.fetchall())  # id -> voter id
    index = {cast.voter.pk: n for n, (cast, _receipt) in enumerate(rows)}
    stored = {}
    for pk, voter_id in inserted.items():
        cast, receipt = rows[index[voter_id]]
        stored[index[voter_id]] = VoteCast(
            pk=pk,
            vote=vote,
            voter_id=voter_id,
            cast_at=stamp,
            option="" if vote.is_secret else cast.option,
            receipt="" if vote.is_secret else receipt,
            client_id=cast.client_id[:64],
        )
    return stored


def _recast(
    vote: Vote, existing: VoteCast, option: str, client_id: str
) -> tuple[dict[str, Any], bool]:
    """Answer a cast by a voter who has voted: ``(answer, changed)``."""
    if client_id and existing.client_id == client_id[:64]:
        answer: dict[str, Any] = {"vote": vote.pk, "duplicate": True}
        if not vote.is_secret:
            answer |= {"option": existing.option, "receipt": existing.receipt}
        return answer, False
    if not vote.allow_change:
        raise ActionError(
            _("Bạn đã biểu quyết; cuộc biểu quyết này không cho đổi lựa chọn."),
            code="already_voted",
        )
    changed = existing.option != option
    if changed:
        Ballot.objects.filter(vote=vote, receipt=existing.receipt).update(option=option)
        existing.option = option
        existing.client_id = client_id[:64]
        existing.save(update_fields=["option", "client_id"])
    return {"vote": vote.pk, "option": option, "receipt": existing.receipt}, changed


def _schedule_progress(vote: Vote) -> None:
    meeting_id, vote_id = vote.meeting_id, vote.pk
    events.coalesce(f"vote:{vote_id}", lambda: send_progress(meeting_id, vote_id))


def send_progress(meeting_id: int, vote_id: int) -> None:
    """Send the vote's live counts to the room (signal ``vote.progress``)."""
    vote = Vote.objects.filter(pk=vote_id).first()
    if vote is None or vote.status != VoteStatus.OPEN:
        return
    cast, counts = _live_counts(vote)
    event: dict[str, Any] = {
        "type": "vote.progress",
        "vote": vote_id,
        "cast": cast,
        "at": time.time(),
    }
    if counts is not None:
        event["counts"] = {k: counts.get(k, 0) for k in vote.option_keys()}
    events.send_signal(meeting_id, event, snapshot=f"vote.progress:{vote_id}")


# ---------------------------------------------------------------------------
# close and count
# ---------------------------------------------------------------------------
def check_close(actor: User, meeting_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """``vote.close``: ``{"vote": id}``."""
    return do_close(actor, meeting_id, vote_id=_int(data, "vote"))


def do_close(actor: User, meeting_id: int, *, vote_id: int) -> dict[str, Any]:
    """Close an open vote and freeze its result (the presiding chair).

    Locks the meeting, then the vote exclusively (waiting for ballots being
    cast, and for a racing close, which then finds it closed). A secret vote's
    sealed ballots are opened with its private key and written as ballots in
    random order (:func:`meetings.ballot_box.unseal`); after the commit the key file is
    destroyed. Without its key file a secret vote is not closed: refused with
    ``ballot_key_missing``, no result recorded, the refusal audited
    (``vote.close_refused``). Audits ``vote.close``; event ``vote.closed``
    with the result without its lists (receipt codes, names;
    :func:`result_lists`), which the answer leaves out too. Closing a closed
    vote returns its result and changes nothing.
    """
    try:
        return _close(actor, meeting_id, vote_id)
    except ActionError as exc:
        record_refusal(exc)
        raise


def _close(actor: User, meeting_id: int, vote_id: int) -> dict[str, Any]:
    with transaction.atomic():
        meeting = _lock_meeting(meeting_id)
        _require_preside(actor, meeting)
        vote = _lock_vote(vote_id)
        if vote is None or vote.meeting_id != meeting.pk:
            raise _not_found()
        if vote.status == VoteStatus.CLOSED:
            return {"vote": vote.pk, "result": public_result(vote.result or {})}
        if vote.status != VoteStatus.OPEN:
            raise ActionError(
                _("Cuộc biểu quyết này chưa được mở."), code="vote_not_open"
            )
        if vote.is_secret:
            ballot_box.unseal(actor, vote)
        vote.result = compute_result(vote, meeting=meeting)
        vote.status = VoteStatus.CLOSED
        vote.closed_at = timezone.now()
        vote.closed_by = actor
        vote.save(
            update_fields=["status", "closed_at", "closed_by", "result", "seal_key"]
        )
        record_audit(
            actor,
            "vote.close",
            vote,
            passed=vote.result["passed"],
            counts=vote.result["counts"],
        )
        events.publish(meeting.pk, {"type": "vote.closed", "vote": vote_dict(vote)})
    return {"vote": vote.pk, "result": public_result(vote.result)}


def _chair_ids(meeting: Meeting) -> set[int]:
    ids = set(
        Membership.objects.filter(body_id=meeting.body_id, position=Position.CHAIR)
        .current()
        .values_list("user_id", flat=True)
    )
    if not ids:
        ids = set(
            Participant.objects.filter(meeting=meeting, role=Role.CHAIR).values_list(
                "user_id", flat=True
            )
        )
    return ids


def _chair_side(vote: Vote, meeting: Meeting, keys: list[str]) -> str:
    """How the chair voted, for a tie (:mod:`accounts.rules`); unknown in a
    secret ballot."""
    if vote.is_secret:
        return rules.CHAIR_UNKNOWN
    options = set(
        VoteCast.objects.filter(
            vote=vote, voter_id__in=_chair_ids(meeting)
        ).values_list("option", flat=True)
    )
    if not options:
        return rules.CHAIR_NOT_VOTING
    if keys and keys[0] in options:
        return rules.CHAIR_FOR
    if len(keys) > 1 and keys[1] in options:
        return rules.CHAIR_AGAINST
    return rules.CHAIR_ABSTAINED


def compute_result(vote: Vote, *, meeting: Meeting | None = None) -> dict[str, Any]:
    """Count the stored ballots and apply the body's rule (a few queries).

    ``members`` is the body's total frozen when the vote opened (today's for a
    vote opened before it was stored); ``issued`` the members present with a
    voting seat; the first option is in favour, the second against.
    """
    meeting = meeting or vote.meeting
    body = meeting.body
    keys = vote.option_keys()
    tally = dict(
        Ballot.objects.filter(vote=vote)
        .values_list("option")
        .annotate(n=Count("id"))
        .values_list("option", "n")
    )
    counts = {k: tally.get(k, 0) for k in keys}
    returned = VoteCast.objects.filter(vote=vote).count()
    issued = Participant.objects.filter(
        meeting=meeting,
        voting_right=True,
        attendance=Attendance.PRESENT,
        user_id__in=Membership.objects.current()
        .filter(body=body, position__in=VOTING_POSITIONS)
        .values("user_id"),
    ).count()
    members = vote.members if vote.members is not None else member_count(body)
    in_favour = counts.get(keys[0], 0) if keys else 0
    against = counts.get(keys[1], 0) if len(keys) > 1 else 0
    chair = rules.CHAIR_NOT_VOTING
    if in_favour and in_favour == against:
        chair = _chair_side(vote, meeting, keys)
    decision = rules.decide(
        body,
        members=members,
        in_favour=in_favour,
        against=against,
        threshold=vote.threshold,
        chair=chair,
    )
    result: dict[str, Any] = {
        **decision.as_dict(),
        "entitled": members,
        "issued": issued,
        "returned": returned,
        "valid": sum(tally.values()),
        "counts": counts,
        "threshold": vote.threshold,
        "present": vote.present_at_open,
        "quorum": vote.quorum_required,
        "receipts": sorted(
            Ballot.objects.filter(vote=vote).values_list("receipt", flat=True)
        ),
    }
    if not vote.is_secret:
        result["voters"] = [
            {"user": uid, "name": full_name or username, "option": option}
            for uid, full_name, username, option in VoteCast.objects.filter(vote=vote)
            .order_by("voter__sort_key", "voter__username")
            .values_list("voter_id", "voter__full_name", "voter__username", "option")
        ]
    return result


def discard_round(vote_id: int, *, reason: str) -> dict[str, Any]:
    """Discard an open vote's round, uncounted, and return it to draft: for an
    administrator when it cannot be closed (a secret vote whose key file is
    lost). ``manage.py discard_vote``; never from the room.

    Deletes its casts and ballots (sealed or not), forgets its key and
    destroys the key file after the commit; the chair may open it again, a
    new round with a new key. Audits ``vote.discard`` with the reason and the
    number of casts discarded; event ``vote.opened`` with the vote in draft
    (the room replaces the vote it knows).
    """
    reason = reason.strip()
    if not reason:
        raise ActionError(_("Hãy ghi lý do hủy lượt biểu quyết."), code="bad_field")
    with transaction.atomic():
        vote = _lock_vote(vote_id)
        if vote is None:
            raise _not_found()
        if vote.status != VoteStatus.OPEN:
            raise ActionError(
                _("Chỉ hủy được lượt biểu quyết đang mở."), code="vote_not_open"
            )
        casts, _n = VoteCast.objects.filter(vote=vote).delete()
        Ballot.objects.filter(vote=vote).delete()
        SealedBallot.objects.filter(vote=vote).delete()
        vote.status = VoteStatus.DRAFT
        vote.opened_at = vote.opened_by = vote.seal_key = None
        vote.save(update_fields=["status", "opened_at", "opened_by", "seal_key"])
        record_audit(None, "vote.discard", vote, reason=reason, casts=casts)
        transaction.on_commit(lambda: ballot_seal.destroy_key(vote_id))
        events.publish(
            vote.meeting_id, {"type": "vote.opened", "vote": vote_dict(vote)}
        )
    return {"vote": vote.pk, "discarded": casts}


def recount(vote: Vote) -> dict[str, Any]:
    """Recompute a closed vote's result from its stored ballots.

    Returns ``{"stored": ..., "recomputed": ..., "match": bool}``; compares
    counts, returned ballots, the decision and (open votes) the named choices
    against the ballots. Changes nothing.
    """
    fresh = compute_result(vote)
    stored = vote.result or {}
    keys = ("counts", "returned", "valid", "passed", "receipts")
    match = all(stored.get(k) == fresh.get(k) for k in keys)
    if not vote.is_secret:
        named: dict[str, int] = {}
        for row in fresh.get("voters", []):
            named[row["option"]] = named.get(row["option"], 0) + 1
        match = match and all(named.get(k, 0) == n for k, n in fresh["counts"].items())
    match = match and fresh["returned"] == fresh["valid"]
    return {"stored": stored, "recomputed": fresh, "match": match}


def results_for_minutes(meeting: Meeting) -> list[dict[str, Any]]:
    """Closed votes of the meeting, in order, for the minutes: one query.

    Each: ``vote``, ``item`` (id), ``item_title``, ``question``, ``kind``
    (open/secret), ``kind_label``, ``threshold``, ``options`` (``{key,
    label}``), ``counts`` (per option key), ``counts_labelled`` (``[{label,
    count}]``), ``members``, ``entitled``, ``issued``, ``returned``,
    ``present`` and ``quorum`` (when it opened), ``required``, ``passed``,
    ``tie``, ``tie_break``, ``closed_at`` (ISO) and, for open votes,
    ``voters`` (``[{user, name, option, option_label}]``).
    """
    out = []
    for vote in (
        Vote.objects.filter(meeting=meeting, status=VoteStatus.CLOSED)
        .select_related("item")
        .order_by("closed_at", "id")
    ):
        result = vote.result or {}
        labels = {o["key"]: o["label"] for o in vote.options}
        row = {
            "vote": vote.pk,
            "item": vote.item_id,
            "item_title": vote.item.title if vote.item else "",
            "question": vote.question,
            "kind": vote.kind,
            "kind_label": str(vote.get_kind_display()),
            "threshold": vote.threshold,
            "options": vote.options,
            "counts": result.get("counts", {}),
            "counts_labelled": [
                {"label": labels[k], "count": result.get("counts", {}).get(k, 0)}
                for k in vote.option_keys()
            ],
            "members": result.get("members"),
            "entitled": result.get("entitled"),
            "issued": result.get("issued"),
            "returned": result.get("returned"),
            "present": result.get("present"),
            "quorum": result.get("quorum"),
            "required": result.get("required"),
            "passed": result.get("passed"),
            "tie": result.get("tie"),
            "tie_break": result.get("tie_break"),
            "closed_at": _iso(vote.closed_at),
        }
        if not vote.is_secret:
            row["voters"] = [
                {**v, "option_label": labels.get(v["option"], v["option"])}
                for v in result.get("voters", [])
            ]
        out.append(row)
    return out


def access_vote(user: User, vote_id: object) -> Vote:
    """A vote of a meeting the user may see, or ``NotFound``."""
    try:
        vote = Vote.objects.select_related("meeting", "item").get(pk=int(vote_id))
    except (Vote.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    vote.meeting = queries.access_meeting(user, vote.meeting_id)
    return vote


def _percent(n: int, of: int) -> str:
    return f"{n * 100 / of:.2f}%".replace(".", ",") if of else "—"


def _quorum_text(result: dict[str, Any]) -> str:
    """The quorum when the vote opened, as the record states it."""
    if result.get("present") is None:
        return _("Tổng số thành viên: %(members)s.") % {"members": result["members"]}
    return _(
        "Khi mở biểu quyết có mặt %(present)s/%(members)s thành viên; số thành "
        "viên cần có mặt để tiến hành họp: %(quorum)s."
    ) % {
        "present": result["present"],
        "members": result["members"],
        "quorum": result["quorum"],
    }


def _secretary_name(meeting: Meeting) -> str:
    """The meeting's secretary (its participant in that role, else the body's
    current secretary): one or two queries."""
    row = (
        Participant.objects.filter(meeting=meeting, role=Role.SECRETARY)
        .select_related("user")
        .order_by("id")
        .first()
    )
    if row is None:
        row = (
            Membership.objects.filter(
                body_id=meeting.body_id, position=Position.SECRETARY
            )
            .current()
            .select_related("user")
            .order_by("start_date", "id")
            .first()
        )
    return str(row.user) if row is not None else ""


def counting_record_spec(vote: Vote) -> dict[str, Any]:
    """The vote-counting record (biên bản kiểm phiếu) of a closed vote, as a
    :mod:`documents.pdf.record` spec: what Resolution 31/2023/UBTVQH15's record
    states (members entitled, ballots issued, returned, valid, counts per
    option), the decision by the body's rule, and the names (open votes) or
    the receipt codes counted (secret votes)."""
    meeting = Meeting.objects.select_related("body", "body__unit").get(
        pk=vote.meeting_id
    )
    body = meeting.body
    result = vote.result or compute_result(vote, meeting=meeting)
    labels = {o["key"]: o["label"] for o in vote.options}
    members = result["members"]
    closed = timezone.localtime(vote.closed_at or timezone.now())
    rule = (
        _("ít nhất hai phần ba tổng số thành viên")
        if rules.stricter(vote.threshold, rules.rules_for(body).passing)
        == VoteThreshold.TWO_THIRDS
        else _("quá nửa tổng số thành viên")
    )
    verdict = _("THÔNG QUA") if result["passed"] else _("KHÔNG THÔNG QUA")
    blocks: list[dict[str, Any]] = [
        {
            "kind": "paragraph",
            "text": _(
                "Hồi %(time)s ngày %(date)s, tại %(place)s, cuộc họp “%(meeting)s” "
                "tiến hành kiểm phiếu biểu quyết về nội dung: %(question)s "
                "(hình thức: %(kind)s)."
            )
            % {
                "time": closed.strftime("%H giờ %M"),
                "date": closed.strftime("%d/%m/%Y"),
                "place": meeting.place,
                "meeting": meeting.title,
                "question": vote.question,
                "kind": vote.get_kind_display(),
            },
        },
        {"kind": "paragraph", "text": _quorum_text(result)},
        {"kind": "heading", "text": _("I. KẾT QUẢ KIỂM PHIẾU")},
        {
            "kind": "table",
            "columns": [_("Nội dung"), _("Số lượng"), _("Tỷ lệ so với tổng số")],
            "widths": [5, 2, 3],
            "rows": [
                [_("Tổng số thành viên"), str(members), "100%"],
                [
                    _("Số phiếu phát ra (có mặt, có quyền biểu quyết)"),
                    str(result["issued"]),
                    _percent(result["issued"], members),
                ],
                [
                    _("Số phiếu thu vào"),
                    str(result["returned"]),
                    _percent(result["returned"], members),
                ],
                [
                    _("Số phiếu hợp lệ"),
                    str(result["valid"]),
                    _percent(result["valid"], members),
                ],
                *[
                    [labels[k], str(n), _percent(n, members)]
                    for k, n in result["counts"].items()
                ],
            ],
        },
        {
            "kind": "paragraph",
            "text": _(
                "Kết quả: %(verdict)s. Số phiếu tán thành cần có: %(required)s "
                "(%(rule)s); số phiếu tán thành: %(in_favour)s."
            )
            % {
                "verdict": verdict,
                "required": result["required"],
                "rule": rule,
                "in_favour": result["in_favour"],
            },
        },
    ]
    if result.get("tie"):
        blocks.append(
            {
                "kind": "paragraph",
                "text": rules.tie_explanation(
                    result.get("tie_break"),
                    in_favour=result["in_favour"],
                    against=result.get("against", 0),
                ),
            }
        )
    if not vote.is_secret and result.get("voters"):
        blocks += [
            {"kind": "heading", "text": _("II. DANH SÁCH BIỂU QUYẾT")},
            {
                "kind": "table",
                "columns": [_("STT"), _("Họ và tên"), _("Lựa chọn")],
                "widths": [1, 6, 3],
                "rows": [
                    [str(n), v["name"], labels.get(v["option"], v["option"])]
                    for n, v in enumerate(result["voters"], start=1)
                ],
            },
        ]
    else:
        blocks += [
            {"kind": "heading", "text": _("II. MÃ BIÊN NHẬN CÁC PHIẾU ĐÃ KIỂM")},
            {
                "kind": "paragraph",
                "text": _(
                    "Mỗi người bỏ phiếu nhận một mã biên nhận ngẫu nhiên; mã cho "
                    "biết phiếu đã được kiểm, không cho biết lựa chọn."
                ),
            },
            {
                "kind": "table",
                "columns": [_("STT"), _("Mã biên nhận")],
                "widths": [1, 5],
                "rows": [
                    [str(n), code]
                    for n, code in enumerate(result.get("receipts", []), start=1)
                ],
            },
        ]
    closer = User.objects.filter(pk=vote.closed_by_id).first()
    return {
        "issuer": [str(body.get_kind_display()).upper(), body.unit.name.upper()],
        "national_heading": True,
        "place_date": _("Ngày %(d)s tháng %(m)s năm %(y)s")
        % {"d": closed.day, "m": closed.month, "y": closed.year},
        "title": _("BIÊN BẢN KIỂM PHIẾU"),
        "subtitle": vote.question,
        "blocks": blocks,
        "signatures": [
            {"title": _("THƯ KÝ"), "name": _secretary_name(meeting), "note": ""},
            {"title": _("CHỦ TỌA"), "name": str(closer) if closer else "", "note": ""},
        ],
    }

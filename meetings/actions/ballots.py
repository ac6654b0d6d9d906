"""Casting ballots: one per voter under any concurrency, in batches.

Typed arguments (:class:`CastRequest`); see :mod:`meetings.voting` for the
rules of who votes and how secrecy is kept.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import VOTING_POSITIONS, Membership, User
from meetings import ballot_box, events
from meetings.actions import _room as rs
from meetings.models import (
    Attendance,
    Meeting,
    MeetingStatus,
    Participant,
)
from meetings.room_models import (
    Ballot,
    Vote,
    VoteCast,
    VoteStatus,
)
from meetings.voting import live_counts
from nghisu.errors import ActionError

RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32


def new_receipt() -> str:
    """A random receipt code like ``7KQ2M-X9D4A`` (50 random bits)."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def clean_option(value: object) -> str:
    """An option key as a client sends it (a short string), or refuse it;
    whether the vote has that option is checked when casting."""
    if not isinstance(value, str) or len(value) > 32:
        raise ActionError(_("Lựa chọn không hợp lệ."), code="bad_option")
    return value


@dataclass(frozen=True)
class CastRequest:
    """One ``vote.cast``: who casts which option, and the command's id."""

    voter: User
    option: str
    client_id: str = ""


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
        vote = rs.lock_vote(vote_id, shared=True)
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
        return rs.not_found()
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
    cast, counts = live_counts(vote)
    event: dict[str, Any] = {
        "type": "vote.progress",
        "vote": vote_id,
        "cast": cast,
        "at": time.time(),
    }
    if counts is not None:
        event["counts"] = {k: counts.get(k, 0) for k in vote.option_keys()}
    events.send_signal(meeting_id, event, snapshot=f"vote.progress:{vote_id}")

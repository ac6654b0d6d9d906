"""Votes as the room and the records read them; results by the body's rule.

Reads only. The changes are actions: prepare, open, close and discard in
:mod:`meetings.actions.votes`, casting in :mod:`meetings.actions.ballots`;
the counting record's layout is :mod:`meetings.counting_record`.

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

from typing import Any

from django.db.models import Count

from accounts import rules
from accounts.models import VOTING_POSITIONS, Membership, Position, User
from accounts.queries import member_count
from meetings import queries
from meetings.models import (
    Attendance,
    Meeting,
    Participant,
    Role,
)
from meetings.room_models import (
    Ballot,
    Vote,
    VoteCast,
    VoteStatus,
)
from nghisu.errors import NotFound


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


def live_counts(vote: Vote) -> tuple[int, dict[str, int] | None]:
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
            cast, counts = live_counts(vote)
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

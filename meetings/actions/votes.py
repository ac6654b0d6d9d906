"""Vote actions: prepare, open, close (with the count), discard a round.

Typed arguments, never a socket's dict (the command registry,
:mod:`realtime.commands_meeting`, reads the wire format). The rules are
:mod:`accounts.rules`; see :mod:`meetings.voting` for the reads and
:mod:`meetings.actions.ballots` for casting.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import rules
from accounts.actions import record_audit, record_refusal
from accounts.models import User
from meetings import ballot_box, ballot_seal, events, queries
from meetings.actions import _room as rs
from meetings.actions import vote_records
from meetings.models import (
    AgendaItem,
    Meeting,
    MeetingStatus,
)
from meetings.room_models import (
    Ballot,
    SealedBallot,
    Vote,
    VoteCast,
    VoteKind,
    VoteStatus,
    VoteThreshold,
)
from meetings.voting import compute_result, public_result, vote_dict
from nghisu.errors import ActionError

DEFAULT_OPTIONS = [
    ("yes", gettext_lazy("Tán thành")),
    ("no", gettext_lazy("Không tán thành")),
    ("abstain", gettext_lazy("Không biểu quyết")),
]


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
        meeting = rs.lock_meeting(meeting_id)
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
        meeting = rs.lock_meeting(meeting_id)
        _require_preside(actor, meeting)
        vote = rs.lock_vote(vote_id)
        if vote is None or vote.meeting_id != meeting.pk:
            raise rs.not_found()
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


def open_new(
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
    """Create a vote and open it on the spot (``vote.open`` with a new vote's
    fields): :func:`do_open` of a vote made as :func:`do_prepare` makes it."""
    with transaction.atomic():
        meeting = rs.lock_meeting(meeting_id)
        _require_preside(actor, meeting)
        vote = _create(
            actor, meeting, question, kind, threshold, allow_change, labels, item_id
        )
        return do_open(actor, meeting_id, vote_id=vote.pk)


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
        meeting = rs.lock_meeting(meeting_id)
        _require_preside(actor, meeting)
        vote = rs.lock_vote(vote_id)
        if vote is None or vote.meeting_id != meeting.pk:
            raise rs.not_found()
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
        vote_records.on_close(vote, actor)
    return {"vote": vote.pk, "result": public_result(vote.result)}


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
        vote = rs.lock_vote(vote_id)
        if vote is None:
            raise rs.not_found()
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

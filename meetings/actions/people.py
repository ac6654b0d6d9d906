"""Participants: invitations, answers, roles and voting rights (attendance: .attendance)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actions import record_audit
from accounts.models import Membership, Position, User
from meetings import events
from meetings.actions._common import (
    lock_meeting,
    require_manager,
    require_open,
    require_status,
    sync_participants_group,
)
from meetings.actions.lifecycle import meeting_url, send_invitations
from meetings.models import (
    VOTING_BY_ROLE,
    Answer,
    Attendance,
    Meeting,
    MeetingStatus,
    Participant,
    Role,
)
from nghisu.errors import ActionError
from nghisu.text import nfc

ROLE_BY_POSITION = {
    Position.CHAIR: Role.CHAIR,
    Position.SECRETARY: Role.SECRETARY,
    Position.VICE_CHAIR: Role.DELEGATE,
    Position.MEMBER: Role.DELEGATE,
}


def _participants_changed(meeting: Meeting, op: str, ids: list[int]) -> None:
    events.publish(
        meeting.pk,
        {
            "type": "participants.changed",
            "meeting": meeting.pk,
            "op": op,
            "participants": ids,
        },
    )


def _invite_after_publish(meeting: Meeting, rows: list[Participant]) -> None:
    """Once published, newly added participants get their invitation at once."""
    if meeting.status in (MeetingStatus.PUBLISHED, MeetingStatus.IN_PROGRESS):
        send_invitations(meeting, rows)


def invite_members(actor: User, meeting: Meeting) -> list[Participant]:
    """Invite every current member of the meeting's body in one action.

    Roles follow positions (chair → chủ tọa, secretary → thư ký, others →
    đại biểu) and voting rights follow roles. Members already invited are
    skipped; when all are, the call is refused with code ``already_invited``.
    One bulk insert; once published, the new participants are notified.
    """
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        require_manager(actor, meeting)
        require_open(meeting)
        present = set(
            Participant.objects.filter(meeting=meeting).values_list(
                "user_id", flat=True
            )
        )
        seats: dict[int, Membership] = {}
        for m in (
            Membership.objects.filter(body=meeting.body)
            .current()
            .select_related("user")
            .order_by("start_date")
        ):
            if m.user.is_active and m.user_id not in present:
                seats.setdefault(m.user_id, m)
        if not seats:
            raise ActionError(
                _("Tất cả thành viên của %(body)s đã được mời.")
                % {"body": meeting.body.name},
                code="already_invited",
            )
        has_chair = Participant.objects.filter(
            meeting=meeting, role=Role.CHAIR
        ).exists()
        rows = []
        for m in seats.values():
            role = ROLE_BY_POSITION[m.position]
            if role == Role.CHAIR and has_chair:
                role = Role.DELEGATE
            has_chair = has_chair or role == Role.CHAIR
            rows.append(
                Participant(
                    meeting=meeting,
                    user=m.user,
                    role=role,
                    voting_right=VOTING_BY_ROLE[role],
                )
            )
        rows = Participant.objects.bulk_create(rows)
        sync_participants_group(meeting)
        _invite_after_publish(meeting, rows)
        record_audit(actor, "meeting.invite_members", meeting, count=len(rows))
        _participants_changed(meeting, "added", [r.pk for r in rows])
    return rows


def invite_participant(
    actor: User,
    meeting: Meeting,
    user: User,
    *,
    role: str,
    voting_right: bool | None = None,
) -> Participant:
    """Invite one person (a guest from any body, or a member) with ``role``.

    Refused when they are already invited (code ``already_invited``) or when
    the meeting already has a chair and ``role`` is chair.
    """
    if role not in Role.values:
        raise ActionError(_("Vai trò không hợp lệ."), code="invalid")
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        require_manager(actor, meeting)
        require_open(meeting)
        if not user.is_active:
            raise ActionError(_("Tài khoản này đã bị khóa."), code="invalid")
        if Participant.objects.filter(meeting=meeting, user=user).exists():
            raise ActionError(
                _("%(name)s đã có trong danh sách mời.") % {"name": user},
                code="already_invited",
            )
        _check_single_chair(meeting, role)
        participant = Participant.objects.create(
            meeting=meeting,
            user=user,
            role=role,
            voting_right=VOTING_BY_ROLE[role] if voting_right is None else voting_right,
        )
        sync_participants_group(meeting)
        _invite_after_publish(meeting, [participant])
        record_audit(
            actor,
            "meeting.invite",
            meeting,
            person=user.pk,
            role=role,
            voting_right=participant.voting_right,
        )
        _participants_changed(meeting, "added", [participant.pk])
    return participant


def _check_single_chair(
    meeting: Meeting, role: str, *, exclude: int | None = None
) -> None:
    if (
        role == Role.CHAIR
        and Participant.objects.filter(meeting=meeting, role=Role.CHAIR)
        .exclude(pk=exclude)
        .exists()
    ):
        raise ActionError(
            _("Cuộc họp đã có chủ tọa; hãy đổi vai trò người kia trước."),
            code="chair_taken",
        )


def update_participant(
    actor: User, participant: Participant, *, role: str, voting_right: bool
) -> Participant:
    """Change a participant's role or voting right (guests never vote)."""
    if role not in Role.values:
        raise ActionError(_("Vai trò không hợp lệ."), code="invalid")
    if role == Role.GUEST and voting_right:
        raise ActionError(
            _("Khách mời không có quyền biểu quyết."), code="guest_no_vote"
        )
    with transaction.atomic():
        meeting = lock_meeting(participant.meeting_id)
        require_manager(actor, meeting)
        require_open(meeting)
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        _check_single_chair(meeting, role, exclude=participant.pk)
        before = {"role": participant.role, "voting_right": participant.voting_right}
        if before == {"role": role, "voting_right": voting_right}:
            return participant
        participant.role = role
        participant.voting_right = voting_right
        participant.save(update_fields=["role", "voting_right"])
        record_audit(
            actor,
            "meeting.update_participant",
            meeting,
            participant=participant.pk,
            before=before,
            role=role,
            voting_right=voting_right,
        )
        _participants_changed(meeting, "updated", [participant.pk])
    return participant


def remove_participant(actor: User, participant: Participant) -> None:
    """Withdraw an invitation: they leave the group and lose the documents.

    Refused once they have checked in.
    """
    with transaction.atomic():
        meeting = lock_meeting(participant.meeting_id)
        require_manager(actor, meeting)
        require_open(meeting)
        participant = (
            Participant.objects.select_for_update()
            .select_related("user")
            .filter(pk=participant.pk)
            .first()
        )
        if participant is None:
            raise ActionError(_("Người này đã được bỏ khỏi danh sách."), code="gone")
        if participant.attendance == Attendance.PRESENT:
            raise ActionError(
                _("%(name)s đã điểm danh; không thể bỏ khỏi danh sách.")
                % {"name": participant.user},
                code="in_use",
            )
        pk = participant.pk
        participant.delete()
        sync_participants_group(meeting)
        record_audit(
            actor, "meeting.remove_participant", meeting, person=participant.user_id
        )
        _participants_changed(meeting, "removed", [pk])


def respond_invitation(
    actor: User,
    meeting: Meeting,
    *,
    answer: str,
    reason: str = "",
    substitute: User | None = None,
) -> Participant:
    """Answer one's own invitation: accept, decline with a reason, or (where the
    body allows) authorise another current member of the body to attend.

    Answering the same way twice changes nothing. A delegation is final: the
    substitute is invited (with the voting right of the one they replace, who
    keeps none) and notified.
    """
    reason = nfc(reason).strip()
    if answer not in (Answer.ACCEPTED, Answer.DECLINED, Answer.DELEGATED):
        raise ActionError(_("Câu trả lời không hợp lệ."), code="invalid")
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        require_status(
            meeting,
            (MeetingStatus.PUBLISHED, MeetingStatus.IN_PROGRESS),
            _("Cuộc họp này không còn nhận trả lời giấy mời."),
        )
        participant = (
            Participant.objects.select_for_update()
            .filter(meeting=meeting, user=actor)
            .first()
        )
        if participant is None:
            raise ActionError(
                _("Bạn không có trong danh sách mời của cuộc họp này."),
                code="forbidden",
            )
        if participant.answer == Answer.DELEGATED:
            raise ActionError(
                _(
                    "Bạn đã ủy quyền cho người khác dự họp; hãy liên hệ thư ký "
                    "nếu cần thay đổi."
                ),
                code="delegated",
            )
        if answer == participant.answer and answer == Answer.ACCEPTED:
            return participant
        if answer in (Answer.DECLINED, Answer.DELEGATED) and not reason:
            raise ActionError(_("Hãy cho biết lý do vắng mặt."), code="reason_required")
        if answer == Answer.DELEGATED:
            _delegate(actor, meeting, participant, substitute)
        participant.answer = answer
        participant.answer_reason = reason if answer != Answer.ACCEPTED else ""
        participant.answered_at = timezone.now()
        participant.save(update_fields=["answer", "answer_reason", "answered_at"])
        if answer != Answer.ACCEPTED:
            record_audit(actor, f"meeting.{answer}", meeting, reason=reason)
        _participants_changed(meeting, "answered", [participant.pk])
    return participant


def _delegate(
    actor: User,
    meeting: Meeting,
    participant: Participant,
    substitute: User | None,
) -> None:
    from nghisu.notify import notify

    if not meeting.body.allows_delegation:
        raise ActionError(
            _("%(body)s không cho phép ủy quyền dự họp.") % {"body": meeting.body.name},
            code="no_delegation",
        )
    if participant.role == Role.GUEST:
        raise ActionError(_("Khách mời không ủy quyền được."), code="no_delegation")
    if substitute is None or substitute.pk == actor.pk:
        raise ActionError(_("Hãy chọn người dự họp thay."), code="invalid")
    if (
        not Membership.objects.current()
        .filter(body=meeting.body, user=substitute)
        .exists()
    ):
        raise ActionError(
            _("Người dự thay phải là thành viên đương nhiệm của %(body)s.")
            % {"body": meeting.body.name},
            code="invalid",
        )
    if Participant.objects.filter(meeting=meeting, user=substitute).exists():
        raise ActionError(
            _("%(name)s đã có trong danh sách mời.") % {"name": substitute},
            code="already_invited",
        )
    Participant.objects.create(
        meeting=meeting,
        user=substitute,
        role=Role.DELEGATE,
        voting_right=participant.voting_right,
        substitute_for=participant,
        answer=Answer.ACCEPTED,
        answered_at=timezone.now(),
        invited_at=timezone.now(),
    )
    participant.voting_right = False
    participant.save(update_fields=["voting_right"])
    sync_participants_group(meeting)
    notify(
        [substitute],
        kind="meeting.delegation",
        title=_("Ủy quyền dự họp: %(title)s") % {"title": meeting.title},
        body=_("%(name)s ủy quyền cho bạn dự %(title)s.")
        % {"name": actor, "title": meeting.title},
        url=meeting_url(meeting),
    )


def on_membership_ended(sender, *, body_id: int, user_id: int, actor=None, **kw):
    """``accounts.signals.membership_ended``: :func:`withdraw_former_member`."""
    withdraw_former_member(body_id, user_id, actor=actor)


def withdraw_former_member(body_id: int, user_id: int, *, actor=None) -> int:
    """Take away the seats of someone no longer a member of the body in its
    open meetings (draft, published, in progress): with the seat go the
    voting right and the meeting's documents (their sockets close).

    A seat goes when no membership of theirs is in force on the meeting's day
    (today for a meeting in progress; its start day, or today if later, for
    one to come). Guest seats stay (without a vote, as guests have). Audited
    ``meeting.remove_participant`` with ``reason: membership_ended``; event
    ``participants.changed`` (op ``removed``). Returns the seats taken.
    """
    today = timezone.localdate()
    rows = list(
        Participant.objects.filter(
            meeting__body_id=body_id,
            user_id=user_id,
            meeting__status__in=[
                MeetingStatus.DRAFT,
                MeetingStatus.PUBLISHED,
                MeetingStatus.IN_PROGRESS,
            ],
        )
        .exclude(role=Role.GUEST)
        .select_related("meeting")
    )
    taken = 0
    for row in rows:
        day = today
        if row.meeting.status != MeetingStatus.IN_PROGRESS and row.meeting.starts_at:
            day = max(today, timezone.localdate(row.meeting.starts_at))
        seated = (
            Membership.objects.current(day)
            .filter(body_id=body_id, user_id=user_id)
            .exists()
        )
        if seated:
            continue
        with transaction.atomic():
            meeting = lock_meeting(row.meeting_id)
            deleted, _rows = Participant.objects.filter(pk=row.pk).delete()
            if not deleted:
                continue
            sync_participants_group(meeting)
            record_audit(
                actor,
                "meeting.remove_participant",
                meeting,
                person=user_id,
                reason="membership_ended",
            )
            _participants_changed(meeting, "removed", [row.pk])
            taken += 1
    return taken

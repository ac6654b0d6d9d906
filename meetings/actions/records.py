"""What a meeting leaves behind: conclusions per item and the minutes."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actions import record_audit
from accounts.models import User
from meetings import events, queries
from meetings.actions._common import (
    lock_meeting,
    require_chair_or_secretary,
    require_manager,
    require_status,
)
from meetings.actions.lifecycle import meeting_url
from meetings.models import (
    AgendaItem,
    Conclusion,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    Participant,
    Role,
)
from nghisu.errors import ActionError
from nghisu.text import nfc

MAX_TEXT = 20000


def record_conclusion(
    actor: User, meeting: Meeting, item: AgendaItem, *, text: str
) -> Conclusion:
    """Record (or replace) the conclusion on ``item`` (chair or secretary).

    Only while the meeting runs or after it closed, and only for an item of
    this meeting. Event ``conclusion.recorded``.
    """
    text = nfc(text).strip()
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        require_chair_or_secretary(actor, meeting)
        if item.meeting_id != meeting.pk:
            raise ActionError(
                _("Nội dung này không thuộc cuộc họp đang xem."), code="bad_item"
            )
        require_status(
            meeting,
            (MeetingStatus.IN_PROGRESS, MeetingStatus.CLOSED),
            _(
                "Chỉ ghi kết luận khi cuộc họp đang diễn ra hoặc đã kết thúc "
                "(trước khi lưu trữ)."
            ),
        )
        if not text:
            raise ActionError(_("Hãy nhập nội dung kết luận."), code="invalid")
        if len(text) > MAX_TEXT:
            raise ActionError(_("Kết luận quá dài."), code="invalid")
        conclusion = Conclusion.objects.filter(item=item).first()
        if conclusion is not None and conclusion.text == text:
            return conclusion
        if conclusion is None:
            conclusion = Conclusion(meeting=meeting, item=item, recorded_by=actor)
        conclusion.text = text
        conclusion.recorded_by = actor
        conclusion.recorded_at = timezone.now()
        conclusion.save()
        record_audit(actor, "meeting.conclusion", meeting, item=item.pk)
        events.publish(
            meeting.pk,
            {
                "type": "conclusion.recorded",
                "meeting": meeting.pk,
                "item": item.pk,
                "text": conclusion.text,
            },
        )
    return conclusion


# --- minutes -----------------------------------------------------------------------


def _clean_texts(texts: dict, meeting: Meeting) -> dict:
    item_ids = {str(pk) for pk in meeting.items.values_list("pk", flat=True)}
    out = {
        "opening": nfc(str(texts.get("opening", ""))).strip(),
        "closing": nfc(str(texts.get("closing", ""))).strip(),
        "items": {
            str(k): nfc(str(v)).strip()
            for k, v in (texts.get("items") or {}).items()
            if str(k) in item_ids and str(v).strip()
        },
    }
    if any(
        len(v) > MAX_TEXT
        for v in [out["opening"], out["closing"], *out["items"].values()]
    ):
        raise ActionError(_("Một phần của biên bản quá dài."), code="invalid")
    return out


def start_minutes(actor: User, meeting: Meeting, *, change_reason: str = "") -> Minutes:
    """Open the minutes for editing (secretary or chair of the body).

    Returns the open version if there is one. Otherwise creates version 1, or
    version n+1 copying the approved version n (a change to approved minutes,
    which needs a reason and keeps n in the history).
    """
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        require_manager(actor, meeting)
        require_status(
            meeting,
            (MeetingStatus.IN_PROGRESS, MeetingStatus.CLOSED, MeetingStatus.ARCHIVED),
            _("Biên bản chỉ lập được khi cuộc họp đã bắt đầu."),
        )
        open_version = Minutes.objects.filter(
            meeting=meeting, status__in=[MinutesStatus.DRAFT, MinutesStatus.SUBMITTED]
        ).first()
        if open_version is not None:
            return open_version
        last = (
            Minutes.objects.filter(meeting=meeting, status=MinutesStatus.APPROVED)
            .order_by("-version")
            .first()
        )
        change_reason = nfc(change_reason).strip()
        if last is not None and not change_reason:
            raise ActionError(
                _(
                    "Biên bản đã được phê duyệt; hãy nêu lý do sửa đổi để lập phiên "
                    "bản mới."
                ),
                code="reason_required",
            )
        version = (
            Minutes.objects.filter(meeting=meeting).aggregate(n=Max("version"))["n"]
            or 0
        ) + 1
        minutes = Minutes.objects.create(
            meeting=meeting,
            version=version,
            number=last.number if last else "",
            texts=dict(last.texts) if last else {},
            created_by=actor,
            change_reason=change_reason,
        )
        record_audit(
            actor, "minutes.start", meeting, version=version, reason=change_reason
        )
    return minutes


def _lock_minutes(minutes: Minutes) -> tuple[Meeting, Minutes]:
    meeting = lock_meeting(minutes.meeting_id)
    minutes = Minutes.objects.select_for_update().get(pk=minutes.pk)
    minutes.meeting = meeting
    return meeting, minutes


def _require_unlocked(minutes: Minutes) -> None:
    if minutes.status == MinutesStatus.APPROVED:
        raise ActionError(
            _(
                "Biên bản này đã được phê duyệt và khóa; hãy lập phiên bản mới để "
                "sửa đổi."
            ),
            code="locked",
        )
    if minutes.status == MinutesStatus.SUPERSEDED:
        raise ActionError(
            _("Đây là phiên bản cũ của biên bản; không thể sửa."), code="locked"
        )


def update_minutes(
    actor: User, minutes: Minutes, *, number: str, texts: dict
) -> Minutes:
    """Save the secretary's parts: the number and the free texts."""
    number = nfc(number).strip()
    if len(number) > 64:
        raise ActionError(_("Số biên bản quá dài."), code="invalid")
    with transaction.atomic():
        meeting, minutes = _lock_minutes(minutes)
        require_manager(actor, meeting)
        _require_unlocked(minutes)
        cleaned = _clean_texts(texts, meeting)
        if minutes.number == number and minutes.texts == cleaned:
            return minutes
        minutes.number = number
        minutes.texts = cleaned
        minutes.save(update_fields=["number", "texts", "updated_at"])
    return minutes


def submit_minutes(actor: User, minutes: Minutes) -> Minutes:
    """Send a draft to the chair for approval (they get a notification)."""
    from nghisu.notify import notify

    with transaction.atomic():
        meeting, minutes = _lock_minutes(minutes)
        require_manager(actor, meeting)
        _require_unlocked(minutes)
        require_status(
            meeting,
            (MeetingStatus.CLOSED, MeetingStatus.ARCHIVED),
            _("Chỉ trình duyệt biên bản sau khi cuộc họp kết thúc."),
        )
        if minutes.status == MinutesStatus.SUBMITTED:
            return minutes
        minutes.status = MinutesStatus.SUBMITTED
        minutes.submitted_at = timezone.now()
        minutes.returned_reason = ""
        minutes.save(
            update_fields=["status", "submitted_at", "returned_reason", "updated_at"]
        )
        chairs = [
            p.user
            for p in Participant.objects.filter(
                meeting=meeting, role=Role.CHAIR
            ).select_related("user")
        ]
        notify(
            chairs,
            kind="minutes.submitted",
            title=_("Biên bản chờ phê duyệt: %(title)s") % {"title": meeting.title},
            url=meeting_url(meeting) + "minutes/",
        )
        record_audit(actor, "minutes.submit", meeting, version=minutes.version)
    return minutes


def return_minutes(actor: User, minutes: Minutes, *, reason: str) -> Minutes:
    """Send submitted minutes back to the secretary for revision (the presiding
    chair), with the reason they see on the minutes page and in a notification."""
    from nghisu.notify import notify

    reason = nfc(reason).strip()
    with transaction.atomic():
        meeting, minutes = _lock_minutes(minutes)
        if not queries.viewer_for(actor, meeting).preside:
            raise ActionError(
                _("Chỉ chủ tọa cuộc họp mới trả lại biên bản."), code="forbidden"
            )
        if minutes.status != MinutesStatus.SUBMITTED:
            raise ActionError(
                _("Chỉ trả lại biên bản đang chờ phê duyệt."), code="not_submitted"
            )
        if not reason:
            raise ActionError(
                _("Hãy cho biết cần chỉnh sửa gì."), code="reason_required"
            )
        if len(reason) > MAX_TEXT:
            raise ActionError(_("Lý do quá dài."), code="invalid")
        minutes.status = MinutesStatus.DRAFT
        minutes.returned_reason = reason
        minutes.returned_at = timezone.now()
        minutes.save(
            update_fields=["status", "returned_reason", "returned_at", "updated_at"]
        )
        notify(
            [
                p.user
                for p in Participant.objects.filter(
                    meeting=meeting, role=Role.SECRETARY
                ).select_related("user")
            ],
            kind="minutes.returned",
            title=_("Biên bản được trả lại để chỉnh sửa: %(title)s")
            % {"title": meeting.title},
            url=meeting_url(meeting) + "minutes/",
        )
        record_audit(actor, "minutes.return", meeting, version=minutes.version)
    return minutes


def approve_minutes(actor: User, minutes: Minutes) -> Minutes:
    """Approve the minutes (the presiding chair only) and lock them.

    Freezes the content (``spec``), builds the PDF in the PDF worker pool,
    stores it with its SHA-256, supersedes the previously approved version and
    notifies the participants. Approving twice is refused. Locks the meeting
    and the minutes row. Event ``minutes.approved``.
    """
    from documents import signing
    from documents.pdf import PdfError
    from meetings import minutes as builder
    from nghisu.notify import notify

    with transaction.atomic():
        meeting, minutes = _lock_minutes(minutes)
        viewer = queries.viewer_for(actor, meeting)
        if not viewer.preside:
            raise ActionError(
                _("Chỉ chủ tọa cuộc họp mới phê duyệt biên bản."), code="forbidden"
            )
        if minutes.status in (MinutesStatus.APPROVED, MinutesStatus.SUPERSEDED):
            raise ActionError(
                _("Biên bản này đã được phê duyệt."), code="already_approved"
            )
        require_status(
            meeting,
            (MeetingStatus.CLOSED, MeetingStatus.ARCHIVED),
            _("Chỉ phê duyệt biên bản sau khi cuộc họp kết thúc."),
        )
        minutes.approved_by = actor
        minutes.approved_at = timezone.now()
        spec = builder.build_spec(meeting, minutes)
        try:
            # Signed with the body's certificate when one is configured; the
            # lock (sha256) is of the signed file members download.
            data = signing.sign_record(
                spec,
                body=meeting.body,
                actor=actor,
                obj=meeting,
                reason=_("Phê duyệt biên bản"),
            )
        except PdfError as exc:
            raise ActionError(
                _("Không tạo được tệp PDF của biên bản: %(msg)s")
                % {"msg": exc.message},
                code="pdf_failed",
                audit={
                    "user": actor,
                    "action": "signature.failed",
                    "obj": meeting,
                    "detail": {"what": "minutes", "code": exc.code},
                },
            ) from exc
        digest = hashlib.sha256(data).hexdigest()
        Minutes.objects.filter(meeting=meeting, status=MinutesStatus.APPROVED).update(
            status=MinutesStatus.SUPERSEDED
        )
        minutes.status = MinutesStatus.APPROVED
        minutes.spec = spec
        minutes.sha256 = digest
        minutes.pdf.save(f"bien-ban-{digest[:12]}.pdf", ContentFile(data), save=False)
        minutes.save()
        notify(
            [
                p.user
                for p in Participant.objects.filter(meeting=meeting).select_related(
                    "user"
                )
                if p.user_id != actor.pk
            ],
            kind="minutes.approved",
            title=_("Biên bản đã được phê duyệt: %(title)s") % {"title": meeting.title},
            url=meeting_url(meeting) + "minutes/",
            email=False,
        )
        record_audit(
            actor, "minutes.approve", meeting, version=minutes.version, sha256=digest
        )
        events.publish(
            meeting.pk,
            {
                "type": "minutes.approved",
                "meeting": meeting.pk,
                "version": minutes.version,
                "sha256": digest,
            },
        )
    return minutes

"""Meetings, their agenda, participants, conclusions and minutes.

Rows change only through :mod:`meetings.actions`; the models hold data, single-row
behaviour and database constraints. Votes, ballots and speaker requests belong to
the live room (issue 5) and join these models by foreign keys.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import BodyKind
from nghisu.text import fold, nfc


class MeetingKind(models.TextChoices):
    HDND_REGULAR = "hdnd_regular", _("Kỳ họp thường lệ")
    HDND_THEMATIC = "hdnd_thematic", _("Kỳ họp chuyên đề")
    HDND_EXTRAORDINARY = "hdnd_extraordinary", _("Kỳ họp bất thường")
    SESSION_REGULAR = "session_regular", _("Phiên họp thường kỳ")
    SESSION_THEMATIC = "session_thematic", _("Phiên họp chuyên đề")


#: Which kinds of meeting each kind of body holds. An HĐND meets in sessions
#: (kỳ họp); a UBND, the Standing Committee and the Ban hold meetings (phiên họp).
KINDS_BY_BODY: dict[str, tuple[str, ...]] = {
    BodyKind.HDND: (
        MeetingKind.HDND_REGULAR,
        MeetingKind.HDND_THEMATIC,
        MeetingKind.HDND_EXTRAORDINARY,
    ),
    BodyKind.UBND: (MeetingKind.SESSION_REGULAR, MeetingKind.SESSION_THEMATIC),
    BodyKind.THUONG_TRUC: (MeetingKind.SESSION_REGULAR, MeetingKind.SESSION_THEMATIC),
    BodyKind.BAN: (MeetingKind.SESSION_REGULAR, MeetingKind.SESSION_THEMATIC),
}


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    PUBLISHED = "published", _("Đã công bố")
    IN_PROGRESS = "in_progress", _("Đang họp")
    CLOSED = "closed", _("Đã kết thúc")
    ARCHIVED = "archived", _("Đã lưu trữ")


#: The only transitions the actions allow: draft → published → in_progress →
#: closed → archived.
TRANSITIONS: dict[str, str] = {
    MeetingStatus.DRAFT: MeetingStatus.PUBLISHED,
    MeetingStatus.PUBLISHED: MeetingStatus.IN_PROGRESS,
    MeetingStatus.IN_PROGRESS: MeetingStatus.CLOSED,
    MeetingStatus.CLOSED: MeetingStatus.ARCHIVED,
}


class Meeting(models.Model):
    """A session of an HĐND or a meeting of a UBND or committee."""

    body = models.ForeignKey(
        "accounts.Body",
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("Cơ quan"),
    )
    title = models.CharField(_("Tên cuộc họp"), max_length=300)
    kind = models.CharField(_("Loại cuộc họp"), max_length=24, choices=MeetingKind)
    number = models.PositiveSmallIntegerField(_("Số thứ tự"), null=True, blank=True)
    starts_at = models.DateTimeField(_("Bắt đầu"))
    ends_at = models.DateTimeField(_("Kết thúc"))
    place = models.CharField(_("Địa điểm"), max_length=300)
    status = models.CharField(
        _("Trạng thái"),
        max_length=16,
        choices=MeetingStatus,
        default=MeetingStatus.DRAFT,
        db_index=True,
    )
    participants_group = models.OneToOneField(
        Group,
        on_delete=models.PROTECT,
        related_name="meeting",
        editable=False,
        verbose_name=_("Nhóm người dự họp"),
    )
    #: Bumped whenever items are added, removed or reordered: the token a
    #: client sends with a reorder so that a stale order is refused.
    agenda_version = models.PositiveIntegerField(default=0, editable=False)
    #: The item the room is on (the live room moves it; issue 5).
    current_item = models.ForeignKey(
        "AgendaItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Nội dung đang họp"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Người tạo"),
    )
    created_at = models.DateTimeField(_("Ngày tạo"), default=timezone.now)
    updated_at = models.DateTimeField(_("Cập nhật"), auto_now=True)
    published_at = models.DateTimeField(_("Công bố lúc"), null=True, blank=True)
    started_at = models.DateTimeField(_("Khai mạc lúc"), null=True, blank=True)
    closed_at = models.DateTimeField(_("Bế mạc lúc"), null=True, blank=True)
    archived_at = models.DateTimeField(_("Lưu trữ lúc"), null=True, blank=True)
    #: A token of the form that created the meeting: a second submission of the
    #: same form returns the first meeting instead of making another.
    search_text = models.CharField(max_length=400, editable=False, db_index=True)

    class Meta:
        verbose_name = _("cuộc họp")
        verbose_name_plural = _("cuộc họp")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["body", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.title = nfc(self.title).strip()
        self.place = nfc(self.place).strip()
        self.search_text = fold(self.title)[:400]
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == MeetingStatus.DRAFT

    @property
    def is_visible_to_participants(self) -> bool:
        return self.status != MeetingStatus.DRAFT

    @property
    def is_past(self) -> bool:
        return self.status in (MeetingStatus.CLOSED, MeetingStatus.ARCHIVED)


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("Chưa họp")
    IN_PROGRESS = "in_progress", _("Đang họp")
    DONE = "done", _("Đã xong")


class AgendaItem(models.Model):
    """One item of a meeting's agenda, optionally under a parent item.

    ``position`` orders siblings (items with the same parent), from 1.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("Thuộc nội dung"),
    )
    position = models.PositiveIntegerField(_("Thứ tự"), default=0)
    title = models.CharField(_("Nội dung"), max_length=500)
    description = models.TextField(_("Mô tả"), blank=True)
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Người trình bày"),
    )
    presenter_text = models.CharField(
        _("Cơ quan trình bày"), max_length=300, blank=True
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("Thời lượng dự kiến (phút)"), null=True, blank=True
    )
    status = models.CharField(
        _("Trạng thái"), max_length=16, choices=ItemStatus, default=ItemStatus.PENDING
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    documents = models.ManyToManyField(
        "documents.Document",
        through="AgendaDocument",
        related_name="agenda_items",
        verbose_name=_("Tài liệu"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    search_text = models.CharField(max_length=500, editable=False)

    class Meta:
        verbose_name = _("nội dung chương trình")
        verbose_name_plural = _("nội dung chương trình")
        ordering = ["meeting", "position", "id"]
        indexes = [models.Index(fields=["meeting", "parent", "position"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.title = nfc(self.title).strip()
        self.presenter_text = nfc(self.presenter_text).strip()
        self.description = nfc(self.description).strip()
        self.search_text = fold(self.title)[:500]
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    @property
    def presenter_label(self) -> str:
        """Who presents: the person, the agency, or both."""
        names = [str(self.presenter) if self.presenter_id else "", self.presenter_text]
        return " – ".join(n for n in names if n)


class AgendaDocument(models.Model):
    """A document attached to an agenda item, in order."""

    item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, related_name="attachments"
    )
    document = models.ForeignKey(
        "documents.Document", on_delete=models.PROTECT, related_name="attachments"
    )
    position = models.PositiveIntegerField(default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tài liệu của nội dung")
        verbose_name_plural = _("tài liệu của nội dung")
        ordering = ["item", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "document"], name="agenda_document_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id} – {self.document_id}"


class ChangeKind(models.TextChoices):
    ADDED = "added", _("Thêm nội dung")
    MOVED = "moved", _("Đổi thứ tự")
    REMOVED = "removed", _("Bỏ nội dung")
    EDITED = "edited", _("Sửa nội dung")
    DOCUMENT_ADDED = "document_added", _("Thêm tài liệu")
    DOCUMENT_REMOVED = "document_removed", _("Bỏ tài liệu")


class AgendaChange(models.Model):
    """A change to a published agenda, shown to participants as such.

    ``item_title`` keeps the title at the time, so a removed item still reads.
    ``detail`` holds what changed: positions for a move, field names for an edit,
    the document title for a document change.
    """

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="agenda_changes"
    )
    item = models.ForeignKey(
        AgendaItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
    )
    kind = models.CharField(max_length=24, choices=ChangeKind)
    item_title = models.CharField(max_length=500)
    detail = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("thay đổi chương trình")
        verbose_name_plural = _("thay đổi chương trình")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.item_title}"


class Role(models.TextChoices):
    CHAIR = "chair", _("Chủ tọa")
    SECRETARY = "secretary", _("Thư ký")
    DELEGATE = "delegate", _("Đại biểu")
    GUEST = "guest", _("Khách mời")


#: What a body's members are called, by body kind: a delegate's role label
#: ("Thành viên UBND", "Đại biểu HĐND") and the word members are counted in
#: ("32/56 thành viên"); other kinds count "đại biểu".
MEMBER_TERMS = {
    "ubnd": (_("Thành viên UBND"), _("thành viên")),
    "hdnd": (_("Đại biểu HĐND"), _("đại biểu")),
}


def role_label(role: str, body_kind: str) -> str:
    """The label of a participant's role in a body of ``body_kind``."""
    if role == Role.DELEGATE and body_kind in MEMBER_TERMS:
        return str(MEMBER_TERMS[body_kind][0])
    return str(Role(role).label) if role in Role.values else role


def members_word(body_kind: str) -> str:
    """The word a body's members are counted in ("32/56 đại biểu")."""
    terms = MEMBER_TERMS.get(body_kind)
    return str(terms[1] if terms else MEMBER_TERMS["hdnd"][1])


#: Whether a role votes unless the secretary overrides it.
VOTING_BY_ROLE = {
    Role.CHAIR: True,
    Role.SECRETARY: False,
    Role.DELEGATE: True,
    Role.GUEST: False,
}


class Answer(models.TextChoices):
    PENDING = "pending", _("Chưa trả lời")
    ACCEPTED = "accepted", _("Tham dự")
    DECLINED = "declined", _("Vắng mặt")
    DELEGATED = "delegated", _("Ủy quyền")


class Attendance(models.TextChoices):
    UNKNOWN = "unknown", _("Chưa điểm danh")
    PRESENT = "present", _("Có mặt")
    ABSENT = "absent", _("Vắng mặt")


class Participant(models.Model):
    """A person invited to a meeting, their answer and their attendance."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="participations",
        verbose_name=_("Người dự họp"),
    )
    role = models.CharField(_("Vai trò"), max_length=16, choices=Role)
    voting_right = models.BooleanField(_("Quyền biểu quyết"), default=False)
    answer = models.CharField(
        _("Trả lời"), max_length=16, choices=Answer, default=Answer.PENDING
    )
    answer_reason = models.TextField(_("Lý do"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    #: The participant this one attends for (a delegation the body allows).
    substitute_for = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="substitute",
        verbose_name=_("Dự họp thay cho"),
    )
    invited_at = models.DateTimeField(_("Đã gửi giấy mời lúc"), null=True, blank=True)
    attendance = models.CharField(
        _("Điểm danh"), max_length=16, choices=Attendance, default=Attendance.UNKNOWN
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    absence_reason = models.TextField(_("Lý do vắng"), blank=True)
    #: The newest agenda change this participant has seen.
    seen_change_id = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("người dự họp")
        verbose_name_plural = _("người dự họp")
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"], name="participant_once_per_meeting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}"

    @property
    def is_present(self) -> bool:
        return self.attendance == Attendance.PRESENT


class Conclusion(models.Model):
    """The conclusion (kết luận) on one agenda item."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="conclusions"
    )
    item = models.OneToOneField(
        AgendaItem, on_delete=models.CASCADE, related_name="conclusion"
    )
    text = models.TextField(_("Kết luận"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    search_text = models.TextField(editable=False)

    class Meta:
        verbose_name = _("kết luận")
        verbose_name_plural = _("kết luận")
        ordering = ["meeting", "item__position", "id"]

    def __str__(self) -> str:
        return self.text[:80]

    def save(self, *args, **kwargs) -> None:
        self.text = nfc(self.text).strip()
        self.search_text = fold(self.text)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)


class MinutesStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    SUBMITTED = "submitted", _("Chờ phê duyệt")
    APPROVED = "approved", _("Đã phê duyệt")
    SUPERSEDED = "superseded", _("Đã thay thế")


def _minutes_path(instance: Minutes, filename: str) -> str:
    return f"minutes/{instance.meeting_id}/v{instance.version}-{filename}"


class Minutes(models.Model):
    """One version of a meeting's minutes (biên bản).

    The secretary edits ``number`` and the free-text parts in ``texts``
    (``opening``, ``closing`` and per item ``items[str(item_id)]``); the chair
    approves, which freezes ``spec`` (everything the PDF says), stores the PDF
    and its SHA-256. Changing approved minutes starts version n+1 as a draft;
    approving it supersedes version n. At most one open (draft or submitted)
    version per meeting.
    """

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="minutes"
    )
    version = models.PositiveSmallIntegerField(_("Phiên bản"))
    status = models.CharField(
        _("Trạng thái"),
        max_length=16,
        choices=MinutesStatus,
        default=MinutesStatus.DRAFT,
    )
    number = models.CharField(_("Số biên bản"), max_length=64, blank=True)
    texts = models.JSONField(default=dict, blank=True)
    spec = models.JSONField(default=dict, blank=True, editable=False)
    pdf = models.FileField(upload_to=_minutes_path, blank=True, editable=False)
    sha256 = models.CharField(max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    change_reason = models.TextField(_("Lý do sửa đổi"), blank=True)
    #: Why the chair sent the draft back (shown to the secretary until resubmitted).
    returned_reason = models.TextField(_("Lý do trả lại"), blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("biên bản")
        verbose_name_plural = _("biên bản")
        ordering = ["meeting", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "version"], name="minutes_version_once"
            ),
            models.UniqueConstraint(
                fields=["meeting"],
                condition=Q(status__in=["draft", "submitted"]),
                name="minutes_one_open_version",
            ),
            models.UniqueConstraint(
                fields=["meeting"],
                condition=Q(status="approved"),
                name="minutes_one_approved_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} – v{self.version}"

    @property
    def is_locked(self) -> bool:
        return self.status in (MinutesStatus.APPROVED, MinutesStatus.SUPERSEDED)


from meetings.room_models import *  # noqa: E402,F401,F403

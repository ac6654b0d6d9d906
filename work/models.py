"""Work between meetings: notifications, written consultations, assignments.

Consultations (xin ý kiến bằng văn bản) are answered on one row per recipient,
so a recipient has at most one answer whatever the concurrency. Assignments
follow a conclusion (or stand alone) until the assigner accepts them; "overdue"
is derived from the deadline, never stored. :class:`ScheduledRun` rows make
every scheduled job run once per (job, object, occasion).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nghisu.text import fold, nfc


class Notification(models.Model):
    """One message to one user: an invitation, a change, a request to approve."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("Người nhận"),
    )
    kind = models.CharField(_("Loại"), max_length=48, db_index=True)
    title = models.CharField(_("Tiêu đề"), max_length=300)
    body = models.TextField(_("Nội dung"), blank=True)
    url = models.CharField(_("Đường dẫn"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("Thời điểm"), auto_now_add=True)
    read_at = models.DateTimeField(_("Đã đọc lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "read_at", "-created_at"],
                name="notification_inbox",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class EmailPreference(models.Model):
    """A user's own choice to receive (or not) one kind of notification by e-mail.

    Without a row the sender's default applies (important kinds are e-mailed).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="email_preferences",
    )
    kind = models.CharField(max_length=48)
    email = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("lựa chọn nhận thư")
        verbose_name_plural = _("lựa chọn nhận thư")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="email_pref_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.email}"


# --- consultations ------------------------------------------------------------------
class ConsultationStatus(models.TextChoices):
    OPEN = "open", _("Đang lấy ý kiến")
    CLOSED = "closed", _("Đã kết thúc")


class Opinion(models.TextChoices):
    AGREE = "agree", _("Đồng ý")
    DISAGREE = "disagree", _("Không đồng ý")
    OTHER = "other", _("Ý kiến khác")


def _report_path(instance: Consultation, filename: str) -> str:
    return f"work/consultations/{instance.pk}/{filename}"


class Consultation(models.Model):
    """A written question from a body's chair or secretary to its members."""

    body = models.ForeignKey(
        "accounts.Body",
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("Cơ quan"),
    )
    title = models.CharField(_("Vấn đề xin ý kiến"), max_length=300)
    question = models.TextField(_("Nội dung"), blank=True)
    deadline = models.DateTimeField(_("Hạn trả lời"))
    status = models.CharField(
        _("Trạng thái"),
        max_length=16,
        choices=ConsultationStatus,
        default=ConsultationStatus.OPEN,
    )
    documents = models.ManyToManyField(
        "documents.Document", blank=True, related_name="+", verbose_name=_("Tài liệu")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Người gửi"),
    )
    created_at = models.DateTimeField(_("Ngày gửi"), default=timezone.now)
    closed_at = models.DateTimeField(_("Kết thúc lúc"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Người kết thúc"),
    )
    result = models.JSONField(default=dict, blank=True, editable=False)
    passed = models.BooleanField(_("Được thông qua"), null=True, blank=True)
    report_spec = models.JSONField(default=dict, blank=True, editable=False)
    report_pdf = models.FileField(upload_to=_report_path, blank=True, editable=False)
    report_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    report_document = models.ForeignKey(
        "documents.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    agenda_item = models.OneToOneField(
        "meetings.AgendaItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultation",
        verbose_name=_("Nội dung báo cáo tại cuộc họp"),
    )
    search_text = models.CharField(max_length=400, editable=False, db_index=True)

    class Meta:
        verbose_name = _("phiếu xin ý kiến")
        verbose_name_plural = _("phiếu xin ý kiến")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "deadline"], name="consult_due")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.title = nfc(self.title).strip()
        self.question = nfc(self.question).strip()
        self.search_text = fold(self.title)[:400]
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status == ConsultationStatus.OPEN

    @property
    def deadline_passed(self) -> bool:
        return timezone.now() >= self.deadline


class ConsultationRecipient(models.Model):
    """One recipient of a consultation and their (single) answer."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="recipients"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="consultation_seats",
        verbose_name=_("Thành viên"),
    )
    position = models.CharField(_("Chức vụ"), max_length=16, blank=True)
    opinion = models.CharField(
        _("Ý kiến"), max_length=16, choices=Opinion, blank=True, default=""
    )
    comment = models.TextField(_("Ý kiến cụ thể"), blank=True)
    answered_at = models.DateTimeField(_("Trả lời lúc"), null=True, blank=True)
    changes = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("người được xin ý kiến")
        verbose_name_plural = _("người được xin ý kiến")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "user"], name="consult_recipient_once"
            ),
            models.CheckConstraint(
                condition=Q(opinion="") | Q(answered_at__isnull=False),
                name="consult_answer_has_time",
            ),
        ]
        indexes = [models.Index(fields=["user", "opinion"], name="consult_inbox")]

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.user_id} {self.opinion or '-'}"

    @property
    def answered(self) -> bool:
        return bool(self.opinion)


# --- assignments --------------------------------------------------------------------
class AssignmentStatus(models.TextChoices):
    NEW = "new", _("Mới giao")
    IN_PROGRESS = "in_progress", _("Đang thực hiện")
    AWAITING = "awaiting_acceptance", _("Chờ nghiệm thu")
    COMPLETED = "completed", _("Hoàn thành")


#: Statuses in which the assignee still owes the work (these can be overdue).
OWED_STATUSES = (AssignmentStatus.NEW, AssignmentStatus.IN_PROGRESS)
#: The filter value (and label) of the derived status.
OVERDUE = "overdue"
OVERDUE_LABEL = _("Quá hạn")


class Assignment(models.Model):
    """A task given by a body (often from a meeting's conclusion) to an agency
    (a body or an administrative unit) or a person, with a deadline."""

    body = models.ForeignKey(
        "accounts.Body",
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("Cơ quan giao"),
    )
    title = models.CharField(_("Nhiệm vụ"), max_length=500)
    description = models.TextField(_("Yêu cầu cụ thể"), blank=True)
    conclusion = models.ForeignKey(
        "meetings.Conclusion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("Theo kết luận"),
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("Cuộc họp"),
    )
    assignee_body = models.ForeignKey(
        "accounts.Body",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tasks",
        verbose_name=_("Cơ quan thực hiện"),
    )
    assignee_unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tasks",
        verbose_name=_("Địa phương thực hiện"),
    )
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tasks",
        verbose_name=pgettext_lazy("assignee", "Người thực hiện"),
    )
    deadline = models.DateField(_("Hạn hoàn thành"))
    status = models.CharField(
        _("Trạng thái"),
        max_length=24,
        choices=AssignmentStatus,
        default=AssignmentStatus.NEW,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Người giao"),
    )
    created_at = models.DateTimeField(_("Ngày giao"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("Báo cáo hoàn thành lúc"), null=True)
    completed_at = models.DateTimeField(_("Nghiệm thu lúc"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    on_time = models.BooleanField(_("Đúng hạn"), null=True, blank=True)
    search_text = models.CharField(max_length=600, editable=False, db_index=True)

    class Meta:
        verbose_name = _("nhiệm vụ")
        verbose_name_plural = _("nhiệm vụ")
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["body", "status", "deadline"], name="assign_board"),
            models.Index(fields=["status", "deadline"], name="assign_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        assignee_body__isnull=False,
                        assignee_unit__isnull=True,
                        assignee_user__isnull=True,
                    )
                    | Q(
                        assignee_body__isnull=True,
                        assignee_unit__isnull=False,
                        assignee_user__isnull=True,
                    )
                    | Q(
                        assignee_body__isnull=True,
                        assignee_unit__isnull=True,
                        assignee_user__isnull=False,
                    )
                ),
                name="assignment_one_assignee",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.title = nfc(self.title).strip()
        self.description = nfc(self.description).strip()
        self.search_text = fold(f"{self.title} {self.description}")[:600]
        super().save(*args, **kwargs)

    @property
    def assignee(self):
        return self.assignee_body or self.assignee_unit or self.assignee_user

    @property
    def assignee_label(self) -> str:
        return str(self.assignee or "")

    @property
    def is_overdue(self) -> bool:
        return self.status in OWED_STATUSES and self.deadline < timezone.localdate()

    @property
    def display_status(self) -> str:
        """The status key shown: the stored one, or ``overdue``."""
        return OVERDUE if self.is_overdue else self.status

    @property
    def display_status_label(self) -> str:
        return str(OVERDUE_LABEL) if self.is_overdue else self.get_status_display()


class ReportKind(models.TextChoices):
    PROGRESS = "progress", _("Báo cáo tiến độ")
    DONE = "done", _("Báo cáo hoàn thành")
    ACCEPTED = "accepted", _("Nghiệm thu")
    RETURNED = "returned", _("Trả lại")


class AssignmentReport(models.Model):
    """One entry of an assignment's history: a report, an acceptance, a return."""

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="reports"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=ReportKind)
    text = models.TextField(_("Nội dung"), blank=True)
    documents = models.ManyToManyField(
        "documents.Document", blank=True, related_name="+", verbose_name=_("Tệp kèm")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("báo cáo nhiệm vụ")
        verbose_name_plural = _("báo cáo nhiệm vụ")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.kind}"


# --- the schedule -------------------------------------------------------------------
class ScheduledRun(models.Model):
    """Proof that a scheduled job ran for one object on one occasion.

    Written in the same transaction as the job's effect; the unique constraint
    makes a second scheduler (or a second worker) fail to claim it, so every
    reminder and overdue mark happens once.
    """

    job = models.CharField(max_length=48)
    object_id = models.BigIntegerField()
    occasion = models.CharField(max_length=64)
    ran_at = models.DateTimeField(default=timezone.now)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("lần chạy theo lịch")
        verbose_name_plural = _("lần chạy theo lịch")
        constraints = [
            models.UniqueConstraint(
                fields=["job", "object_id", "occasion"], name="scheduled_run_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.job}:{self.object_id}:{self.occasion}"

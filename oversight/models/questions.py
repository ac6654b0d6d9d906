"""Questions to officials (chất vấn) and the question segment of a session."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nghisu.text import fold, nfc


class QuestionSession(models.Model):
    """The question settings of one meeting (a session of the HĐND): the
    deadline for questions sent ahead and the time limits in the hall."""

    meeting = models.OneToOneField(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="question_session"
    )
    deadline = models.DateTimeField(_("Hạn gửi câu hỏi chất vấn"))
    ask_seconds = models.PositiveSmallIntegerField(
        _("Thời gian nêu câu hỏi (giây)"), default=60
    )
    answer_seconds = models.PositiveSmallIntegerField(
        _("Thời gian trả lời (giây)"), default=180
    )
    followup_seconds = models.PositiveSmallIntegerField(
        _("Thời gian hỏi lại, tranh luận (giây)"), default=60
    )

    class Meta:
        verbose_name = _("phiên chất vấn")
        verbose_name_plural = _("phiên chất vấn")

    def __str__(self) -> str:
        return str(self.meeting)


class Phase(models.TextChoices):
    IDLE = "idle", _("Chờ gọi câu hỏi")
    ASKING = "asking", _("Đại biểu nêu câu hỏi")
    ANSWERING = "answering", _("Trả lời")
    FOLLOWUP = "followup", _("Hỏi lại, tranh luận")


class QuestionSegment(models.Model):
    """The question segment: an agenda item of the meeting run in question
    mode, with the officials to be questioned and the live state (one row,
    locked by every change; ``version`` is the snapshot's ETag)."""

    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="question_segments"
    )
    agenda_item = models.OneToOneField(
        "meetings.AgendaItem",
        on_delete=models.CASCADE,
        related_name="question_segment",
    )
    officials = models.ManyToManyField(
        "oversight.AgencyOfficial", blank=True, related_name="segments"
    )
    current = models.ForeignKey(
        "oversight.Question",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    phase = models.CharField(max_length=16, choices=Phase, default=Phase.IDLE)
    phase_started_at = models.DateTimeField(null=True, blank=True)
    phase_seconds = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("phần chất vấn")
        verbose_name_plural = _("phần chất vấn")

    def __str__(self) -> str:
        return str(self.agenda_item)


class Outcome(models.TextChoices):
    PENDING = "pending", _("Chờ trả lời")
    HALL = "hall", _("Đã trả lời tại kỳ họp")
    WRITTEN_DUE = "written_due", _("Trả lời bằng văn bản")
    WRITTEN = "written", _("Đã trả lời bằng văn bản")
    SKIPPED = "skipped", _("Không trả lời tại kỳ họp")
    MERGED = "merged", _("Đã gộp vào câu hỏi khác")


class Question(models.Model):
    """A delegate's question to an agency (or one of its officials)."""

    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="questions"
    )
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="questions_asked",
        verbose_name=_("Đại biểu chất vấn"),
    )
    agency = models.ForeignKey(
        "oversight.Agency",
        on_delete=models.PROTECT,
        related_name="questions",
        verbose_name=_("Cơ quan được chất vấn"),
    )
    official = models.ForeignKey(
        "oversight.AgencyOfficial",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("Người được chất vấn"),
    )
    topic = models.CharField(_("Nhóm vấn đề"), max_length=200)
    text = models.TextField(_("Nội dung câu hỏi"))
    documents = models.ManyToManyField(
        "documents.Document", blank=True, related_name="+", verbose_name=_("Tệp kèm")
    )
    live = models.BooleanField(_("Gửi tại kỳ họp"), default=False)
    created_at = models.DateTimeField(_("Gửi lúc"), default=timezone.now)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name=_("Gộp vào"),
    )
    segment = models.ForeignKey(
        QuestionSegment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
    )
    order = models.PositiveIntegerField(default=0)
    outcome = models.CharField(
        _("Kết quả"), max_length=16, choices=Outcome, default=Outcome.PENDING
    )
    # Times in the hall, for the minutes.
    asked_at = models.DateTimeField(null=True, blank=True)
    answer_started_at = models.DateTimeField(null=True, blank=True)
    followup_started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    extended_seconds = models.PositiveIntegerField(default=0)
    # The written answer: an assignment (work) to the official, due then.
    answer_due = models.DateField(_("Hạn trả lời bằng văn bản"), null=True, blank=True)
    assignment = models.OneToOneField(
        "work.Assignment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="question",
    )
    answer_text = models.TextField(_("Nội dung trả lời"), blank=True)
    answer_document = models.ForeignKey(
        "documents.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Văn bản trả lời"),
    )
    answered_at = models.DateTimeField(_("Trả lời lúc"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    public = models.BooleanField(_("Công khai câu trả lời"), default=False)
    search_text = models.CharField(max_length=1000, editable=False, db_index=True)

    class Meta:
        verbose_name = _("câu hỏi chất vấn")
        verbose_name_plural = _("câu hỏi chất vấn")
        ordering = ["meeting", "order", "created_at", "id"]
        indexes = [models.Index(fields=["meeting", "agency"], name="question_agency")]

    def __str__(self) -> str:
        return self.topic

    def save(self, *args, **kwargs) -> None:
        self.topic = nfc(self.topic).strip()
        self.text = nfc(self.text).strip()
        self.answer_text = nfc(self.answer_text).strip()
        self.search_text = fold(f"{self.topic} {self.text} {self.answer_text}")[:1000]
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    @property
    def is_overdue(self) -> bool:
        return (
            self.outcome == Outcome.WRITTEN_DUE
            and self.answer_due is not None
            and self.answer_due < timezone.localdate()
        )

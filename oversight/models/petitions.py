"""Voters' petitions (kiến nghị cử tri), registered per session period.

A petition's status is derived from the work assignment that forwards it to
the agency (never stored twice): no assignment → not forwarded; owed → forwarded
(overdue past its deadline); awaiting acceptance → answered; completed →
resolved. See :func:`oversight.queries.petition_status_case`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nghisu.text import fold, nfc


class PetitionStatus(models.TextChoices):
    PENDING = "pending", _("Chưa chuyển")
    FORWARDED = "forwarded", _("Đã chuyển")
    ANSWERED = "answered", _("Đã trả lời")
    OVERDUE = "overdue", _("Quá hạn")
    RESOLVED = "resolved", _("Đã giải quyết")


class PetitionPeriod(models.Model):
    """The register of one period of meetings with voters (before a session)."""

    body = models.ForeignKey(
        "accounts.Body",
        on_delete=models.PROTECT,
        related_name="petition_periods",
        verbose_name=_("Cơ quan"),
    )
    name = models.CharField(_("Tên đợt tiếp xúc cử tri"), max_length=300)
    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="petition_periods",
        verbose_name=_("Báo cáo tại kỳ họp"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("đợt tiếp xúc cử tri")
        verbose_name_plural = _("đợt tiếp xúc cử tri")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name = nfc(self.name).strip()
        super().save(*args, **kwargs)


class Petition(models.Model):
    """One petition of voters; the same one raised in several places is kept
    once, with every place listed (:class:`PetitionPlace`)."""

    period = models.ForeignKey(
        PetitionPeriod, on_delete=models.CASCADE, related_name="petitions"
    )
    number = models.PositiveIntegerField(_("Số thứ tự"), default=0)
    text = models.TextField(_("Nội dung kiến nghị"))
    field = models.CharField(_("Lĩnh vực"), max_length=120, blank=True)
    agency = models.ForeignKey(
        "oversight.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions",
        verbose_name=_("Cơ quan trả lời"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name=_("Gộp vào"),
    )
    assignment = models.OneToOneField(
        "work.Assignment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="petition",
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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    search_text = models.TextField(editable=False, blank=True)

    class Meta:
        verbose_name = _("kiến nghị cử tri")
        verbose_name_plural = _("kiến nghị cử tri")
        ordering = ["period", "number", "id"]
        indexes = [models.Index(fields=["period", "agency"], name="petition_agency")]

    def __str__(self) -> str:
        return self.text[:80]

    def save(self, *args, **kwargs) -> None:
        self.text = nfc(self.text).strip()
        self.field = nfc(self.field).strip()
        self.answer_text = nfc(self.answer_text).strip()
        self.search_text = fold(f"{self.text} {self.field} {self.answer_text}")
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)


class PetitionPlace(models.Model):
    """Where and when a petition was raised: a meeting with voters."""

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="places"
    )
    place = models.CharField(_("Nơi tiếp xúc cử tri"), max_length=300)
    held_on = models.DateField(_("Ngày tiếp xúc"), null=True, blank=True)
    delegates = models.CharField(_("Đại biểu tham dự"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("nơi tiếp xúc cử tri")
        verbose_name_plural = _("nơi tiếp xúc cử tri")
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return self.place

"""Agencies that answer to the HĐND, and the officials who answer for them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nghisu.text import fold, nfc


class AgencyKind(models.TextChoices):
    DEPARTMENT = "so", _("Sở, ngành")
    BOARD = "ban", _("Ban")
    PEOPLES_COMMITTEE = "ubnd", _("Ủy ban nhân dân")
    OTHER = "other", _("Cơ quan khác")


class Agency(models.Model):
    """An agency questioned by and answering to the HĐND: a Sở, a Ban, the UBND
    of a commune. Not a :class:`accounts.Body`: it holds no meetings here."""

    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        related_name="agencies",
        verbose_name=_("Đơn vị hành chính"),
    )
    kind = models.CharField(
        _("Loại cơ quan"), max_length=16, choices=AgencyKind, default=AgencyKind.OTHER
    )
    name = models.CharField(_("Tên cơ quan"), max_length=200)
    short_name = models.CharField(_("Tên viết tắt"), max_length=64, blank=True)
    search_text = models.CharField(max_length=300, editable=False, db_index=True)

    class Meta:
        verbose_name = _("cơ quan trả lời")
        verbose_name_plural = _("cơ quan trả lời")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="agency_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name = nfc(self.name).strip()
        self.short_name = nfc(self.short_name).strip()
        self.search_text = fold(f"{self.name} {self.short_name}")[:300]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        """The agency's page for its administrators (the admin's link)."""
        from django.urls import reverse

        return reverse("oversight:agency_detail", args=[self.pk])


class AgencyOfficial(models.Model):
    """A user registered as answering for an agency (director, chair, …).

    An official sees the questions and petitions addressed to their agency and
    the documents attached to them, nothing else of the HĐND's work.
    """

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="officials"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="agency_seats",
        verbose_name=_("Người trả lời"),
    )
    title = models.CharField(_("Chức vụ"), max_length=200, blank=True)
    active = models.BooleanField(_("Đang đảm nhiệm"), default=True)
    ended_on = models.DateField(_("Thôi đảm nhiệm từ ngày"), null=True, blank=True)

    class Meta:
        verbose_name = _("người trả lời của cơ quan")
        verbose_name_plural = _("người trả lời của cơ quan")
        ordering = ["agency", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "user"],
                condition=Q(active=True),
                name="agency_official_once",
            )
        ]

    def __str__(self) -> str:
        label = f"{self.user}"
        if self.title:
            label += f", {self.title}"
        return f"{label} ({self.agency})"

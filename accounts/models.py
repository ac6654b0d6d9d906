"""People, administrative units, bodies (HĐND, UBND, their committees), memberships."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nghisu.text import fold, name_sort_key, nfc


class User(AbstractUser):
    """A person who signs in: delegate, member, secretary, chair or administrator."""

    full_name = models.CharField(_("Họ và tên"), max_length=150, blank=True)
    phone = models.CharField(_("Số điện thoại"), max_length=32, blank=True)
    title = models.CharField(_("Chức danh"), max_length=200, blank=True)
    search_text = models.CharField(
        max_length=400, blank=True, db_index=True, editable=False
    )
    #: Vietnamese name order (given name, family, middle; nghisu.text.name_sort_key),
    #: so that every list is ORDER BY sort_key in SQLite and PostgreSQL alike.
    sort_key = models.CharField(
        max_length=600, blank=True, db_index=True, editable=False
    )
    #: Download the packs of the meetings I am invited to in the next seven days,
    #: on Wi-Fi, without asking (docs/offline.md); changed only by the user
    #: (accounts.actions.set_offline_auto_download).
    offline_auto_download = models.BooleanField(
        _("Tự động tải cuộc họp sắp tới để đọc offline"), default=False
    )

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        ordering = ["sort_key", "username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name.rsplit(" ", 1)[-1] if self.full_name else self.username

    def save(self, *args, **kwargs) -> None:
        self.full_name = nfc(self.full_name).strip()
        self.search_text = fold(f"{self.full_name} {self.username} {self.email}")
        self.sort_key = name_sort_key(self.full_name or self.username)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "search_text",
                "sort_key",
            }
        super().save(*args, **kwargs)


class UnitLevel(models.Model):
    """A level of administration (tỉnh, xã, phường, …), kept as data.

    The 2025 reform removed the district level; the next change should be a data
    migration, not a schema one. ``rank`` orders levels from the top (1).
    """

    code = models.SlugField(_("Mã cấp"), max_length=32, unique=True)
    name = models.CharField(_("Tên cấp"), max_length=64)
    rank = models.PositiveSmallIntegerField(_("Thứ bậc"))

    class Meta:
        verbose_name = _("cấp hành chính")
        verbose_name_plural = _("cấp hành chính")
        ordering = ["rank", "name"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """An administrative unit: a province, a commune, a ward."""

    name = models.CharField(_("Tên đơn vị"), max_length=200)
    code = models.CharField(_("Mã đơn vị hành chính"), max_length=16, unique=True)
    level = models.ForeignKey(
        UnitLevel, on_delete=models.PROTECT, related_name="units", verbose_name=_("Cấp")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("Trực thuộc"),
    )
    search_text = models.CharField(
        max_length=400, blank=True, db_index=True, editable=False
    )

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["level__rank", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name = nfc(self.name).strip()
        self.search_text = fold(f"{self.name} {self.code}")
        super().save(*args, **kwargs)

    def ancestors(self) -> list[Unit]:
        """Return the chain of parents from the nearest up (one query each level)."""
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


class BodyKind(models.TextChoices):
    HDND = "hdnd", _("Hội đồng nhân dân")
    UBND = "ubnd", _("Ủy ban nhân dân")
    THUONG_TRUC = "thuong_truc", _("Thường trực HĐND")
    BAN = "ban", _("Ban của HĐND")


class Share(models.TextChoices):
    """A share of a body's total members (quorum, passing rule)."""

    MAJORITY = "majority", _("Quá nửa tổng số thành viên")
    TWO_THIRDS = "two_thirds", _("Ít nhất hai phần ba tổng số thành viên")


class Body(models.Model):
    """The HĐND or UBND of a unit, or a committee of an HĐND (Thường trực, a Ban)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="bodies", verbose_name=_("Đơn vị")
    )
    kind = models.CharField(_("Loại cơ quan"), max_length=16, choices=BodyKind.choices)
    name = models.CharField(_("Tên cơ quan"), max_length=200)
    short_name = models.CharField(_("Tên viết tắt"), max_length=64, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="committees",
        verbose_name=_("Thuộc cơ quan"),
    )
    member_count_override = models.PositiveIntegerField(
        _("Tổng số thành viên (nếu khác số đang đương nhiệm)"),
        null=True,
        blank=True,
        help_text=_(
            "Để trống: tính theo số thành viên đang đương nhiệm (không kể thư ký)."
        ),
    )
    allows_delegation = models.BooleanField(
        _("Cho phép ủy quyền dự họp"), default=False
    )
    # The law's rules (accounts.rules); empty: the default of the body's kind.
    quorum_rule = models.CharField(
        _("Số thành viên có mặt để tiến hành họp"),
        max_length=16,
        choices=Share.choices,
        blank=True,
        help_text=_("Để trống: theo loại cơ quan (hai phần ba tổng số thành viên)."),
    )
    passing_rule = models.CharField(
        _("Số phiếu tán thành để thông qua"),
        max_length=16,
        choices=Share.choices,
        blank=True,
        help_text=_(
            "Để trống: theo loại cơ quan (quá nửa tổng số thành viên); nội dung "
            "cần hai phần ba được chọn khi chuẩn bị biểu quyết."
        ),
    )
    chair_decides_tie = models.BooleanField(
        _("Khi biểu quyết ngang nhau, theo ý kiến Chủ tịch"),
        null=True,
        blank=True,
        help_text=_("Để trống: theo loại cơ quan (có đối với Ủy ban nhân dân)."),
    )
    group = models.OneToOneField(
        Group,
        on_delete=models.PROTECT,
        related_name="body",
        editable=False,
        verbose_name=_("Nhóm thành viên"),
    )
    search_text = models.CharField(
        max_length=400, blank=True, db_index=True, editable=False
    )

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["unit__level__rank", "unit__name", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="body_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name = nfc(self.name).strip()
        self.search_text = fold(f"{self.name} {self.short_name} {self.unit.name}")
        super().save(*args, **kwargs)


class Position(models.TextChoices):
    CHAIR = "chair", _("Chủ tịch")
    VICE_CHAIR = "vice_chair", _("Phó Chủ tịch")
    MEMBER = "member", _("Thành viên")
    SECRETARY = "secretary", _("Thư ký")


# Positions that count as members of the body for its vote rules; a secretary
# (usually office staff) keeps the records but is not a member.
VOTING_POSITIONS = (Position.CHAIR, Position.VICE_CHAIR, Position.MEMBER)
# Positions that manage a body's meetings, consultations and assignments.
MANAGER_POSITIONS = (Position.CHAIR, Position.SECRETARY)
POSITION_ORDER = {p: i for i, p in enumerate(Position.values)}


class MembershipQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None) -> MembershipQuerySet:
        """Memberships in force on ``on`` (today by default)."""
        day = on or timezone.localdate()
        return self.filter(
            Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gte=day)
        )


class Membership(models.Model):
    """A user's seat in a body, with a position and dates.

    A user has at most one membership in force in a body on any day; the action
    ``add_membership`` checks overlaps under a row lock, and the partial unique
    constraint backs it for open-ended memberships.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("Người dùng"),
    )
    body = models.ForeignKey(
        Body,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("Cơ quan"),
    )
    position = models.CharField(_("Chức vụ"), max_length=16, choices=Position.choices)
    start_date = models.DateField(_("Từ ngày"))
    end_date = models.DateField(_("Đến ngày"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("thành viên cơ quan")
        verbose_name_plural = _("thành viên cơ quan")
        ordering = ["body", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "body"],
                condition=Q(end_date__isnull=True),
                name="membership_one_open_per_body",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="membership_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_position_display()} – {self.body}"

    def is_current(self, on: datetime.date | None = None) -> bool:
        day = on or timezone.localdate()
        return self.start_date <= day and (
            self.end_date is None or self.end_date >= day
        )


class AuditEvent(models.Model):
    """An append-only record of a sensitive action: who, when, from where, on what."""

    time = models.DateTimeField(_("Thời điểm"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("Người thực hiện"),
    )
    username = models.CharField(_("Tên đăng nhập"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("Địa chỉ IP"), null=True, blank=True)
    action = models.CharField(_("Hành động"), max_length=64, db_index=True)
    object_type = models.CharField(_("Loại đối tượng"), max_length=64)
    object_id = models.CharField(_("Mã đối tượng"), max_length=64)
    detail = models.JSONField(_("Chi tiết"), default=dict, blank=True)

    class Meta:
        verbose_name = _("nhật ký kiểm toán")
        verbose_name_plural = _("nhật ký kiểm toán")
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.time:%d/%m/%Y %H:%M} {self.username} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only.")

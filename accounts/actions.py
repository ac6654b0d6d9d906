"""Every change to people, units, bodies and memberships.

Each function validates, writes in one transaction and keeps each body's members
group in step with its memberships, so object grants to the group follow.
"""

from __future__ import annotations

import datetime
import logging
import uuid

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    AuditEvent,
    Body,
    BodyKind,
    Membership,
    Position,
    Unit,
    UnitLevel,
    User,
)
from accounts.signals import membership_ended
from nghisu.errors import ActionError

logger = logging.getLogger(__name__)


def _audit_event(
    user: User | None, action: str, obj: object, *, ip: str | None, detail: dict
) -> AuditEvent:
    return AuditEvent(
        user=user if user is not None and user.pk else None,
        username=getattr(user, "username", "") or "",
        ip=ip or None,
        action=action,
        object_type=obj._meta.label_lower
        if hasattr(obj, "_meta")
        else type(obj).__name__,
        object_id=str(getattr(obj, "pk", obj)),
        detail=detail,
    )


def record_audit(
    user: User | None,
    action: str,
    obj: object,
    *,
    ip: str | None = None,
    **detail: object,
) -> AuditEvent:
    """Append an audit event for ``action`` by ``user`` on ``obj``."""
    event = _audit_event(user, action, obj, ip=ip, detail=detail)
    event.save()
    return event


def record_audits(
    user: User | None,
    action: str,
    items: list[tuple[object, dict]],
    *,
    ip: str | None = None,
) -> list[AuditEvent]:
    """Append one audit event per ``(obj, detail)`` of ``items`` (one query)."""
    if not items:
        return []
    return AuditEvent.objects.bulk_create(
        [_audit_event(user, action, obj, ip=ip, detail=d) for obj, d in items]
    )


def record_refusal(exc: ActionError) -> None:
    """Audit a refusal that asks for it (``exc.audit``), once, outside any
    transaction: the refused change rolled back, its audit must stay. Inside a
    transaction it waits for whoever ends it to call this again."""
    audit = getattr(exc, "audit", None)
    if not audit or connection.in_atomic_block:
        return
    exc.audit = None
    record_audit(audit["user"], audit["action"], audit["obj"], **audit["detail"])


def create_user(
    username: str,
    *,
    full_name: str,
    password: str | None,
    email: str = "",
    phone: str = "",
    title: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    """Create a user; ``password=None`` leaves the account without a usable one."""
    if User.objects.filter(username__iexact=username).exists():
        raise ActionError(
            f"Tên đăng nhập “{username}” đã có người dùng.", code="exists"
        )
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        phone=phone,
        title=title,
        is_staff=is_staff or is_superuser,
        is_superuser=is_superuser,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    return user


def set_offline_auto_download(
    actor: User, user: User, *, enabled: bool, ip: str | None = None
) -> User:
    """Turn on or off the automatic download of ``user``'s upcoming meetings
    (docs/offline.md). Only the user may change it: it spends their tablet's
    space and data. Audited as ``user.offline_auto_download``."""
    if not isinstance(enabled, bool):
        raise ActionError(_("Lựa chọn không hợp lệ."), code="invalid")
    if actor is None or not actor.is_authenticated or actor.pk != user.pk:
        raise ActionError(
            _("Chỉ chính người dùng mới đổi được lựa chọn này."), code="forbidden"
        )
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.offline_auto_download == enabled:
            user.offline_auto_download = enabled
            return user
        locked.offline_auto_download = enabled
        locked.save(update_fields=["offline_auto_download"])
        record_audit(
            actor, "user.offline_auto_download", locked, ip=ip, enabled=enabled
        )
    user.offline_auto_download = enabled
    return user


def create_unit(
    name: str, *, code: str, level: UnitLevel, parent: Unit | None = None
) -> Unit:
    """Create an administrative unit under ``parent``.

    A unit sits below a unit of a higher level (a smaller rank); a province has no
    parent only if nothing ranks above it.
    """
    if Unit.objects.filter(code=code).exists():
        raise ActionError(f"Mã đơn vị “{code}” đã được dùng.", code="exists")
    _check_parent_level(level, parent)
    return Unit.objects.create(name=name, code=code, level=level, parent=parent)


def move_unit(unit: Unit, *, parent: Unit | None) -> Unit:
    """Put ``unit`` under ``parent``, refusing cycles and level inversions."""
    check_unit_parent(unit, level=unit.level, parent=parent)
    unit.parent = parent
    unit.save(update_fields=["parent", "search_text"])
    return unit


def check_unit_parent(
    unit: Unit | None, *, level: UnitLevel, parent: Unit | None
) -> None:
    """Refuse a parent that is the unit itself, below it, or not of a higher level."""
    node = parent
    while unit is not None and unit.pk is not None and node is not None:
        if node.pk == unit.pk:
            raise ActionError(
                "Không thể đặt một đơn vị trực thuộc chính nó hoặc đơn vị cấp dưới "
                "của nó.",
                code="cycle",
            )
        node = node.parent
    _check_parent_level(level, parent)


def _check_parent_level(level: UnitLevel, parent: Unit | None) -> None:
    if parent is not None and parent.level.rank >= level.rank:
        raise ActionError(
            f"Đơn vị cấp “{level.name}” không thể trực thuộc đơn vị cấp "
            f"“{parent.level.name}”.",
            code="bad_level",
        )


@transaction.atomic
def create_body(
    unit: Unit,
    *,
    kind: BodyKind | str,
    name: str,
    short_name: str = "",
    parent: Body | None = None,
    member_count_override: int | None = None,
    allows_delegation: bool = False,
) -> Body:
    """Create a body of ``unit`` with its (empty) members group."""
    if Body.objects.filter(unit=unit, name=name).exists():
        raise ActionError(f"Đơn vị này đã có cơ quan “{name}”.", code="exists")
    if kind in (BodyKind.THUONG_TRUC, BodyKind.BAN) and (
        parent is None or parent.kind != BodyKind.HDND
    ):
        raise ActionError(
            "Thường trực và các Ban phải thuộc một Hội đồng nhân dân.",
            code="bad_parent",
        )
    body = Body(
        unit=unit,
        kind=kind,
        name=name,
        short_name=short_name,
        parent=parent,
        member_count_override=member_count_override,
        allows_delegation=allows_delegation,
    )
    body.group = Group.objects.create(name=f"body:new:{uuid.uuid4().hex}")
    body.save()
    body.group.name = f"body:{body.pk}:members"
    body.group.save(update_fields=["name"])
    return body


@transaction.atomic
def add_membership(
    body: Body,
    user: User,
    *,
    position: Position | str,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    actor: User | None = None,
) -> Membership:
    """Give ``user`` a seat in ``body`` from ``start_date`` (today by default).

    Locks the user's memberships in the body, refuses one that overlaps another
    (one membership in force per user and body), then updates the members group.
    """
    start = start_date or timezone.localdate()
    if position not in Position.values:
        raise ActionError("Chức vụ không hợp lệ.", code="bad_position")
    check_membership_dates(body, user, start=start, end=end_date, lock=True)
    membership = Membership.objects.create(
        user=user, body=body, position=position, start_date=start, end_date=end_date
    )
    sync_body_group(body)
    if actor is not None:
        record_audit(
            actor,
            "membership.add",
            membership,
            body=body.pk,
            member=user.pk,
            position=str(position),
        )
    return membership


@transaction.atomic
def end_membership(
    membership: Membership,
    *,
    end_date: datetime.date | None = None,
    actor: User | None = None,
) -> Membership:
    """End ``membership`` on ``end_date``, its last day in force (by default
    now: yesterday, or its first day if it started today).

    Updates the group and sends ``membership_ended``, so the former member's
    seats in the body's open meetings go at once (:func:`apply_membership_end`).
    """
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    end = end_date or max(
        membership.start_date, timezone.localdate() - datetime.timedelta(days=1)
    )
    if end < membership.start_date:
        raise ActionError("Ngày kết thúc phải sau ngày bắt đầu.", code="bad_dates")
    if membership.end_date is not None and membership.end_date <= end:
        raise ActionError("Nhiệm kỳ này đã kết thúc.", code="already_ended")
    membership.end_date = end
    membership.save(update_fields=["end_date"])
    record_audit(actor, "membership.end", membership, end=end.isoformat())
    apply_membership_end(membership, actor=actor)
    return membership


def apply_membership_end(membership: Membership, *, actor: User | None) -> None:
    """Bring the body's group in step and tell the other apps that this
    person may have left the body (idempotent; inside the caller's
    transaction). The receivers decide by date which seats go."""
    sync_body_group(membership.body)
    membership_ended.send(
        sender=Membership,
        body_id=membership.body_id,
        user_id=membership.user_id,
        actor=actor,
    )


@transaction.atomic
def update_membership(
    membership: Membership,
    *,
    position: Position | str,
    start_date: datetime.date,
    end_date: datetime.date | None,
    actor: User | None = None,
) -> Membership:
    """Change a membership's position or dates (the administrator), audited;
    an end date takes the person's seats away as :func:`end_membership` does."""
    if position not in Position.values:
        raise ActionError("Chức vụ không hợp lệ.", code="bad_position")
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    check_membership_dates(
        membership.body,
        membership.user,
        start=start_date,
        end=end_date,
        exclude_pk=membership.pk,
        lock=True,
    )
    before = {
        "position": membership.position,
        "start": membership.start_date.isoformat(),
        "end": membership.end_date.isoformat() if membership.end_date else None,
    }
    membership.position = position
    membership.start_date = start_date
    membership.end_date = end_date
    membership.save(update_fields=["position", "start_date", "end_date"])
    record_audit(
        actor,
        "membership.update",
        membership,
        before=before,
        position=str(position),
        start=start_date.isoformat(),
        end=end_date.isoformat() if end_date else None,
    )
    apply_membership_end(membership, actor=actor)
    return membership


@transaction.atomic
def delete_membership(membership: Membership, *, actor: User | None = None) -> None:
    """Delete a membership entered by mistake (the administrator), audited."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    record_audit(
        actor,
        "membership.delete",
        membership,
        body=membership.body_id,
        member=membership.user_id,
        position=membership.position,
    )
    membership.delete()
    apply_membership_end(membership, actor=actor)


def apply_due_membership_ends(
    today: datetime.date | None = None, *, days: int = 31
) -> int:
    """For the scheduler: apply the memberships that ended in the last
    ``days`` days or end later (seats in meetings after their end), so an end
    date that passes takes effect without anyone acting. Idempotent; returns
    how many memberships were looked at."""
    today = today or timezone.localdate()
    rows = list(
        Membership.objects.filter(
            end_date__gte=today - datetime.timedelta(days=days)
        ).select_related("body")
    )
    for membership in rows:
        with transaction.atomic():
            apply_membership_end(membership, actor=None)
    return len(rows)


def check_membership_dates(
    body: Body,
    user: User,
    *,
    start: datetime.date,
    end: datetime.date | None,
    exclude_pk: int | None = None,
    lock: bool = False,
) -> None:
    """Refuse an end before the start, or a period overlapping another seat.

    With ``lock``, the user's memberships in the body are locked first, so two
    concurrent additions cannot both pass (call it inside a transaction).
    """
    if end is not None and end < start:
        raise ActionError("Ngày kết thúc phải sau ngày bắt đầu.", code="bad_dates")
    others = Membership.objects.filter(user=user, body=body).exclude(pk=exclude_pk)
    if lock:
        others = others.select_for_update()
    for other in others:
        if _overlaps(start, end, other.start_date, other.end_date):
            raise ActionError(
                f"{user} đã là thành viên của {body} trong khoảng thời gian này "
                f"(từ {other.start_date:%d/%m/%Y}).",
                code="overlap",
            )


def _overlaps(
    a_start: datetime.date,
    a_end: datetime.date | None,
    b_start: datetime.date,
    b_end: datetime.date | None,
) -> bool:
    far = datetime.date.max
    return a_start <= (b_end or far) and b_start <= (a_end or far)


def sync_body_group(body: Body, *, on: datetime.date | None = None) -> None:
    """Make the body's members group hold exactly its current members.

    Runs after every membership change and daily (``manage.py sync_body_groups``)
    for memberships that start or end by date. Three queries whatever the size.
    """
    wanted = set(body.memberships.current(on).values_list("user_id", flat=True))
    through = User.groups.through
    present = set(
        through.objects.filter(group_id=body.group_id).values_list("user_id", flat=True)
    )
    if wanted - present:
        through.objects.bulk_create(
            [through(group_id=body.group_id, user_id=uid) for uid in wanted - present]
        )
    if present - wanted:
        through.objects.filter(
            group_id=body.group_id, user_id__in=present - wanted
        ).delete()


def sync_all_body_groups(*, on: datetime.date | None = None) -> int:
    """Bring every body's group in step; return how many bodies were checked."""
    count = 0
    for body in Body.objects.all():
        with transaction.atomic():
            sync_body_group(body, on=on)
        count += 1
    return count

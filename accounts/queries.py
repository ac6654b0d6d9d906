"""Shared reads of people and bodies, each a fixed number of queries."""

from __future__ import annotations

import datetime

from django.db.models import Case, Count, IntegerField, Prefetch, Q, When
from django.utils import timezone

from accounts.models import (
    MANAGER_POSITIONS,
    POSITION_ORDER,
    VOTING_POSITIONS,
    Body,
    Membership,
    Unit,
    User,
)
from nghisu.errors import NotFound


def _current_q(prefix: str = "", on: datetime.date | None = None) -> Q:
    day = on or timezone.localdate()
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def _position_rank() -> Case:
    return Case(
        *[When(position=p, then=rank) for p, rank in POSITION_ORDER.items()],
        output_field=IntegerField(),
    )


def units_with_bodies() -> list[Unit]:
    """Units that have bodies, each with ``bodies_list`` annotated with counts.

    Two queries: the units, and their bodies with current member counts.
    """
    bodies = Body.objects.annotate(
        current_members=Count(
            "memberships",
            filter=_current_q("memberships__")
            & Q(memberships__position__in=VOTING_POSITIONS),
        )
    ).order_by("kind", "name")
    return list(
        Unit.objects.filter(bodies__isnull=False)
        .distinct()
        .select_related("level")
        .prefetch_related(Prefetch("bodies", queryset=bodies, to_attr="bodies_list"))
    )


def get_body(body_id: int) -> Body:
    """Return the body or raise ``NotFound``; body lists are public to members."""
    try:
        return Body.objects.select_related("unit", "unit__level", "parent").get(
            pk=body_id
        )
    except (Body.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def current_members(body: Body, *, on: datetime.date | None = None) -> list[Membership]:
    """Current memberships of ``body``, chair first, then by name: one query."""
    return list(
        Membership.objects.filter(body=body)
        .current(on)
        .select_related("user")
        .annotate(rank=_position_rank())
        .order_by("rank", "user__sort_key", "user__username")
    )


def member_count(body: Body, *, on: datetime.date | None = None) -> int:
    """All members of ``body`` for its vote rules (not counting secretaries)."""
    if body.member_count_override:
        return body.member_count_override
    return (
        Membership.objects.filter(body=body, position__in=VOTING_POSITIONS)
        .current(on)
        .count()
    )


def my_memberships(user: User) -> list[Membership]:
    """The user's current memberships with their bodies: one query."""
    return list(
        Membership.objects.filter(user=user)
        .current()
        .select_related("body", "body__unit")
        .order_by("body__unit__level__rank", "body__name")
    )


def positions_in(user: User, body: Body) -> set[str]:
    """The positions ``user`` currently holds in ``body`` (usually one)."""
    return set(
        Membership.objects.filter(user=user, body=body)
        .current()
        .values_list("position", flat=True)
    )


def is_manager(user: User, body: Body | int) -> bool:
    """Whether ``user`` manages ``body`` (a current chair or secretary): 1 query.

    The one definition of a body's managers: they create and run its meetings,
    send its consultations and give its assignments.
    """
    if not user.is_authenticated:
        return False
    body_id = body if isinstance(body, int) else body.pk
    return (
        Membership.objects.current()
        .filter(user=user, body_id=body_id, position__in=MANAGER_POSITIONS)
        .exists()
    )


def managed_bodies(user: User) -> list[Body]:
    """Bodies ``user`` manages (:func:`is_manager`), in unit order: 1 query."""
    if not user.is_authenticated:
        return []
    seats = Membership.objects.current().filter(
        user=user, position__in=MANAGER_POSITIONS
    )
    return list(
        Body.objects.filter(pk__in=seats.values("body_id"))
        .select_related("unit")
        .order_by("unit__level__rank", "name")
    )

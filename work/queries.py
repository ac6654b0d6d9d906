"""Permission-checked reads of consultations and assignments; each page a fixed
number of queries.

Who sees what:

- a consultation: its recipients, and the current chairs and secretaries of its
  body ("managers", who send and close it); others get :class:`NotFound`.
  Answers are shown to managers at any time and to recipients once it is closed;
- an assignment: the current members of the body that gave it, and the
  assignee: the person, the current members of the assignee body, or, for an
  administrative unit, the current members of that unit's People's Committee.
  The meeting, agenda item and conclusion a task came from show only to those
  who may see that meeting (:func:`with_meeting_shown`): the task itself
  carries the text the assigner chose to give (its title and description).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from accounts.models import (
    MANAGER_POSITIONS,
    Body,
    BodyKind,
    Membership,
    User,
)
from accounts.queries import is_manager
from accounts.queries import managed_bodies as managed_bodies  # re-exported
from nghisu.errors import NotFound
from nghisu.text import fold
from work.models import (
    OVERDUE,
    OWED_STATUSES,
    Assignment,
    AssignmentReport,
    AssignmentStatus,
    Consultation,
    ConsultationRecipient,
    ConsultationStatus,
    Notification,
)


def _pk(value: object) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def member_bodies_q(user: User, field: str = "body") -> Q:
    """Q over rows whose ``field`` is a body ``user`` currently belongs to."""
    seats = Membership.objects.current().filter(user=user)
    return Q(**{f"{field}__in": seats.values("body_id")})


# --- consultations ------------------------------------------------------------------
@dataclass
class ConsultationViewer:
    """What the current user may do with one consultation."""

    manage: bool
    seat: ConsultationRecipient | None

    @property
    def is_recipient(self) -> bool:
        return self.seat is not None


def visible_consultations(user: User) -> QuerySet[Consultation]:
    """Consultations ``user`` may see (recipient or manager of the body)."""
    if not user.is_authenticated:
        return Consultation.objects.none()
    mine = ConsultationRecipient.objects.filter(consultation=OuterRef("pk"), user=user)
    managed = Membership.objects.current().filter(
        user=user, position__in=MANAGER_POSITIONS
    )
    return Consultation.objects.filter(
        Q(Exists(mine)) | Q(body__in=managed.values("body_id"))
    )


def access_consultation(
    user: User, consultation_id: object, *, for_update: bool = False
) -> Consultation:
    """The consultation with ``.viewer`` set, or NotFound (3 queries)."""
    pk = _pk(consultation_id)
    qs = visible_consultations(user).select_related(
        "body", "body__unit", "created_by", "closed_by", "agenda_item__meeting"
    )
    consultation = qs.filter(pk=pk).first()
    if consultation is None:
        raise NotFound()
    consultation.viewer = ConsultationViewer(
        manage=is_manager(user, consultation.body_id),
        seat=ConsultationRecipient.objects.filter(
            consultation=consultation, user=user
        ).first(),
    )
    return consultation


def can_see_answers(consultation: Consultation) -> bool:
    """Managers always; recipients once the consultation is closed."""
    viewer = consultation.viewer
    return viewer.manage or (
        viewer.is_recipient and consultation.status == ConsultationStatus.CLOSED
    )


def recipient_rows(consultation: Consultation) -> list[ConsultationRecipient]:
    """Recipients with users, chair first then by name (1 query)."""
    from accounts.models import POSITION_ORDER

    rows = list(
        ConsultationRecipient.objects.filter(consultation=consultation)
        .select_related("user")
        .order_by("user__sort_key", "user__username")
    )
    rows.sort(key=lambda r: POSITION_ORDER.get(r.position, 99))
    return rows


def tally(rows: list[ConsultationRecipient]) -> dict[str, int]:
    counts = {"agree": 0, "disagree": 0, "other": 0, "none": 0}
    for row in rows:
        counts[row.opinion or "none"] += 1
    return counts


def consultation_list(user: User) -> list[Consultation]:
    """Consultations the user may see, newest first, with their answer counts
    and the user's own seat (``my_opinion``): 1 query."""
    mine = ConsultationRecipient.objects.filter(consultation=OuterRef("pk"), user=user)
    return list(
        visible_consultations(user)
        .select_related("body")
        .annotate(
            n_recipients=Count("recipients", distinct=True),
            n_answered=Count(
                "recipients", filter=~Q(recipients__opinion=""), distinct=True
            ),
            is_mine=Exists(mine),
            my_opinion=mine.values("opinion")[:1],
        )
        .order_by("-created_at", "-id")[:200]
    )


def awaiting_answer(user: User, *, limit: int = 20) -> list[ConsultationRecipient]:
    """Open consultations waiting for the user's answer, soonest deadline first."""
    return list(
        ConsultationRecipient.objects.filter(
            user=user,
            opinion="",
            consultation__status=ConsultationStatus.OPEN,
            consultation__deadline__gt=timezone.now(),
        )
        .select_related("consultation", "consultation__body")
        .order_by("consultation__deadline")[:limit]
    )


# --- assignments --------------------------------------------------------------------
def _assignee_q(user: User) -> Q:
    seats = Membership.objects.current().filter(user=user)
    ubnd_units = (
        Membership.objects.current()
        .filter(user=user, body__kind=BodyKind.UBND)
        .values("body__unit_id")
    )
    return (
        Q(assignee_user=user)
        | Q(assignee_body__in=seats.values("body_id"))
        | Q(assignee_unit__in=ubnd_units)
    )


def visible_assignments(user: User) -> QuerySet[Assignment]:
    """Assignments of the user's bodies and those the user (or their body) owes."""
    if not user.is_authenticated:
        return Assignment.objects.none()
    return Assignment.objects.filter(member_bodies_q(user) | _assignee_q(user))


def owed_by(user: User) -> QuerySet[Assignment]:
    """Assignments the user acts on as assignee."""
    if not user.is_authenticated:
        return Assignment.objects.none()
    return Assignment.objects.filter(_assignee_q(user))


@dataclass
class AssignmentViewer:
    review: bool  # chair or secretary of the assigning body: accept / return
    report: bool  # the assignee (or one acting for the assignee agency)


def assignment_viewer(user: User, assignment: Assignment) -> AssignmentViewer:
    """The user's rights on ``assignment`` (2 queries)."""
    return AssignmentViewer(
        review=is_manager(user, assignment.body_id),
        report=owed_by(user).filter(pk=assignment.pk).exists(),
    )


def with_meeting_shown(qs: QuerySet[Assignment], user: User) -> QuerySet[Assignment]:
    """Annotate ``meeting_shown``: whether ``user`` may see the task's meeting
    (and so its item and conclusion), by the meetings' own rule
    (:func:`meetings.queries.visible_meetings`), inside the same query."""
    from meetings.queries import visible_meetings

    return qs.annotate(
        meeting_shown=Exists(visible_meetings(user).filter(pk=OuterRef("meeting_id")))
    )


def access_assignment(user: User, assignment_id: object) -> Assignment:
    """The assignment with ``.viewer`` and ``.meeting_shown`` set, or NotFound
    (3 queries)."""
    pk = _pk(assignment_id)
    assignment = (
        with_meeting_shown(visible_assignments(user), user)
        .select_related(
            "body",
            "assignee_body",
            "assignee_unit",
            "assignee_user",
            "created_by",
            "conclusion__item",
            "meeting",
        )
        .filter(pk=pk)
        .first()
    )
    if assignment is None:
        raise NotFound()
    assignment.viewer = assignment_viewer(user, assignment)
    return assignment


def history(assignment: Assignment) -> list[AssignmentReport]:
    """Reports, acceptances and returns, oldest first, with documents (2 queries)."""
    return list(
        AssignmentReport.objects.filter(assignment=assignment)
        .select_related("author")
        .prefetch_related("documents")
    )


_RELATED = ("body", "assignee_body", "assignee_unit", "assignee_user", "meeting")


def with_display_status(qs: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """Annotate ``shown_status``: the stored status, or ``overdue``."""
    today = timezone.localdate()
    return qs.annotate(
        shown_status=Case(
            When(Q(status__in=OWED_STATUSES, deadline__lt=today), then=Value(OVERDUE)),
            default="status",
            output_field=CharField(),
        )
    )


def my_tasks(user: User, *, limit: int = 20) -> dict[str, list[Assignment]]:
    """The home page block: open tasks the user owes, overdue first (1 query)."""
    rows = list(
        owed_by(user)
        .exclude(status=AssignmentStatus.COMPLETED)
        .select_related(*_RELATED)
        .order_by("deadline", "id")[: limit * 2]
    )
    overdue = [a for a in rows if a.is_overdue]
    others = [a for a in rows if not a.is_overdue]
    return {"overdue": overdue[:limit], "open": others[:limit]}


@dataclass
class BoardFilters:
    """Filters of the dashboard and its export (all optional)."""

    status: str = ""
    q: str = ""
    meeting: int | None = None
    deadline_from: datetime.date | None = None
    deadline_to: datetime.date | None = None

    @classmethod
    def from_query(cls, data) -> BoardFilters:
        def day(key: str) -> datetime.date | None:
            try:
                return datetime.date.fromisoformat(data.get(key, ""))
            except ValueError:
                return None

        status = data.get("status", "")
        if status not in {*AssignmentStatus.values, OVERDUE}:
            status = ""
        try:
            meeting = int(data.get("meeting") or 0) or None
        except ValueError:
            meeting = None
        return cls(
            status=status,
            q=(data.get("q") or "").strip()[:100],
            meeting=meeting,
            deadline_from=day("from"),
            deadline_to=day("to"),
        )

    def as_query(self) -> dict[str, str]:
        out = {"status": self.status, "q": self.q}
        if self.meeting:
            out["meeting"] = str(self.meeting)
        if self.deadline_from:
            out["from"] = self.deadline_from.isoformat()
        if self.deadline_to:
            out["to"] = self.deadline_to.isoformat()
        return {k: v for k, v in out.items() if v}


def board_rows(
    body: Body, filters: BoardFilters, *, user: User, limit: int = 1000
) -> list:
    """The body's assignments as filtered, overdue first then by deadline, with
    ``meeting_shown`` for ``user`` (1 query). Filtering by a meeting the user
    may not see finds nothing."""
    qs = with_meeting_shown(
        with_display_status(Assignment.objects.filter(body=body)), user
    )
    if filters.status:
        qs = qs.filter(shown_status=filters.status)
    if filters.q:
        folded = fold(filters.q)
        qs = qs.filter(
            Q(search_text__contains=folded)
            | Q(assignee_body__search_text__contains=folded)
            | Q(assignee_unit__search_text__contains=folded)
            | Q(assignee_user__search_text__contains=folded)
        )
    if filters.meeting:
        qs = qs.filter(meeting_id=filters.meeting, meeting_shown=True)
    if filters.deadline_from:
        qs = qs.filter(deadline__gte=filters.deadline_from)
    if filters.deadline_to:
        qs = qs.filter(deadline__lte=filters.deadline_to)
    order = Case(When(shown_status=OVERDUE, then=0), default=1)
    return list(qs.select_related(*_RELATED).order_by(order, "deadline", "id")[:limit])


def board_counts(body: Body) -> dict[str, int]:
    """Counts of the body's assignments by shown status (1 query)."""
    today = timezone.localdate()
    owed = Q(status__in=OWED_STATUSES)
    late = owed & Q(deadline__lt=today)
    agg = Assignment.objects.filter(body=body).aggregate(
        total=Count("id"),
        new=Count("id", filter=Q(status=AssignmentStatus.NEW) & ~late),
        in_progress=Count("id", filter=Q(status=AssignmentStatus.IN_PROGRESS) & ~late),
        awaiting_acceptance=Count("id", filter=Q(status=AssignmentStatus.AWAITING)),
        completed=Count("id", filter=Q(status=AssignmentStatus.COMPLETED)),
        overdue=Count("id", filter=late),
    )
    return agg


def monthly_completion(body: Body, *, months: int = 12) -> list[dict]:
    """Completed assignments per month of completion, on time or late, for the
    last ``months`` months including this one (1 query)."""
    today = timezone.localdate()
    first = today.replace(day=1)
    for _i in range(months - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time()))
    rows = Assignment.objects.filter(
        body=body, status=AssignmentStatus.COMPLETED, completed_at__gte=start
    ).values_list("completed_at", "on_time")
    buckets: dict[tuple[int, int], dict] = {}
    day = first
    for _i in range(months):
        buckets[(day.year, day.month)] = {
            "year": day.year,
            "month": day.month,
            "on_time": 0,
            "late": 0,
        }
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    for completed_at, on_time in rows:
        local = timezone.localtime(completed_at)
        bucket = buckets.get((local.year, local.month))
        if bucket is not None:
            bucket["on_time" if on_time else "late"] += 1
    return list(buckets.values())


def board_meetings(body: Body, user: User) -> list:
    """Meetings of the body that gave assignments and that ``user`` may see
    (for the filter; 1 query)."""
    from meetings.queries import visible_meetings

    return list(
        visible_meetings(user)
        .filter(body=body, assignments__isnull=False)
        .distinct()
        .order_by("-starts_at")
        .only("pk", "title", "starts_at")
    )


def assignments_list(user: User) -> dict[str, list[Assignment]]:
    """The user's assignments page: owed by me and given by my bodies (2 queries)."""
    mine = list(
        with_meeting_shown(with_display_status(owed_by(user)), user)
        .select_related(*_RELATED)
        .order_by("deadline", "id")[:200]
    )
    given = list(
        with_meeting_shown(
            with_display_status(Assignment.objects.filter(member_bodies_q(user))),
            user,
        )
        .exclude(pk__in=[a.pk for a in mine])
        .select_related(*_RELATED)
        .order_by("deadline", "id")[:200]
    )
    return {"mine": mine, "given": given}


def unread_count(user: User) -> int:
    """Unread notifications of ``user`` (one COUNT query)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def open_conclusions(body: Body, *, limit: int = 200) -> list:
    """Conclusions of the body's meetings, newest meeting first (1 query)."""
    from meetings.models import Conclusion

    return list(
        Conclusion.objects.filter(meeting__body=body)
        .select_related("meeting", "item")
        .order_by("-meeting__starts_at", "item__position")[:limit]
    )


def prefetch_reports() -> Prefetch:
    return Prefetch("reports", queryset=AssignmentReport.objects.order_by("created_at"))

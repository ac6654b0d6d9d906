"""Permission-checked reads of meetings, each a fixed number of queries.

Who sees what:

- the body's current chairs and secretaries ("managers") see every meeting of
  the body, drafts included, and change them;
- a participant sees the meeting once it is published;
- everyone else gets :class:`~nghisu.errors.NotFound` for the meeting, its items,
  its documents and its minutes.

"Presiding" (recording conclusions, approving minutes, running the room) belongs
to the meeting's chair participant and to the body's current chair.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from accounts import rules
from accounts.models import MANAGER_POSITIONS, Membership, Position, User
from accounts.queries import managed_bodies as managed_bodies  # re-exported
from accounts.queries import member_count
from meetings.models import (
    AgendaChange,
    AgendaDocument,
    AgendaItem,
    Answer,
    Attendance,
    Conclusion,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    Participant,
    Role,
)
from nghisu.errors import NotFound
from nghisu.text import fold


@dataclass
class Viewer:
    """What the current user may do with one meeting."""

    manage: bool = False
    preside: bool = False
    participant: Participant | None = None
    positions: set[str] = field(default_factory=set)

    @property
    def is_participant(self) -> bool:
        return self.participant is not None


_RIGHTS_SQL: dict[str, str] = {}


def _rights_sql() -> str:
    """The rights query as SQL text, written once per database vendor: one
    ``EXISTS`` per position, and the participant row joined to one dummy row."""
    sql = _RIGHTS_SQL.get(connection.vendor)
    if sql is None:
        qn = connection.ops.quote_name
        member = qn(Membership._meta.db_table)
        part = qn(Participant._meta.db_table)
        held = ", ".join(
            f"EXISTS(SELECT 1 FROM {member} m WHERE m.user_id = %s"  # noqa: S608
            " AND m.body_id = %s AND m.position = %s AND m.start_date <= %s"
            f" AND (m.end_date IS NULL OR m.end_date >= %s)) AS held_{p}"
            for p in Position.values
        )
        columns = ", ".join(
            f"p.{qn(f.column)}" for f in Participant._meta.concrete_fields
        )
        sql = _RIGHTS_SQL[connection.vendor] = (
            f"SELECT {columns}, {held} FROM (SELECT 1 AS one) dummy"  # noqa: S608
            f" LEFT JOIN {part} p ON p.meeting_id = %s AND p.user_id = %s"
        )
    return sql


def viewer_for(user: User, meeting: Meeting) -> Viewer:
    """Compute the user's rights on ``meeting``: one query.

    Their participant row of the meeting (if any) and one ``EXISTS`` per
    position they hold in the body today, in hand-written SQL: the same query
    through the ORM costs more CPU to build than the round trip it saves.
    """
    if not user.is_authenticated:
        return Viewer()
    day = connection.ops.adapt_datefield_value(timezone.localdate())
    params: list[object] = []
    for position in Position.values:
        params += [user.pk, meeting.body_id, position, day, day]
    params += [meeting.pk, user.pk]
    row = next(iter(Participant.objects.raw(_rights_sql(), params)))
    positions = {p for p in Position.values if getattr(row, f"held_{p}")}
    participant = row if row.pk is not None else None
    if participant is not None:
        participant.user = user
        participant.meeting = meeting
    return Viewer(
        manage=bool(positions & set(MANAGER_POSITIONS)),
        preside=Position.CHAIR in positions
        or (participant is not None and participant.role == Role.CHAIR),
        participant=participant,
        positions=positions,
    )


def access_meeting(
    user: User, meeting_id: object, *, for_update: bool = False
) -> Meeting:
    """Return the meeting with ``meeting.viewer`` set, or raise ``NotFound``.

    Two queries (meeting with body and unit, the user's rights). ``for_update``
    locks the row (call inside a transaction).
    """
    try:
        qs = Meeting.objects.select_related("body", "body__unit")
        if for_update:
            qs = qs.select_for_update(of=("self",))
        meeting = qs.get(pk=int(meeting_id))
    except (Meeting.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    viewer = viewer_for(user, meeting)
    visible = viewer.manage or (
        viewer.participant is not None and meeting.status != MeetingStatus.DRAFT
    )
    if not visible:
        raise NotFound()
    meeting.viewer = viewer
    return meeting


def access_item(user: User, meeting_id: object, item_id: object) -> AgendaItem:
    """Return an item of a meeting the user may see, or raise ``NotFound``."""
    meeting = access_meeting(user, meeting_id)
    try:
        item = AgendaItem.objects.select_related("presenter", "parent").get(
            pk=int(item_id), meeting=meeting
        )
    except (AgendaItem.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    item.meeting = meeting
    return item


def access_minutes(user: User, meeting_id: object, version: object) -> Minutes:
    """Return one version of the minutes, or raise ``NotFound``.

    Managers and presiding users see every version; participants see approved
    and superseded versions only (drafts are the secretary's work).
    """
    meeting = access_meeting(user, meeting_id)
    try:
        minutes = Minutes.objects.select_related("approved_by", "created_by").get(
            meeting=meeting, version=int(version)
        )
    except (Minutes.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    viewer = meeting.viewer
    if not (viewer.manage or viewer.preside) and not minutes.is_locked:
        raise NotFound()
    minutes.meeting = meeting
    return minutes


def agenda(meeting: Meeting) -> list[AgendaItem]:
    """The meeting's top-level items, each with ``subitems``: two queries.

    Every item carries ``number`` ("2", "2.1"), ``attached`` (its AgendaDocument
    rows with documents, in order) and ``conclusion_or_none``.
    """
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("presenter", "conclusion")
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=AgendaDocument.objects.select_related("document").order_by(
                    "position", "id"
                ),
                to_attr="attached",
            )
        )
        .order_by("position", "id")
    )
    by_parent: dict[int | None, list[AgendaItem]] = {}
    for item in items:
        item.meeting = meeting
        try:
            item.conclusion_or_none = item.conclusion
        except Conclusion.DoesNotExist:
            item.conclusion_or_none = None
        by_parent.setdefault(item.parent_id, []).append(item)
    top = by_parent.get(None, [])
    for n, item in enumerate(top, start=1):
        item.number = str(n)
        item.subitems = by_parent.get(item.pk, [])
        for m, sub in enumerate(item.subitems, start=1):
            sub.number = f"{n}.{m}"
            sub.subitems = []
    return top


def flatten(items: list[AgendaItem]) -> list[AgendaItem]:
    """Items and their sub-items in reading order."""
    out: list[AgendaItem] = []
    for item in items:
        out.append(item)
        out.extend(item.subitems)
    return out


def participants(meeting: Meeting) -> list[Participant]:
    """Participants with users, chair first then by role and name: one query."""
    order = {Role.CHAIR: 0, Role.SECRETARY: 1, Role.DELEGATE: 2, Role.GUEST: 3}
    rows = list(
        Participant.objects.filter(meeting=meeting).select_related(
            "user", "substitute_for__user"
        )
    )
    rows.sort(key=lambda p: (order.get(p.role, 9), p.user.sort_key, p.user.username))
    return rows


@dataclass(frozen=True)
class Quorum:
    """The numbers behind the quorum indicator."""

    members: int
    required: int
    present: int

    @property
    def reached(self) -> bool:
        return self.members > 0 and self.present >= self.required


def quorum(meeting: Meeting, rows: list[Participant] | None = None) -> Quorum:
    """Quorum by the body's rule (:mod:`accounts.rules`): by default two
    thirds of all its members present.

    ``present`` counts checked-in participants with a voting right (guests and
    the secretary do not count; a substitute counts for the member they
    replace). One or two queries; none more when ``rows`` is given.
    """
    members = member_count(meeting.body)
    if rows is None:
        present = Participant.objects.filter(
            meeting=meeting, attendance=Attendance.PRESENT, voting_right=True
        ).count()
    else:
        present = sum(1 for p in rows if p.is_present and p.voting_right)
    return Quorum(
        members=members,
        required=rules.quorum_required(meeting.body, members),
        present=present,
    )


def attendance_counts(rows: list[Participant]) -> dict[str, int]:
    counts = {a: 0 for a in Attendance.values}
    for p in rows:
        counts[p.attendance] += 1
    return counts


def agenda_changes(meeting: Meeting, *, limit: int = 50) -> list[AgendaChange]:
    """Changes to the published agenda, newest first: one query."""
    return list(
        AgendaChange.objects.filter(meeting=meeting).select_related("actor")[:limit]
    )


def minutes_versions(meeting: Meeting) -> list[Minutes]:
    """Every version of the minutes, newest first: one query."""
    return list(
        Minutes.objects.filter(meeting=meeting).select_related(
            "approved_by", "created_by"
        )
    )


def visible_meetings(user: User):
    """Meetings ``user`` may see: managed bodies' meetings and published ones
    they take part in (a queryset; the caller orders and slices it)."""
    managed = Membership.objects.current().filter(
        user=user, body=OuterRef("body"), position__in=MANAGER_POSITIONS
    )
    participating = Participant.objects.filter(meeting=OuterRef("pk"), user=user)
    return Meeting.objects.filter(
        Exists(managed) | (Exists(participating) & ~Q(status=MeetingStatus.DRAFT))
    )


def meeting_list(user: User) -> dict[str, list[Meeting]]:
    """The meetings page: upcoming and current, drafts, and recent past.

    Three queries whatever the number of meetings.
    """
    now = timezone.now()
    base = (
        visible_meetings(user)
        .select_related("body")
        .annotate(
            item_count=Count(
                "items", filter=Q(items__parent__isnull=True), distinct=True
            )
        )
    )
    current = list(
        base.filter(
            status__in=[MeetingStatus.PUBLISHED, MeetingStatus.IN_PROGRESS]
        ).order_by("starts_at", "id")[:100]
    )
    drafts = list(base.filter(status=MeetingStatus.DRAFT).order_by("starts_at")[:100])
    past = list(
        base.filter(status__in=[MeetingStatus.CLOSED, MeetingStatus.ARCHIVED]).order_by(
            "-starts_at"
        )[:20]
    )
    for m in current:
        m.is_overdue = m.ends_at < now
    return {"current": current, "drafts": drafts, "past": past}


def home_meetings(user: User) -> dict[str, list]:
    """The home page block: three queries whatever the numbers.

    ``upcoming``: published or running meetings I take part in that have not
    ended; ``awaiting``: invitations I have not answered; ``to_approve``:
    submitted minutes of meetings I preside (as the meeting's chair or the
    body's chair).
    """
    now = timezone.now()
    mine = list(
        Participant.objects.filter(
            user=user,
            meeting__status__in=[MeetingStatus.PUBLISHED, MeetingStatus.IN_PROGRESS],
            meeting__ends_at__gte=now,
        )
        .select_related("meeting", "meeting__body")
        .order_by("meeting__starts_at")[:50]
    )
    awaiting = [
        p
        for p in mine
        if p.answer == Answer.PENDING and p.meeting.status == MeetingStatus.PUBLISHED
    ]
    upcoming = [p for p in mine if p not in awaiting]
    chair_of_body = Membership.objects.current().filter(
        user=user, body=OuterRef("meeting__body"), position=Position.CHAIR
    )
    chair_of_meeting = Participant.objects.filter(
        meeting=OuterRef("meeting"), user=user, role=Role.CHAIR
    )
    to_approve = list(
        Minutes.objects.filter(status=MinutesStatus.SUBMITTED)
        .filter(Exists(chair_of_body) | Exists(chair_of_meeting))
        .select_related("meeting", "meeting__body")
        .order_by("submitted_at")[:50]
    )
    return {"upcoming": upcoming, "awaiting": awaiting, "to_approve": to_approve}


def archive(
    user: User, *, body_id: int | None = None, year: int | None = None, q: str = ""
) -> list[Meeting]:
    """Past meetings the user may see, by body and year, searched without
    diacritics over titles, item titles and conclusions: one query (100 at most).
    """
    qs = (
        visible_meetings(user)
        .filter(status__in=[MeetingStatus.CLOSED, MeetingStatus.ARCHIVED])
        .select_related("body")
    )
    if body_id:
        qs = qs.filter(body_id=body_id)
    if year:
        qs = qs.filter(starts_at__year=year)
    words = fold(q).split()
    for word in words:
        qs = qs.filter(
            Q(search_text__contains=word)
            | Exists(
                Conclusion.objects.filter(
                    meeting=OuterRef("pk"), search_text__contains=word
                )
            )
            | Exists(
                AgendaItem.objects.filter(
                    meeting=OuterRef("pk"), search_text__contains=word
                )
            )
        )
    return list(
        qs.annotate(
            has_minutes=Exists(
                Minutes.objects.filter(
                    meeting=OuterRef("pk"), status=MinutesStatus.APPROVED
                )
            )
        ).order_by("-starts_at", "-id")[:100]
    )


def archive_years(user: User) -> list[int]:
    """Years that have past meetings the user may see: one query."""
    return sorted(
        {
            d.year
            for d in visible_meetings(user)
            .filter(status__in=[MeetingStatus.CLOSED, MeetingStatus.ARCHIVED])
            .datetimes("starts_at", "year")
        },
        reverse=True,
    )

"""Permission-checked reads of questions and petitions, fixed query counts.

Who sees what:

- the body's current chairs and secretaries (the Standing Committee's managers,
  :func:`accounts.queries.is_manager`) see every question of the body's meetings
  and every petition of its registers;
- a meeting's participants see its questions (they are asked in the hall);
  current members of the body see its petition registers;
- an agency's active officials see the questions and petitions addressed to
  their agency, and nothing else;
- everyone else gets :class:`~nghisu.errors.NotFound`.
"""

from __future__ import annotations

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import Membership, User
from accounts.queries import is_manager, managed_bodies
from meetings.models import Meeting
from meetings.queries import access_meeting
from nghisu.errors import NotFound
from nghisu.text import fold
from oversight.models import (
    Agency,
    AgencyOfficial,
    Outcome,
    Petition,
    PetitionPeriod,
    PetitionStatus,
    Question,
)
from work.models import OWED_STATUSES, AssignmentStatus


def official_agency_ids(user: User) -> set[int]:
    """Agencies ``user`` answers for (1 query)."""
    if not user.is_authenticated:
        return set()
    return set(
        AgencyOfficial.objects.filter(user=user, active=True).values_list(
            "agency_id", flat=True
        )
    )


def is_official(user: User, agency: Agency | int) -> bool:
    agency_id = agency if isinstance(agency, int) else agency.pk
    return agency_id in official_agency_ids(user)


def _question_qs() -> QuerySet[Question]:
    return Question.objects.select_related(
        "meeting", "meeting__body", "asker", "agency", "official__user", "assignment"
    )


# --- questions ----------------------------------------------------------------------
def questions_meeting(user: User, meeting_id: object) -> Meeting:
    """The meeting whose questions the user may see in full (participants and
    managers), with ``meeting.viewer``; officials get NotFound here."""
    return access_meeting(user, meeting_id)


def access_question(user: User, question_id: object) -> Question:
    """Return the question with ``question.rights`` set, or raise NotFound.

    Three to four queries (question, official seats, manager or participant).
    """
    try:
        question = _question_qs().get(pk=int(question_id))
    except (Question.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    official = question.agency_id in official_agency_ids(user)
    manage = is_manager(user, question.meeting.body_id)
    visible = official or manage or question.asker_id == user.pk
    if not visible:
        try:
            access_meeting(user, question.meeting_id)
        except NotFound:
            raise NotFound() from None
    question.rights = {"official": official, "manage": manage}
    return question


def meeting_questions(meeting: Meeting) -> list[Question]:
    """Every question of the meeting (merged ones included) with people and
    attachments: two queries."""
    return list(
        _question_qs()
        .filter(meeting=meeting)
        .prefetch_related("documents")
        .order_by("order", "created_at", "id")
    )


def grouped(questions: list[Question]) -> list[tuple[str, list[Question]]]:
    """Group open (not merged) questions by topic and addressee, topic folded
    so "Giáo dục" and "giao duc" meet."""
    groups: dict[tuple[str, str], tuple[str, list[Question]]] = {}
    for q in questions:
        if q.merged_into_id:
            continue
        who = str(q.official.user) if q.official_id else q.agency.name
        key = (fold(q.topic), who)
        label = f"{q.topic} — {who}"
        groups.setdefault(key, (label, []))[1].append(q)
    return sorted(groups.values(), key=lambda g: fold(g[0]))


def official_questions(user: User) -> QuerySet[Question]:
    """Questions to the agencies ``user`` answers for (not merged ones)."""
    return (
        _question_qs()
        .filter(agency__officials__user=user, agency__officials__active=True)
        .filter(merged_into__isnull=True)
        .order_by("-created_at", "-id")
    )


# --- petitions ----------------------------------------------------------------------
def petition_status_case() -> Case:
    """The derived status (:class:`PetitionStatus`) as a SQL expression."""
    today = timezone.localdate()
    return Case(
        When(assignment__isnull=True, then=Value(PetitionStatus.PENDING)),
        When(
            assignment__status=AssignmentStatus.COMPLETED,
            then=Value(PetitionStatus.RESOLVED),
        ),
        When(
            assignment__status=AssignmentStatus.AWAITING,
            then=Value(PetitionStatus.ANSWERED),
        ),
        When(
            assignment__status__in=OWED_STATUSES,
            assignment__deadline__lt=today,
            then=Value(PetitionStatus.OVERDUE),
        ),
        default=Value(PetitionStatus.FORWARDED),
        output_field=CharField(),
    )


def _petition_qs() -> QuerySet[Petition]:
    return Petition.objects.select_related(
        "period", "period__body", "agency", "assignment", "answer_document"
    ).annotate(status=petition_status_case())


def access_period(user: User, period_id: object) -> PetitionPeriod:
    """The register, with ``period.manage``; members of the body and managers
    see it (2–3 queries), anyone else NotFound."""
    try:
        period = PetitionPeriod.objects.select_related("body", "meeting").get(
            pk=int(period_id)
        )
    except (PetitionPeriod.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    period.manage = is_manager(user, period.body_id)
    if not period.manage and not _is_member(user, period.body_id):
        raise NotFound()
    return period


def _is_member(user: User, body_id: int) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.current().filter(user=user, body_id=body_id).exists()
    )


def access_petition(user: User, petition_id: object) -> Petition:
    """Return the petition with ``petition.rights``, or raise NotFound."""
    try:
        petition = _petition_qs().get(pk=int(petition_id))
    except (Petition.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    body_id = petition.period.body_id
    official = (
        petition.agency_id is not None
        and petition.agency_id in official_agency_ids(user)
    )
    manage = is_manager(user, body_id)
    if not (official or manage or _is_member(user, body_id)):
        raise NotFound()
    petition.rights = {"official": official, "manage": manage}
    return petition


def period_petitions(
    period: PetitionPeriod, *, query: str = "", status: str = ""
) -> list[Petition]:
    """The register's petitions (merged ones left out), each with ``places``:
    two queries whatever the size. ``query`` is accent-insensitive over the
    petition and its answer; ``status`` one of :class:`PetitionStatus`."""
    qs = _petition_qs().filter(period=period, merged_into__isnull=True)
    return _filtered(qs, query=query, status=status)


def _filtered(qs, *, query: str, status: str) -> list[Petition]:
    folded = fold(query or "").strip()
    if folded:
        for word in folded.split():
            qs = qs.filter(search_text__contains=word)
    if status in PetitionStatus.values:
        qs = qs.filter(status=status)
    return list(qs.prefetch_related("places").order_by("number", "id"))


def official_petitions(user: User, *, query: str = "", status: str = "") -> list:
    """Petitions to the agencies ``user`` answers for: two queries."""
    qs = _petition_qs().filter(
        agency__officials__user=user,
        agency__officials__active=True,
        merged_into__isnull=True,
    )
    return _filtered(qs, query=query, status=status)


def status_counts(petitions: list[Petition]) -> dict[str, int]:
    counts = {s: 0 for s in PetitionStatus.values}
    for p in petitions:
        counts[p.status] += 1
    return counts


def periods_for(user: User) -> list[PetitionPeriod]:
    """Registers of the bodies the user is a current member of (1 query)."""
    if not user.is_authenticated:
        return []
    bodies = Membership.objects.current().filter(user=user).values("body_id")
    return list(
        PetitionPeriod.objects.filter(body_id__in=bodies)
        .select_related("body")
        .order_by("-created_at", "-id")
    )


# --- publication --------------------------------------------------------------------
def public_answers(query: str = "") -> tuple[list[Petition], list[Question]]:
    """Answers marked public, for every signed-in user: two queries (three
    with places)."""
    petitions = (
        _petition_qs()
        .filter(public=True, merged_into__isnull=True)
        .exclude(answer_text="")
    )
    questions = (
        _question_qs()
        .filter(public=True, merged_into__isnull=True)
        .filter(outcome__in=(Outcome.HALL, Outcome.WRITTEN))
    )
    folded = fold(query or "").strip()
    for word in folded.split():
        petitions = petitions.filter(search_text__contains=word)
        questions = questions.filter(search_text__contains=word)
    return (
        list(
            petitions.prefetch_related("places").order_by("-answered_at", "-id")[:200]
        ),
        list(questions.order_by("-answered_at", "-id")[:200]),
    )


def managed_agencies(user: User, managed: list | None = None) -> list[Agency]:
    """The agencies ``user`` administers (those of the units whose bodies they
    manage; every agency for an administrator), each with ``current``: how many
    officials answer for it now. One query (``managed``: the bodies, if known)."""
    agencies = Agency.objects.select_related("unit")
    if not user.is_superuser:
        bodies = managed if managed is not None else managed_bodies(user)
        agencies = agencies.filter(unit_id__in={b.unit_id for b in bodies})
    return list(
        agencies.annotate(
            current=Count("officials", filter=Q(officials__active=True))
        ).order_by("unit__name", "name")
    )


def access_agency(user: User, agency_id: int) -> Agency:
    """The agency for its administrators (an administrator, or a chair or
    secretary of a body of its unit) with ``agency.seats``: every official
    registered, current first. NotFound for anyone else. Three queries."""
    agency = Agency.objects.select_related("unit").filter(pk=agency_id).first()
    if agency is None or not (
        user.is_superuser
        or any(b.unit_id == agency.unit_id for b in managed_bodies(user))
    ):
        raise NotFound()
    agency.seats = list(
        agency.officials.select_related("user").order_by("-active", "-ended_on", "id")
    )
    return agency

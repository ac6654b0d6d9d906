"""Voters' petitions: registers, entry, merging, forwarding to the agency
(a work assignment), the agency's answer, resolution and publication.

Statuses are derived from the assignment (:mod:`oversight.models.petitions`):
forwarding creates it, the official's answer reports it done, the Standing
Committee's resolution accepts it; the scheduler marks it overdue.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actions import record_audit, record_audits
from accounts.models import Body, User
from accounts.queries import managed_bodies
from meetings.models import Meeting
from nghisu.errors import ActionError
from oversight.actions._common import (
    answering_official,
    clean,
    managers_of,
    officials_of,
    require_body_manager,
    store_uploads,
)
from oversight.models import (
    Agency,
    AgencyOfficial,
    Petition,
    PetitionPeriod,
    PetitionPlace,
)
from work.actions import accept_assignment, create_assignment, submit_done
from work.models import OWED_STATUSES


def petition_url(petition: Petition) -> str:
    return reverse("oversight:petition_detail", args=[petition.pk])


@dataclass
class PlaceInput:
    place: str
    held_on: datetime.date | None = None
    delegates: str = ""


def create_period(
    actor: User, body: Body, *, name: str, meeting: Meeting | None = None
) -> PetitionPeriod:
    """Open a register of petitions for a period of meetings with voters."""
    require_body_manager(actor, body)
    name = clean(name, limit=300, label=_("tên đợt tiếp xúc cử tri"))
    if meeting is not None and meeting.body_id != body.pk:
        raise ActionError(
            _("Kỳ họp phải là kỳ họp của %(body)s.") % {"body": body.name},
            code="invalid",
        )
    with transaction.atomic():
        period = PetitionPeriod.objects.create(
            body=body, name=name, meeting=meeting, created_by=actor
        )
        record_audit(actor, "petition.period", period, name=name)
    return period


def _clean_places(places: Sequence[PlaceInput]) -> list[PlaceInput]:
    cleaned = []
    for p in places:
        place = clean(p.place, limit=300, label=_("nơi tiếp xúc cử tri"))
        delegates = clean(
            p.delegates, limit=500, label=_("đại biểu tham dự"), required=False
        )
        cleaned.append(PlaceInput(place, p.held_on, delegates))
    if not cleaned:
        raise ActionError(_("Vui lòng nhập nơi tiếp xúc cử tri."), code="required")
    return cleaned


def create_petitions(
    actor: User, period: PetitionPeriod, rows: Sequence[dict]
) -> list[Petition]:
    """Register petitions in one transaction (the form or an import).

    Each row: ``text``, ``field``, ``agency`` (or None), ``places`` (a list of
    :class:`PlaceInput`). Numbers follow the register's last. Audited once as
    ``petition.create`` per petition.
    """
    require_body_manager(actor, period.body)
    cleaned = []
    for row in rows:
        cleaned.append(
            {
                "text": clean(
                    row.get("text"), limit=10000, label=_("nội dung kiến nghị")
                ),
                "field": clean(
                    row.get("field"), limit=120, label=_("lĩnh vực"), required=False
                ),
                "agency": row.get("agency"),
                "places": _clean_places(row.get("places") or []),
            }
        )
    with transaction.atomic():
        PetitionPeriod.objects.select_for_update().filter(pk=period.pk).exists()
        last = period.petitions.aggregate(n=Max("number"))["n"] or 0
        created = []
        for n, row in enumerate(cleaned, start=last + 1):
            petition = Petition(
                period=period,
                number=n,
                text=row["text"],
                field=row["field"],
                agency=row["agency"],
                created_by=actor,
            )
            petition.save()
            created.append((petition, row["places"]))
        PetitionPlace.objects.bulk_create(
            [
                PetitionPlace(
                    petition=p,
                    place=place.place,
                    held_on=place.held_on,
                    delegates=place.delegates,
                )
                for p, places in created
                for place in places
            ]
        )
        record_audits(
            actor,
            "petition.create",
            [(p, {"period": period.pk, "number": p.number}) for p, _pl in created],
        )
    return [p for p, _pl in created]


def merge_petitions(
    actor: User, keep: Petition, others: Sequence[Petition]
) -> Petition:
    """Keep one petition for the same request raised in several places: the
    others' places move to ``keep``; they stay registered, marked merged.
    Only petitions of one register, none forwarded yet."""
    require_body_manager(actor, keep.period.body)
    others = [p for p in others if p.pk != keep.pk]
    if not others:
        raise ActionError(_("Hãy chọn ít nhất hai kiến nghị để gộp."), code="invalid")
    with transaction.atomic():
        ids = [keep.pk, *(p.pk for p in others)]
        rows = list(Petition.objects.select_for_update().filter(pk__in=ids))
        if len(rows) != len(ids) or any(p.period_id != keep.period_id for p in rows):
            raise ActionError(
                _("Chỉ gộp được các kiến nghị trong cùng một đợt."), code="invalid"
            )
        if any(p.assignment_id or p.merged_into_id for p in rows):
            raise ActionError(
                _("Chỉ gộp được các kiến nghị chưa chuyển và chưa được gộp."),
                code="invalid",
            )
        other_ids = [p.pk for p in others]
        PetitionPlace.objects.filter(petition_id__in=other_ids).update(petition=keep)
        Petition.objects.filter(pk__in=other_ids).update(merged_into=keep)
        record_audit(actor, "petition.merge", keep, merged=other_ids)
    return keep


def forward_petitions(
    actor: User,
    petitions: Sequence[Petition],
    *,
    due: datetime.date,
    official: AgencyOfficial | None = None,
) -> list[Petition]:
    """Forward petitions to their agencies, due ``due``: one work assignment
    each (:func:`work.actions.create_assignment`, which notifies the official
    and refuses a past date) to the agency's official. Petitions without an
    agency, merged or already forwarded are refused, and nothing is sent."""
    petitions = list(petitions)
    if not petitions:
        raise ActionError(_("Hãy chọn kiến nghị để chuyển."), code="invalid")
    with transaction.atomic():
        locked = {
            p.pk: p
            for p in Petition.objects.select_for_update(of=("self",))
            .select_related("period__body", "agency")
            .filter(pk__in=[p.pk for p in petitions])
        }
        for petition in locked.values():
            require_body_manager(actor, petition.period.body)
            if petition.merged_into_id or petition.assignment_id:
                raise ActionError(
                    _("Kiến nghị số %(n)s đã được chuyển hoặc đã gộp.")
                    % {"n": petition.number},
                    code="invalid",
                )
            if petition.agency_id is None:
                raise ActionError(
                    _("Kiến nghị số %(n)s chưa có cơ quan trả lời.")
                    % {"n": petition.number},
                    code="no_agency",
                )
        for petition in sorted(locked.values(), key=lambda p: p.number):
            who = answering_official(petition.agency, official)
            places = "; ".join(str(pl) for pl in petition.places.all())
            petition.assignment = create_assignment(
                actor,
                body=petition.period.body,
                title=_("Trả lời kiến nghị cử tri số %(n)s: %(text)s")
                % {"n": petition.number, "text": petition.text[:300]},
                description=_(
                    "%(text)s\n\nNơi tiếp xúc cử tri: %(places)s\n\nTrả lời tại "
                    "trang kiến nghị: %(url)s"
                )
                % {
                    "text": petition.text,
                    "places": places,
                    "url": petition_url(petition),
                },
                deadline=due,
                assignee_user=who.user,
            )
            petition.save(update_fields=["assignment"])
            record_audit(
                actor,
                "petition.forward",
                petition,
                assignment=petition.assignment.pk,
                due=due.isoformat(),
            )
    return list(locked.values())


def answer_petition(
    actor: User, petition: Petition, *, text: str, upload=None
) -> Petition:
    """The agency's official answers (the one the assignment went to): the
    assignment is reported done and the Standing Committee notified."""
    text = clean(text, limit=20000, label=_("nội dung trả lời"))
    assignment = petition.assignment
    if assignment is None or assignment.status not in OWED_STATUSES:
        raise ActionError(
            _("Kiến nghị này chưa được chuyển hoặc đã được trả lời."), code="invalid"
        )
    if assignment.assignee_user_id != actor.pk:
        raise ActionError(
            _("Chỉ người được giao trả lời kiến nghị này mới gửi được câu trả lời."),
            code="forbidden",
        )
    body = petition.period.body
    with transaction.atomic():
        docs = store_uploads(
            actor,
            body=body,
            uploads=[upload] if upload else [],
            users=[
                *managers_of(body),
                *(o.user for o in officials_of(petition.agency)),
            ],
            groups=[body.group],
        )
        petition.answer_text = text
        petition.answer_document = docs[0] if docs else None
        petition.answered_at = timezone.now()
        petition.answered_by = actor
        petition.save(
            update_fields=[
                "answer_text",
                "answer_document",
                "answered_at",
                "answered_by",
            ]
        )
        submit_done(actor, assignment, text=text, documents=docs)
        record_audit(actor, "petition.answer", petition)
    return petition


def resolve_petition(actor: User, petition: Petition, *, text: str = "") -> Petition:
    """The Standing Committee accepts the answer: the petition is resolved."""
    require_body_manager(actor, petition.period.body)
    if petition.assignment is None:
        raise ActionError(_("Kiến nghị này chưa được chuyển."), code="invalid")
    with transaction.atomic():
        accept_assignment(actor, petition.assignment, text=text)
        record_audit(actor, "petition.resolve", petition)
    return petition


def set_public(actor: User, petition: Petition, *, public: bool) -> Petition:
    """List (or stop listing) the petition's answer on the public page."""
    require_body_manager(actor, petition.period.body)
    if public and not petition.answer_text:
        raise ActionError(
            _("Kiến nghị chưa có câu trả lời nên chưa thể công khai."), code="invalid"
        )
    with transaction.atomic():
        Petition.objects.filter(pk=petition.pk).update(public=public)
        record_audit(actor, "petition.public", petition, public=public)
    petition.public = public
    return petition


def save_agency(actor: User, agency: Agency) -> Agency:
    """Create or rename an agency (an administrator: agencies are reference
    data, kept in /admin/). Audited as ``agency.save``."""
    if not actor.is_superuser:
        raise ActionError(
            _("Chỉ quản trị hệ thống mới được thêm hoặc sửa cơ quan."),
            code="forbidden",
        )
    agency.name = clean(agency.name, limit=200, label=_("tên cơ quan"))
    with transaction.atomic():
        agency.save()
        record_audit(actor, "agency.save", agency, name=agency.name)
    return agency


def register_official(
    actor: User, agency: Agency, user: User, *, title: str = ""
) -> AgencyOfficial:
    """Register ``user`` as answering for ``agency`` (an administrator, or a
    chair or secretary of a body of the agency's unit); refused if they already
    answer for it."""
    if not (
        actor.is_superuser
        or any(b.unit_id == agency.unit_id for b in managed_bodies(actor))
    ):
        raise ActionError(
            _("Bạn không có quyền đăng ký người trả lời cho cơ quan này."),
            code="forbidden",
        )
    title = clean(title, limit=200, label=_("chức vụ"), required=False)
    with transaction.atomic():
        official, created = AgencyOfficial.objects.get_or_create(
            agency=agency, user=user, active=True, defaults={"title": title}
        )
        if not created:  # already, or registered by someone else just now
            raise ActionError(
                _("%(who)s đang là người trả lời của cơ quan này.") % {"who": user},
                code="duplicate",
            )
        record_audit(actor, "agency.official", official, agency=agency.pk)
    return official

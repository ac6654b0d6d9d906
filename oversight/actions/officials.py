"""Ending an official's term: the seat closes, and what they still owe goes
to a colleague of the agency, or to the Standing Committee's attention.

Once ended (``active`` false, ``ended_on`` set) the person sees nothing of
the agency: every read of oversight goes through the agency's *active*
officials (:func:`oversight.queries.official_agency_ids`), so their pages
answer 404.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actions import record_audit
from accounts.models import User
from accounts.queries import managed_bodies
from nghisu.errors import ActionError
from oversight.actions._common import managers_of, officials_of
from oversight.models import AgencyOfficial, Outcome, Petition, Question
from work.actions import notify, reassign_assignment
from work.models import OWED_STATUSES


def require_official_admin(actor: User, official: AgencyOfficial) -> None:
    """An administrator, or a chair or secretary of a body of the agency's
    unit (who registers officials, :func:`register_official`)."""
    if not (
        actor.is_superuser
        or any(b.unit_id == official.agency.unit_id for b in managed_bodies(actor))
    ):
        raise ActionError(
            _("Bạn không có quyền thay đổi người trả lời của cơ quan này."),
            code="forbidden",
        )


def end_official(
    actor: User,
    official: AgencyOfficial,
    *,
    ended_on: datetime.date | None = None,
) -> dict:
    """End ``official``'s registration on ``ended_on`` (today by default).

    Owed written answers (questions) and owed petitions assigned to them go
    to the agency's first other current official through
    :func:`work.actions.reassign_assignment`; questions not yet answered in the
    hall name that official instead. With no other official, the bodies'
    chairs and secretaries are notified (kind ``oversight.official_ended``)
    to register one. Locks the seat. Audited as ``agency.official_end``.
    Returns the ids reassigned and flagged.
    """
    ended_on = ended_on or timezone.localdate()
    if not isinstance(ended_on, datetime.date):
        raise ActionError(_("Vui lòng chọn ngày thôi đảm nhiệm."), code="required")
    if ended_on > timezone.localdate():
        raise ActionError(
            _("Ngày thôi đảm nhiệm không được ở tương lai."), code="future"
        )
    with transaction.atomic():
        official = (
            AgencyOfficial.objects.select_for_update(of=("self",))
            .select_related("agency", "user")
            .get(pk=official.pk)
        )
        require_official_admin(actor, official)
        if not official.active:
            raise ActionError(
                _("Người này đã thôi đảm nhiệm từ trước."), code="already_ended"
            )
        official.active = False
        official.ended_on = ended_on
        official.save(update_fields=["active", "ended_on"])
        successor = next(iter(officials_of(official.agency_id)), None)
        owed = {"assignment__assignee_user": official.user}
        owed["assignment__status__in"] = OWED_STATUSES
        questions = list(
            Question.objects.filter(
                agency_id=official.agency_id, **owed
            ).select_related("assignment", "meeting__body")
        )
        petitions = list(
            Petition.objects.filter(
                agency_id=official.agency_id, **owed
            ).select_related("assignment", "period__body")
        )
        pending = Question.objects.filter(official=official, outcome=Outcome.PENDING)
        pending.update(official=successor)
        reason = _("%(who)s thôi đảm nhiệm tại %(agency)s.") % {
            "who": official.user,
            "agency": official.agency.name,
        }
        _move_documents(actor, official, successor, questions)
        if successor is not None:
            for row in [*questions, *petitions]:
                reassign_assignment(
                    actor, row.assignment, assignee_user=successor.user, reason=reason
                )
            Question.objects.filter(pk__in=[q.pk for q in questions]).update(
                official=successor
            )
        else:
            _flag(official, questions, petitions, reason)
        result = {
            "reassigned_to": successor.pk if successor else None,
            "questions": [q.pk for q in questions],
            "petitions": [p.pk for p in petitions],
        }
        record_audit(
            actor,
            "agency.official_end",
            official,
            ended_on=ended_on.isoformat(),
            **result,
        )
    return result


def _move_documents(actor, official, successor, owed) -> None:
    """Withdraw the former official's grants on the agency's question files
    (sent with the questions, and the answers); grant the files of the
    questions handed over to the successor."""
    from documents.actions import grant, revoke
    from documents.models import Document

    links = Question.documents.through.objects
    agency = official.agency_id
    files = Document.objects.filter(
        Q(pk__in=links.filter(question__agency_id=agency).values("document_id"))
        | Q(pk__in=Question.objects.filter(agency_id=agency).values("answer_document"))
        | Q(pk__in=Petition.objects.filter(agency_id=agency).values("answer_document"))
    )
    for document in files:
        revoke(actor, document, users=[official.user], system=True)
    if successor is None:
        return
    handed = Document.objects.filter(
        pk__in=links.filter(question__in=[q.pk for q in owed]).values("document_id")
    )
    for document in handed:
        grant(actor, document, users=[successor.user], system=True)


def _flag(official, questions, petitions, reason: str) -> None:
    """No one left to answer: tell the Standing Committee of each body."""
    bodies = {q.meeting.body_id: q.meeting.body for q in questions}
    bodies.update({p.period.body_id: p.period.body for p in petitions})
    for body_id, body in bodies.items():
        owed = sum(q.meeting.body_id == body_id for q in questions) + sum(
            p.period.body_id == body_id for p in petitions
        )
        notify(
            managers_of(body_id),
            kind="oversight.official_ended",
            title=_("Cần đăng ký người trả lời mới: %(agency)s")
            % {"agency": official.agency.name},
            body=reason
            + " "
            + _(
                "%(n)s câu hỏi, kiến nghị của %(body)s đang chờ trả lời và chưa có "
                "người trả lời khác."
            )
            % {"n": owed, "body": body.name},
        )

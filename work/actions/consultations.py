"""Written consultations (xin ý kiến thành viên bằng văn bản).

The body's chair or secretary sends a question with documents to all or chosen
members, with a deadline. Each recipient answers agree / disagree / other with
a comment and may change it until the deadline; the answer lives on the
recipient's own row, so there is one answer per member whatever the
concurrency. At the deadline (the scheduler) or when closed early, the result
is decided by the body's rule and the summary report (phiếu tổng hợp ý kiến)
is built as a PDF by a background task.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actions import record_audit
from accounts.models import VOTING_POSITIONS, Body, Membership, User
from nghisu.errors import ActionError
from work import queries
from work.actions._common import clean_text, require_manager
from work.actions.notifications import notify
from work.models import (
    Consultation,
    ConsultationRecipient,
    ConsultationStatus,
    Opinion,
)

logger = logging.getLogger(__name__)

#: A deadline must leave recipients at least this long to answer.
MIN_NOTICE_MINUTES = 5


def consultation_url(consultation: Consultation) -> str:
    return reverse("work:consultation_detail", args=[consultation.pk])


def _lock(consultation: Consultation | int) -> Consultation:
    pk = consultation if isinstance(consultation, int) else consultation.pk
    return (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("body", "body__unit")
        .get(pk=pk)
    )


def send_consultation(
    actor: User,
    *,
    body: Body,
    title: str,
    deadline,
    question: str = "",
    recipients: Iterable[User] | None = None,
    documents: Sequence = (),
) -> Consultation:
    """Send a consultation to ``recipients`` (default: every current member).

    Only the body's chair or secretary; recipients must be current members
    (chair, vice-chairs, members) of the body; the deadline must be in the
    future; documents must be ones the actor may view, and are granted to the
    recipients (view). Notifies the recipients (e-mail by default). Audited as
    ``consultation.send``.
    """
    require_manager(
        actor,
        body,
        _("Chỉ chủ tịch hoặc thư ký của %(body)s mới được gửi phiếu xin ý kiến.")
        % {"body": body.name},
    )
    title = clean_text(title, limit=300, label=_("vấn đề xin ý kiến"), required=True)
    question = clean_text(question, limit=20000, label=_("nội dung"), required=False)
    if deadline is None:
        raise ActionError(_("Vui lòng chọn hạn trả lời."), code="required")
    if timezone.is_naive(deadline):
        deadline = timezone.make_aware(deadline)
    if deadline <= timezone.now() + timezone.timedelta(minutes=MIN_NOTICE_MINUTES):
        raise ActionError(
            _(
                "Hạn trả lời phải ở tương lai (sau thời điểm hiện tại ít nhất %(n)s phút)."
            )
            % {"n": MIN_NOTICE_MINUTES},
            code="deadline_past",
        )
    members = {
        m.user_id: m
        for m in Membership.objects.current()
        .filter(body=body, position__in=VOTING_POSITIONS)
        .select_related("user")
    }
    if recipients is None:
        chosen = list(members)
    else:
        chosen = list(dict.fromkeys(u.pk for u in recipients))
        if any(pk not in members for pk in chosen):
            raise ActionError(
                _("Chỉ gửi phiếu xin ý kiến cho thành viên đương nhiệm của %(body)s.")
                % {"body": body.name},
                code="not_member",
            )
    if not chosen:
        raise ActionError(
            _("Hãy chọn ít nhất một thành viên để xin ý kiến."), code="no_recipients"
        )
    docs = _viewable(actor, documents)
    with transaction.atomic():
        consultation = Consultation.objects.create(
            body=body,
            title=title,
            question=question,
            deadline=deadline,
            created_by=actor,
        )
        ConsultationRecipient.objects.bulk_create(
            [
                ConsultationRecipient(
                    consultation=consultation,
                    user_id=pk,
                    position=members[pk].position,
                )
                for pk in chosen
            ]
        )
        users = [members[pk].user for pk in chosen]
        if docs:
            from documents import actions as document_actions

            consultation.documents.set(docs)
            for document in docs:
                document_actions.grant(actor, document, users=users, system=True)
        notify(
            users,
            kind="consultation.sent",
            title=_("Xin ý kiến: %(title)s") % {"title": title},
            body=_("%(body)s xin ý kiến của đồng chí. Hạn trả lời: %(deadline)s.")
            % {
                "body": body.name,
                "deadline": timezone.localtime(deadline).strftime("%H:%M %d/%m/%Y"),
            },
            url=consultation_url(consultation),
        )
        record_audit(
            actor,
            "consultation.send",
            consultation,
            title=title,
            recipients=len(chosen),
            deadline=deadline.isoformat(),
            documents=[d.pk for d in docs],
        )
    return consultation


def _viewable(actor: User, documents: Sequence) -> list:
    ids = {d.pk for d in documents}
    if not ids:
        return []
    from documents.queries import viewable_documents

    allowed = list(viewable_documents(actor).filter(pk__in=ids))
    if len(allowed) != len(ids):
        raise ActionError(
            _("Bạn không có quyền xem một số tài liệu đã chọn."), code="forbidden"
        )
    return allowed


def answer_consultation(
    actor: User, consultation: Consultation, *, opinion: str, comment: str = ""
) -> ConsultationRecipient:
    """Record (or change) the actor's answer before the deadline.

    Refused for non-recipients, after the deadline or the close, for an unknown
    opinion, and for "other" without a comment. Locks the consultation row
    (closing waits for answers being written, and no answer lands after the
    close) and the recipient's row. Answering again with the same content
    changes nothing. Audited as ``consultation.answer``.
    """
    if opinion not in Opinion.values:
        raise ActionError(_("Vui lòng chọn một ý kiến."), code="invalid_opinion")
    comment = clean_text(comment, limit=5000, label=_("ý kiến cụ thể"), required=False)
    if opinion == Opinion.OTHER and not comment:
        raise ActionError(
            _("Vui lòng ghi rõ ý kiến khác của đồng chí."), code="comment_required"
        )
    with transaction.atomic():
        consultation = _lock(consultation)
        seat = (
            ConsultationRecipient.objects.select_for_update()
            .filter(consultation=consultation, user=actor)
            .first()
        )
        if seat is None:
            raise ActionError(
                _("Đồng chí không thuộc danh sách được xin ý kiến về vấn đề này."),
                code="not_recipient",
            )
        if consultation.status != ConsultationStatus.OPEN:
            raise ActionError(
                _("Phiếu xin ý kiến đã kết thúc; không thể trả lời nữa."),
                code="closed",
            )
        if timezone.now() >= consultation.deadline:
            raise ActionError(
                _("Đã quá hạn trả lời (%(deadline)s); không thể trả lời nữa.")
                % {
                    "deadline": timezone.localtime(consultation.deadline).strftime(
                        "%H:%M %d/%m/%Y"
                    )
                },
                code="deadline_passed",
            )
        if seat.opinion == opinion and seat.comment == comment:
            return seat
        changed = bool(seat.opinion)
        seat.opinion = opinion
        seat.comment = comment
        seat.answered_at = timezone.now()
        seat.changes += 1 if changed else 0
        seat.save(update_fields=["opinion", "comment", "answered_at", "changes"])
        record_audit(
            actor,
            "consultation.answer",
            consultation,
            opinion=opinion,
            changed=changed,
        )
    return seat


def compute_result(consultation: Consultation, rows: list[ConsultationRecipient]):
    """Apply the body's rule (:func:`accounts.rules.decide`, as a vote does) to
    the answers: a dict stored as ``result``.

    Passing needs more than half of **all** members of the body agreeing
    (``accounts.queries.member_count``, secretaries excluded), whoever was
    asked. Agree is in favour, disagree against; when they are equal in a
    UBND the chair's answer decides (``tie_break`` as for votes:
    ``chair_in_favour``, ``chair_against``, ``chair_abstained`` for another
    opinion, ``chair_not_voting`` when the chair did not answer).
    """
    from accounts import rules
    from accounts.models import Position
    from accounts.queries import member_count

    counts = queries.tally(rows)
    members = member_count(consultation.body)
    chair_opinions = {r.opinion for r in rows if r.position == Position.CHAIR}
    if Opinion.AGREE in chair_opinions:
        chair = rules.CHAIR_FOR
    elif Opinion.DISAGREE in chair_opinions:
        chair = rules.CHAIR_AGAINST
    elif chair_opinions - {""}:
        chair = rules.CHAIR_ABSTAINED
    else:
        chair = rules.CHAIR_NOT_VOTING
    decision = rules.decide(
        consultation.body,
        members=members,
        in_favour=counts["agree"],
        against=counts["disagree"],
        chair=chair,
    )
    return {
        "members": members,
        "recipients": len(rows),
        "answered": len(rows) - counts["none"],
        "counts": counts,
        "required": decision.required,
        "passed": decision.passed,
        "tie": decision.tie,
        "tie_break": decision.tie_break,
    }


def close_consultation(actor: User | None, consultation: Consultation) -> Consultation:
    """Close the consultation, decide the result and freeze the report.

    ``actor`` is the body's chair or secretary closing early, or ``None`` for
    the scheduler at the deadline (refused before it). Closing twice is
    refused. Locks the consultation row. Notifies recipients and managers;
    the PDF is built after commit by ``work.tasks.build_report_task``.
    Audited as ``consultation.close``.
    """
    from work import reports

    with transaction.atomic():
        consultation = _lock(consultation)
        if actor is not None:
            require_manager(
                actor,
                consultation.body,
                _(
                    "Chỉ chủ tịch hoặc thư ký của %(body)s mới được kết thúc việc xin ý kiến."
                )
                % {"body": consultation.body.name},
            )
        if consultation.status == ConsultationStatus.CLOSED:
            raise ActionError(
                _("Phiếu xin ý kiến này đã kết thúc."), code="already_closed"
            )
        now = timezone.now()
        if actor is None and now < consultation.deadline:
            raise ActionError(_("Chưa đến hạn trả lời."), code="not_due")
        rows = queries.recipient_rows(consultation)
        result = compute_result(consultation, rows)
        consultation.status = ConsultationStatus.CLOSED
        consultation.closed_at = now
        consultation.closed_by = actor
        consultation.result = result
        consultation.passed = result["passed"]
        consultation.report_spec = reports.build_spec(consultation, rows, result)
        consultation.save(
            update_fields=[
                "status",
                "closed_at",
                "closed_by",
                "result",
                "passed",
                "report_spec",
            ]
        )
        managers = [
            m.user
            for m in Membership.objects.current()
            .filter(body=consultation.body, position__in=queries.MANAGER_POSITIONS)
            .select_related("user")
        ]
        notify(
            [r.user for r in rows] + managers,
            kind="consultation.closed",
            title=_("Kết quả xin ý kiến: %(title)s") % {"title": consultation.title},
            body=reports.verdict_text(result),
            url=consultation_url(consultation),
            email=False,
        )
        record_audit(
            actor,
            "consultation.close",
            consultation,
            early=now < consultation.deadline,
            passed=result["passed"],
            counts=result["counts"],
        )
        pk = consultation.pk
        transaction.on_commit(lambda: _enqueue_report(pk))
    return consultation


def _enqueue_report(consultation_id: int) -> None:
    from work.tasks import build_report_task

    try:
        build_report_task.enqueue(consultation_id)
    except Exception:
        # The scheduler builds missing reports on its next run.
        logger.exception(
            "consultation %s: enqueueing the report failed", consultation_id
        )


def add_to_agenda(actor: User, consultation: Consultation, meeting) -> object:
    """Put a closed consultation on ``meeting``'s agenda as a report item.

    The meeting must be an open (not closed) meeting of the same body; the
    actor must be its chair or secretary; once only. The report PDF becomes a
    document of the body (``documents.actions.create_document``) attached to
    the item with the consultation's documents the actor may view. Audited as
    ``consultation.agenda``.
    """
    from django.core.files import File

    from documents import actions as document_actions
    from documents.queries import viewable_documents
    from meetings import actions as meeting_actions

    consultation = Consultation.objects.select_related("body").get(pk=consultation.pk)
    require_manager(actor, consultation.body)
    if consultation.status != ConsultationStatus.CLOSED:
        raise ActionError(
            _("Chỉ đưa vào chương trình họp phiếu xin ý kiến đã kết thúc."),
            code="not_closed",
        )
    if consultation.agenda_item_id is not None:
        raise ActionError(
            _("Kết quả xin ý kiến này đã được đưa vào chương trình họp."),
            code="already_on_agenda",
        )
    if meeting.body_id != consultation.body_id:
        raise ActionError(
            _("Cuộc họp phải của cùng cơ quan đã xin ý kiến."), code="other_body"
        )
    if not consultation.report_sha256:
        raise ActionError(
            _("Phiếu tổng hợp ý kiến đang được tạo; vui lòng thử lại sau ít phút."),
            code="report_pending",
        )
    with transaction.atomic():
        report = consultation.report_document
        if report is None:
            with consultation.report_pdf.open("rb") as fh:
                report = document_actions.create_document(
                    actor,
                    body=consultation.body,
                    title=_("Phiếu tổng hợp ý kiến: %(title)s")
                    % {"title": consultation.title},
                    uploaded_file=File(
                        fh, name=f"phieu-tong-hop-{consultation.pk}.pdf"
                    ),
                )
        result = consultation.result or {}
        item = meeting_actions.add_item(
            actor,
            meeting,
            title=_("Báo cáo kết quả xin ý kiến thành viên: %(title)s")
            % {"title": consultation.title},
            description=_reports_summary(result),
            presenter=actor,
        )
        attach = [report] + list(
            viewable_documents(actor).filter(pk__in=consultation.documents.values("pk"))
        )
        meeting_actions.attach_documents(actor, item, attach)
        Consultation.objects.filter(pk=consultation.pk).update(
            agenda_item=item, report_document=report
        )
        record_audit(
            actor, "consultation.agenda", consultation, meeting=meeting.pk, item=item.pk
        )
    return item


def _reports_summary(result: dict) -> str:
    from work import reports

    return reports.verdict_text(result)

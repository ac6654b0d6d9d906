"""Assignments: tasks given by a body (often from a meeting's conclusion) to an
agency (a body or an administrative unit) or a person, followed until the
assigner accepts them.

Status: ``new`` → ``in_progress`` (first progress report) → ``awaiting_acceptance``
(the assignee reports it done) → ``completed`` (accepted) or back to
``in_progress`` (returned with a reason). "Overdue" is derived: owed
(new / in progress) past the deadline. Every change locks the assignment row.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actions import record_audit
from accounts.models import Body, BodyKind, Membership, Unit, User
from nghisu.errors import ActionError
from work import queries
from work.actions._common import clean_text, require_manager
from work.actions.notifications import notify
from work.models import Assignment, AssignmentReport, AssignmentStatus, ReportKind


def assignment_url(assignment: Assignment) -> str:
    return reverse("work:assignment_detail", args=[assignment.pk])


def _lock(assignment: Assignment | int) -> Assignment:
    pk = assignment if isinstance(assignment, int) else assignment.pk
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("body", "assignee_body", "assignee_unit", "assignee_user")
        .get(pk=pk)
    )


def _ubnd_of(unit: Unit) -> list[Body]:
    return list(Body.objects.filter(unit=unit, kind=BodyKind.UBND))


def assignee_contacts(assignment: Assignment) -> list[User]:
    """Who is told about the task on the assignee's side: the person, or the
    chairs and secretaries of the assignee body (of the unit's UBND)."""
    if assignment.assignee_user_id:
        return [assignment.assignee_user]
    bodies = (
        [assignment.assignee_body_id]
        if assignment.assignee_body_id
        else [b.pk for b in _ubnd_of(assignment.assignee_unit)]
    )
    return [
        m.user
        for m in Membership.objects.current()
        .filter(body_id__in=bodies, position__in=queries.MANAGER_POSITIONS)
        .select_related("user")
    ]


def _assigner_managers(assignment: Assignment) -> list[User]:
    return [
        m.user
        for m in Membership.objects.current()
        .filter(body_id=assignment.body_id, position__in=queries.MANAGER_POSITIONS)
        .select_related("user")
    ]


def _audience(assignment: Assignment) -> tuple[list[User], list]:
    """(users, groups) who may see the assignment: for document grants."""
    groups = [assignment.body.group]
    users: list[User] = []
    if assignment.assignee_user_id:
        users.append(assignment.assignee_user)
    elif assignment.assignee_body_id:
        groups.append(assignment.assignee_body.group)
    else:
        groups.extend(b.group for b in _ubnd_of(assignment.assignee_unit))
    return users, groups


def create_assignment(
    actor: User,
    *,
    body: Body,
    title: str,
    deadline: datetime.date,
    description: str = "",
    assignee_body: Body | None = None,
    assignee_unit: Unit | None = None,
    assignee_user: User | None = None,
    conclusion=None,
) -> Assignment:
    """Give a task of ``body`` to exactly one assignee, with a deadline.

    Only the body's chair or secretary. The deadline may not be in the past; a
    conclusion must come from a meeting of the same body. Notifies the assignee
    (e-mail by default). Audited as ``assignment.create``.
    """
    require_manager(
        actor,
        body,
        _("Chỉ chủ tịch hoặc thư ký của %(body)s mới được giao nhiệm vụ.")
        % {"body": body.name},
    )
    title = clean_text(title, limit=500, label=_("nội dung nhiệm vụ"), required=True)
    description = clean_text(
        description, limit=20000, label=_("yêu cầu cụ thể"), required=False
    )
    if sum(x is not None for x in (assignee_body, assignee_unit, assignee_user)) != 1:
        raise ActionError(
            _(
                "Hãy chọn đúng một nơi thực hiện: một cơ quan, một địa phương hoặc một người."
            ),
            code="assignee",
        )
    if assignee_user is not None and not assignee_user.is_active:
        raise ActionError(_("Người thực hiện không còn hoạt động."), code="assignee")
    if not isinstance(deadline, datetime.date):
        raise ActionError(_("Vui lòng chọn hạn hoàn thành."), code="required")
    if deadline < timezone.localdate():
        raise ActionError(
            _("Hạn hoàn thành không được ở quá khứ."), code="deadline_past"
        )
    meeting_id = None
    if conclusion is not None:
        if conclusion.meeting.body_id != body.pk:
            raise ActionError(
                _("Kết luận phải thuộc một cuộc họp của %(body)s.")
                % {"body": body.name},
                code="other_body",
            )
        meeting_id = conclusion.meeting_id
    with transaction.atomic():
        assignment = Assignment.objects.create(
            body=body,
            title=title,
            description=description,
            deadline=deadline,
            assignee_body=assignee_body,
            assignee_unit=assignee_unit,
            assignee_user=assignee_user,
            conclusion=conclusion,
            meeting_id=meeting_id,
            created_by=actor,
        )
        notify(
            assignee_contacts(assignment),
            kind="assignment.assigned",
            title=_("Nhiệm vụ mới: %(title)s") % {"title": title},
            body=_("%(body)s giao nhiệm vụ cho %(who)s; hạn hoàn thành %(deadline)s.")
            % {
                "body": body.name,
                "who": assignment.assignee_label,
                "deadline": deadline.strftime("%d/%m/%Y"),
            },
            url=assignment_url(assignment),
        )
        record_audit(
            actor,
            "assignment.create",
            assignment,
            title=title,
            assignee=assignment.assignee_label,
            deadline=deadline.isoformat(),
            conclusion=getattr(conclusion, "pk", None),
        )
    return assignment


def _require_assignee(actor: User, assignment: Assignment) -> None:
    if not queries.owed_by(actor).filter(pk=assignment.pk).exists():
        raise ActionError(
            _("Chỉ người hoặc cơ quan được giao nhiệm vụ này mới được báo cáo."),
            code="not_assignee",
        )


def _attachments(
    actor: User, assignment: Assignment, documents: Sequence, uploads: Sequence
) -> list:
    """Documents to attach: chosen ones the actor may view, plus uploads stored
    as documents of a body the actor may upload to. Granted to everyone who
    sees the assignment."""
    from documents import actions as document_actions
    from documents.queries import bodies_for_upload, viewable_documents

    ids = {d.pk for d in documents}
    docs = list(viewable_documents(actor).filter(pk__in=ids)) if ids else []
    if len(docs) != len(ids):
        raise ActionError(
            _("Bạn không có quyền xem một số tài liệu đã chọn."), code="forbidden"
        )
    if uploads:
        allowed = {b.pk: b for b in bodies_for_upload(actor)}
        target = next(
            (
                allowed[pk]
                for pk in (assignment.assignee_body_id, assignment.body_id)
                if pk in allowed
            ),
            next(iter(allowed.values()), None),
        )
        if target is None:
            raise ActionError(
                _(
                    "Bạn chưa có quyền tải tệp lên hệ thống; hãy chọn tài liệu đã có "
                    "hoặc nhờ văn phòng tải lên."
                ),
                code="cannot_upload",
            )
        for upload in uploads:
            docs.append(
                document_actions.create_document(
                    actor, body=target, title="", uploaded_file=upload
                )
            )
    if docs:
        users, groups = _audience(assignment)
        for document in docs:
            document_actions.grant(
                actor, document, users=users, groups=groups, system=True
            )
    return docs


def _post(
    actor: User,
    assignment: Assignment,
    *,
    kind: str,
    text: str,
    documents: Sequence = (),
    uploads: Sequence = (),
) -> AssignmentReport:
    text = clean_text(text, limit=20000, label=_("nội dung báo cáo"), required=True)
    with transaction.atomic():
        assignment = _lock(assignment)
        _require_assignee(actor, assignment)
        if assignment.status == AssignmentStatus.COMPLETED:
            raise ActionError(
                _("Nhiệm vụ đã hoàn thành; không thể báo cáo thêm."), code="completed"
            )
        if assignment.status == AssignmentStatus.AWAITING:
            raise ActionError(
                _("Nhiệm vụ đang chờ nghiệm thu; hãy đợi cơ quan giao xem xét."),
                code="awaiting",
            )
        docs = _attachments(actor, assignment, documents, uploads)
        report = AssignmentReport.objects.create(
            assignment=assignment, author=actor, kind=kind, text=text
        )
        if docs:
            report.documents.set(docs)
        now = timezone.now()
        if kind == ReportKind.DONE:
            assignment.status = AssignmentStatus.AWAITING
            assignment.submitted_at = now
        elif assignment.status == AssignmentStatus.NEW:
            assignment.status = AssignmentStatus.IN_PROGRESS
        assignment.save(update_fields=["status", "submitted_at", "updated_at"])
        done = kind == ReportKind.DONE
        notify(
            _assigner_managers(assignment),
            kind="assignment.reported" if done else "assignment.progress",
            title=(
                _("Báo cáo hoàn thành, chờ nghiệm thu: %(title)s")
                if done
                else _("Báo cáo tiến độ: %(title)s")
            )
            % {"title": assignment.title},
            body=text[:300],
            url=assignment_url(assignment),
            email=False,
        )
        record_audit(
            actor,
            f"assignment.{kind}",
            assignment,
            documents=[d.pk for d in docs],
        )
    return report


def report_progress(
    actor: User,
    assignment: Assignment,
    *,
    text: str,
    documents: Sequence = (),
    uploads: Sequence = (),
) -> AssignmentReport:
    """Post a progress report (the assignee only); a new task becomes in
    progress. Attachments are granted to everyone who sees the task."""
    return _post(
        actor,
        assignment,
        kind=ReportKind.PROGRESS,
        text=text,
        documents=documents,
        uploads=uploads,
    )


def submit_done(
    actor: User,
    assignment: Assignment,
    *,
    text: str,
    documents: Sequence = (),
    uploads: Sequence = (),
) -> AssignmentReport:
    """Report the task done (the assignee only): it awaits acceptance."""
    return _post(
        actor,
        assignment,
        kind=ReportKind.DONE,
        text=text,
        documents=documents,
        uploads=uploads,
    )


def _review(actor: User, assignment: Assignment) -> Assignment:
    assignment = _lock(assignment)
    require_manager(
        actor,
        assignment.body,
        _("Chỉ chủ tịch hoặc thư ký của %(body)s mới nghiệm thu nhiệm vụ.")
        % {"body": assignment.body.name},
    )
    if assignment.status != AssignmentStatus.AWAITING:
        raise ActionError(
            _("Nhiệm vụ chưa được báo cáo hoàn thành nên chưa thể nghiệm thu."),
            code="not_done",
        )
    return assignment


def accept_assignment(
    actor: User, assignment: Assignment, *, text: str = ""
) -> Assignment:
    """Accept a task reported done (the assigning body's chair or secretary).

    It is completed on time when it was reported done on or before the
    deadline (local date). Accepting twice, or a task not reported done, is
    refused. Audited as ``assignment.accept``.
    """
    text = clean_text(text, limit=5000, label=_("nhận xét"), required=False)
    with transaction.atomic():
        assignment = _review(actor, assignment)
        now = timezone.now()
        submitted = timezone.localtime(assignment.submitted_at or now).date()
        assignment.status = AssignmentStatus.COMPLETED
        assignment.completed_at = now
        assignment.accepted_by = actor
        assignment.on_time = submitted <= assignment.deadline
        assignment.save(
            update_fields=[
                "status",
                "completed_at",
                "accepted_by",
                "on_time",
                "updated_at",
            ]
        )
        AssignmentReport.objects.create(
            assignment=assignment, author=actor, kind=ReportKind.ACCEPTED, text=text
        )
        notify(
            assignee_contacts(assignment),
            kind="assignment.reviewed",
            title=_("Nhiệm vụ đã được nghiệm thu: %(title)s")
            % {"title": assignment.title},
            body=text,
            url=assignment_url(assignment),
            email=False,
        )
        record_audit(actor, "assignment.accept", assignment, on_time=assignment.on_time)
    return assignment


def return_assignment(
    actor: User, assignment: Assignment, *, reason: str
) -> Assignment:
    """Return a task reported done, with a reason: it is in progress again."""
    reason = clean_text(reason, limit=5000, label=_("lý do trả lại"), required=True)
    with transaction.atomic():
        assignment = _review(actor, assignment)
        assignment.status = AssignmentStatus.IN_PROGRESS
        assignment.submitted_at = None
        assignment.save(update_fields=["status", "submitted_at", "updated_at"])
        AssignmentReport.objects.create(
            assignment=assignment, author=actor, kind=ReportKind.RETURNED, text=reason
        )
        notify(
            assignee_contacts(assignment),
            kind="assignment.reviewed",
            title=_("Nhiệm vụ bị trả lại: %(title)s") % {"title": assignment.title},
            body=reason,
            url=assignment_url(assignment),
            email=False,
        )
        record_audit(actor, "assignment.return", assignment, reason=reason)
    return assignment


def reassign_assignment(
    actor: User, assignment: Assignment, *, assignee_user: User, reason: str = ""
) -> Assignment:
    """Give an owed task of a person to another person (the first left their
    post). The assigning body's chairs and secretaries, or an administrator.

    Locks the assignment. Refuses a task no longer owed, one given to a body
    or a unit, and an inactive person. Notifies the new assignee. Documents
    attached later are granted to them (:func:`_audience`). Audited as
    ``assignment.reassign``.
    """
    reason = clean_text(reason, limit=1000, label=_("lý do"), required=False)
    with transaction.atomic():
        assignment = _lock(assignment)
        if not actor.is_superuser:
            require_manager(actor, assignment.body)
        if assignment.status not in (
            AssignmentStatus.NEW,
            AssignmentStatus.IN_PROGRESS,
        ):
            raise ActionError(
                _("Nhiệm vụ này không còn phải thực hiện."), code="bad_status"
            )
        if assignment.assignee_user_id is None:
            raise ActionError(
                _("Chỉ chuyển được nhiệm vụ giao cho một người."), code="assignee"
            )
        if not assignee_user.is_active:
            raise ActionError(
                _("Người thực hiện không còn hoạt động."), code="assignee"
            )
        previous = assignment.assignee_user
        if previous.pk == assignee_user.pk:
            return assignment
        assignment.assignee_user = assignee_user
        assignment.save(update_fields=["assignee_user"])
        notify(
            [assignee_user],
            kind="assignment.assigned",
            title=_("Nhiệm vụ mới: %(title)s") % {"title": assignment.title},
            body=_("%(body)s chuyển nhiệm vụ cho %(who)s; hạn hoàn thành %(deadline)s.")
            % {
                "body": assignment.body.name,
                "who": assignee_user,
                "deadline": assignment.deadline.strftime("%d/%m/%Y"),
            },
            url=assignment_url(assignment),
        )
        record_audit(
            actor,
            "assignment.reassign",
            assignment,
            previous=previous.pk,
            assignee=assignee_user.pk,
            reason=reason,
        )
    return assignment

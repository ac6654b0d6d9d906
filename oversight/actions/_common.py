"""Helpers shared by the oversight actions: rights, attachments, audiences."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import MANAGER_POSITIONS, Body, Membership, User
from accounts.queries import is_manager
from documents import actions as document_actions
from nghisu.errors import ActionError
from oversight.models import Agency, AgencyOfficial
from work.actions._common import clean_text


def question_url(question) -> str:
    return reverse("oversight:question_detail", args=[question.pk])


def require_body_manager(actor: User | None, body: Body) -> None:
    """Refuse anyone but the body's current chairs and secretaries (the one
    rule of a body's managers, :func:`accounts.queries.is_manager`)."""
    if actor is None or not is_manager(actor, body):
        raise ActionError(
            _("Chỉ chủ tịch hoặc thư ký của %(body)s mới làm được việc này.")
            % {"body": body.name},
            code="forbidden",
        )


def managers_of(body: Body | int) -> list[User]:
    """The body's current chairs and secretaries (1 query)."""
    body_id = body if isinstance(body, int) else body.pk
    return [
        m.user
        for m in Membership.objects.current()
        .filter(body_id=body_id, position__in=MANAGER_POSITIONS)
        .select_related("user")
    ]


def officials_of(agency: Agency | int) -> list[AgencyOfficial]:
    """The agency's active officials, first registered first (1 query)."""
    agency_id = agency if isinstance(agency, int) else agency.pk
    return list(
        AgencyOfficial.objects.filter(agency_id=agency_id, active=True)
        .select_related("user")
        .order_by("id")
    )


def answering_official(agency: Agency, chosen: AgencyOfficial | None) -> AgencyOfficial:
    """The official who answers: the one chosen, or the agency's first."""
    if chosen is not None:
        if chosen.agency_id != agency.pk or not chosen.active:
            raise ActionError(
                _("Người trả lời không thuộc %(agency)s.") % {"agency": agency.name},
                code="bad_official",
            )
        return chosen
    officials = officials_of(agency)
    if not officials:
        raise ActionError(
            _(
                "%(agency)s chưa có người trả lời được đăng ký; hãy đăng ký "
                "người trả lời của cơ quan trước."
            )
            % {"agency": agency.name},
            code="no_official",
        )
    return officials[0]


def store_uploads(
    actor: User,
    *,
    body: Body,
    uploads: Sequence,
    users: Sequence[User] = (),
    groups: Sequence = (),
) -> list:
    """Store uploaded files as documents of ``body`` through the documents
    upload path (type by content, size limit, signature verification in the
    processing pipeline), granted to ``users`` and ``groups``. The caller has
    checked its own rule (``system=True``)."""
    docs = []
    for upload in uploads:
        if not upload:
            continue
        document = document_actions.create_document(
            actor, body=body, title="", uploaded_file=upload, system=True
        )
        if users or groups:
            document_actions.grant(
                actor, document, users=list(users), groups=list(groups), system=True
            )
        docs.append(document)
    return docs


def clean(value: str | None, *, limit: int, label: str, required: bool = True) -> str:
    return clean_text(value, limit=limit, label=label, required=required)

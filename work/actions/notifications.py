"""Every change to notifications: creating them, reading them, e-mail choices."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from nghisu.errors import ActionError, NotFound
from work import events
from work.models import EmailPreference, Notification

logger = logging.getLogger(__name__)

#: Kinds a user may choose to receive by e-mail, with the default when they have
#: not chosen: the important ones (invitation, consultation sent, reminder, task
#: assigned, task overdue) are e-mailed by default.
EMAIL_KINDS: dict[str, tuple[str, bool]] = {
    "meeting.invitation": (_("Giấy mời họp"), True),
    "consultation.sent": (_("Phiếu xin ý kiến mới"), True),
    "consultation.reminder": (_("Nhắc trả lời phiếu xin ý kiến"), True),
    "assignment.assigned": (_("Được giao nhiệm vụ"), True),
    "assignment.overdue": (_("Nhiệm vụ quá hạn"), True),
    "consultation.closed": (_("Kết quả xin ý kiến"), False),
    "assignment.reported": (_("Báo cáo nhiệm vụ chờ nghiệm thu"), False),
    "assignment.reviewed": (_("Nhiệm vụ được nghiệm thu hoặc trả lại"), False),
    "minutes.submitted": (_("Biên bản chờ phê duyệt"), False),
}


def notify(
    users: Iterable[User],
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = True,
) -> list[Notification]:
    """Create one notification per user in one query; e-mail them after commit.

    Duplicate users are notified once. ``email`` is the default for this kind;
    each user's own choice (:class:`EmailPreference`, one query) overrides it.
    Mail goes through Django's mail (the console backend by default) in
    ``transaction.on_commit`` with one connection, so a rolled-back action sends
    nothing; a mail failure is logged, never raised. ``url`` is a site path.
    The recipients' bells get their new unread count after commit.
    """
    unique: dict[int, User] = {}
    for user in users:
        unique.setdefault(user.pk, user)
    if not unique:
        return []
    created = Notification.objects.bulk_create(
        [
            Notification(recipient_id=pk, kind=kind, title=title, body=body, url=url)
            for pk in unique
        ]
    )
    choices = dict(
        EmailPreference.objects.filter(user_id__in=unique, kind=kind).values_list(
            "user_id", "email"
        )
    )
    recipients = [
        u.email
        for u in unique.values()
        if u.email and u.is_active and choices.get(u.pk, email)
    ]
    if recipients:
        transaction.on_commit(
            lambda: _send_mail(recipients, title=title, body=body, url=url)
        )
    events.publish_unread_counts(unique)
    return created


def _send_mail(recipients: list[str], *, title: str, body: str, url: str) -> None:
    text = body if not url else f"{body}\n\n{url}".strip()
    try:
        with get_connection() as connection:
            messages = [
                EmailMessage(
                    subject=title,
                    body=text,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[address],
                    connection=connection,
                )
                for address in recipients
            ]
            connection.send_messages(messages)
    except Exception:
        logger.exception("notify: sending %d e-mails failed", len(recipients))


def mark_read(user: User, notification_id: int) -> Notification:
    """Mark the user's own notification read (reading it twice changes nothing)."""
    notification = Notification.objects.filter(
        pk=notification_id, recipient=user
    ).first()
    if notification is None:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        events.publish_unread_counts([user.pk])
    return notification


def mark_all_read(user: User) -> int:
    """Mark every unread notification of ``user`` read; return how many."""
    count = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if count:
        events.publish_unread_counts([user.pk])
    return count


def email_choices(user: User) -> dict[str, bool]:
    """Whether each kind of :data:`EMAIL_KINDS` reaches ``user`` by e-mail."""
    chosen = dict(
        EmailPreference.objects.filter(user=user).values_list("kind", "email")
    )
    return {
        kind: chosen.get(kind, default) for kind, (_l, default) in EMAIL_KINDS.items()
    }


def set_email_preferences(user: User, choices: Mapping[str, bool]) -> dict[str, bool]:
    """Store the user's e-mail choice for each given kind (unknown kinds refused).

    Saving the same choices again changes nothing. Returns every choice.
    """
    unknown = set(choices) - set(EMAIL_KINDS)
    if unknown:
        raise ActionError(_("Loại thông báo không hợp lệ."), code="invalid")
    with transaction.atomic():
        for kind, wanted in choices.items():
            EmailPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"email": bool(wanted)}
            )
    return email_choices(user)

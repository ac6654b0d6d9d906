"""Building the agenda: items, sub-items, order and documents.

Every change bumps nothing visible to participants while the meeting is a
draft; once published, each change is also written as an ``AgendaChange`` that
participants see ("Chương trình đã thay đổi") and published as
``agenda.changed``. Adding, removing and reordering bump
``Meeting.agenda_version``, the token a reorder must carry.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.actions import record_audit
from accounts.models import User
from meetings import events
from meetings.actions._common import lock_meeting, require_manager, require_open
from meetings.actions.lifecycle import grant_agenda_documents
from meetings.models import (
    AgendaChange,
    AgendaDocument,
    AgendaItem,
    ChangeKind,
    Meeting,
    MeetingStatus,
)
from nghisu.errors import ActionError
from nghisu.text import nfc

EDITABLE_FIELDS = (
    "title",
    "description",
    "presenter",
    "presenter_text",
    "duration_minutes",
)


def _clean_item(
    *,
    title: str,
    description: str,
    presenter: User | None,
    presenter_text: str,
    duration_minutes: int | None,
) -> dict:
    title = nfc(title).strip()
    if not title or len(title) > 500:
        raise ActionError(_("Tên nội dung phải có từ 1 đến 500 ký tự."), code="invalid")
    if len(nfc(presenter_text).strip()) > 300:
        raise ActionError(_("Tên cơ quan trình bày quá dài."), code="invalid")
    if duration_minutes is not None and not 0 < duration_minutes <= 24 * 60:
        raise ActionError(
            _("Thời lượng dự kiến phải từ 1 đến 1440 phút."), code="invalid"
        )
    return {
        "title": title,
        "description": nfc(description).strip(),
        "presenter": presenter,
        "presenter_text": nfc(presenter_text).strip(),
        "duration_minutes": duration_minutes,
    }


def _record_change(
    meeting: Meeting,
    actor: User,
    kind: str,
    item: AgendaItem | None,
    *,
    title: str,
    **detail: object,
) -> None:
    if meeting.status == MeetingStatus.DRAFT:
        return
    AgendaChange.objects.create(
        meeting=meeting,
        item=item,
        kind=kind,
        item_title=title,
        detail=detail,
        actor=actor,
    )


def _changed(meeting: Meeting, op: str, **extra: object) -> None:
    events.publish(
        meeting.pk,
        {
            "type": "agenda.changed",
            "meeting": meeting.pk,
            "op": op,
            "version": meeting.agenda_version,
            **extra,
        },
    )


def _bump(meeting: Meeting) -> None:
    meeting.agenda_version += 1
    meeting.save(update_fields=["agenda_version", "updated_at"])


def _number(item: AgendaItem) -> str:
    """The displayed number of an item ("3", "3.2"): one or two queries."""
    own = (
        AgendaItem.objects.filter(meeting_id=item.meeting_id, parent_id=item.parent_id)
        .filter(position__lte=item.position)
        .exclude(position=item.position, id__gt=item.pk)
        .count()
    )
    if item.parent_id is None:
        return str(own)
    return f"{_number(item.parent)}.{own}"


def add_item(
    actor: User,
    meeting: Meeting,
    *,
    title: str,
    description: str = "",
    presenter: User | None = None,
    presenter_text: str = "",
    duration_minutes: int | None = None,
    parent: AgendaItem | None = None,
) -> AgendaItem:
    """Append an item (or a sub-item of ``parent``) to the agenda.

    Sub-items go one level deep. Locks the meeting.
    """
    fields = _clean_item(
        title=title,
        description=description,
        presenter=presenter,
        presenter_text=presenter_text,
        duration_minutes=duration_minutes,
    )
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        require_manager(actor, meeting)
        require_open(meeting)
        if parent is not None and (
            parent.meeting_id != meeting.pk or parent.parent_id is not None
        ):
            raise ActionError(
                _("Nội dung cha không thuộc chương trình cuộc họp này."),
                code="bad_parent",
            )
        last = AgendaItem.objects.filter(meeting=meeting, parent=parent).aggregate(
            n=Max("position")
        )["n"]
        item = AgendaItem.objects.create(
            meeting=meeting,
            parent=parent,
            position=(last or 0) + 1,
            **fields,
        )
        _bump(meeting)
        _record_change(
            meeting,
            actor,
            ChangeKind.ADDED,
            item,
            title=item.title,
            number=_number(item),
        )
        _changed(meeting, "added", item=item.pk)
    return item


def update_item(
    actor: User,
    item: AgendaItem,
    *,
    title: str,
    description: str = "",
    presenter: User | None = None,
    presenter_text: str = "",
    duration_minutes: int | None = None,
) -> AgendaItem:
    """Change an item's title, description, presenter or duration."""
    fields = _clean_item(
        title=title,
        description=description,
        presenter=presenter,
        presenter_text=presenter_text,
        duration_minutes=duration_minutes,
    )
    with transaction.atomic():
        meeting = lock_meeting(item.meeting_id)
        require_manager(actor, meeting)
        require_open(meeting)
        item = AgendaItem.objects.get(pk=item.pk)
        changed = []
        for key, value in fields.items():
            current = item.presenter_id if key == "presenter" else getattr(item, key)
            new = value.pk if key == "presenter" and value is not None else value
            if current != new:
                setattr(item, key, value)
                changed.append(key)
        if not changed:
            return item
        before = item.title
        item.save(update_fields=[*changed, "updated_at"])
        _record_change(
            meeting,
            actor,
            ChangeKind.EDITED,
            item,
            title=item.title,
            fields=changed,
            before=before if "title" in changed else "",
            number=_number(item),
        )
        _changed(meeting, "edited", item=item.pk)
    return item


def delete_item(actor: User, item: AgendaItem) -> None:
    """Remove an item (and its sub-items); close the gap in the order.

    Refused for an item that has a conclusion or is under way in the room.
    """
    with transaction.atomic():
        meeting = lock_meeting(item.meeting_id)
        require_manager(actor, meeting)
        require_open(meeting)
        try:
            item = AgendaItem.objects.get(pk=item.pk, meeting=meeting)
        except AgendaItem.DoesNotExist:
            raise ActionError(_("Nội dung này đã bị xóa."), code="gone") from None
        ids = [item.pk, *item.children.values_list("pk", flat=True)]
        if meeting.current_item_id in ids:
            raise ActionError(_("Không thể xóa nội dung đang được họp."), code="in_use")
        if AgendaItem.objects.filter(pk__in=ids, conclusion__isnull=False).exists():
            raise ActionError(
                _("Nội dung này đã có kết luận; không thể xóa."), code="in_use"
            )
        number = _number(item)
        title = item.title
        parent_id = item.parent_id
        documents = list(
            AgendaDocument.objects.filter(item_id__in=ids).values_list(
                "document_id", flat=True
            )
        )
        item.delete()
        _renumber(meeting, parent_id)
        _bump(meeting)
        _record_change(
            meeting, actor, ChangeKind.REMOVED, None, title=title, number=number
        )
        _revoke_unused(actor, meeting, documents)
        record_audit(actor, "agenda.delete_item", meeting, title=title)
        _changed(meeting, "removed", item=ids[0])


def _renumber(meeting: Meeting, parent_id: int | None) -> None:
    rows = list(
        AgendaItem.objects.filter(meeting=meeting, parent_id=parent_id).order_by(
            "position", "id"
        )
    )
    for n, row in enumerate(rows, start=1):
        row.position = n
    AgendaItem.objects.bulk_update(rows, ["position"])


def _stable(old_positions: list[int]) -> set[int]:
    """Indexes of the longest increasing run: items that did not move."""
    tails: list[int] = []
    tails_idx: list[int] = []
    prev = [-1] * len(old_positions)
    for i, value in enumerate(old_positions):
        k = bisect.bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tails_idx.append(i)
        else:
            tails[k] = value
            tails_idx[k] = i
        prev[i] = tails_idx[k - 1] if k else -1
    keep, i = set(), tails_idx[-1] if tails_idx else -1
    while i >= 0:
        keep.add(i)
        i = prev[i]
    return keep


def reorder_items(
    actor: User,
    meeting: Meeting,
    *,
    order: Sequence[int],
    version: int,
    parent_id: int | None = None,
) -> Meeting:
    """Put the items under ``parent_id`` (top level when None) in ``order``.

    ``order`` must list exactly those items' ids; ``version`` is the
    ``agenda_version`` the client saw. A stale version (someone changed the
    agenda meanwhile) is refused with code ``stale`` and nothing moves. Locks
    the meeting, so concurrent reorders serialise. After publishing, each item
    that moved is recorded as a change.
    """
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        require_manager(actor, meeting)
        require_open(meeting)
        if version != meeting.agenda_version:
            raise ActionError(
                _(
                    "Chương trình vừa được người khác thay đổi nên thứ tự bạn thấy "
                    "đã cũ. Hãy tải lại trang và sắp xếp lại."
                ),
                code="stale",
            )
        siblings = {
            i.pk: i
            for i in AgendaItem.objects.filter(meeting=meeting, parent_id=parent_id)
        }
        order = [int(pk) for pk in order]
        if len(order) != len(set(order)) or set(order) != set(siblings):
            raise ActionError(
                _("Danh sách sắp xếp không khớp với chương trình hiện tại."),
                code="bad_order",
            )
        old = sorted(siblings.values(), key=lambda i: (i.position, i.pk))
        old_index = {item.pk: n for n, item in enumerate(old, start=1)}
        if [i.pk for i in old] == order:
            return meeting
        stable = _stable([old_index[pk] for pk in order])
        rows = []
        for n, pk in enumerate(order, start=1):
            item = siblings[pk]
            item.position = n
            rows.append(item)
        AgendaItem.objects.bulk_update(rows, ["position"])
        _bump(meeting)
        prefix = ""
        if parent_id is not None:
            prefix = _number(AgendaItem.objects.get(pk=parent_id)) + "."
        for n, pk in enumerate(order, start=1):
            if n - 1 not in stable:
                _record_change(
                    meeting,
                    actor,
                    ChangeKind.MOVED,
                    siblings[pk],
                    title=siblings[pk].title,
                    before=f"{prefix}{old_index[pk]}",
                    after=f"{prefix}{n}",
                )
        _changed(meeting, "moved", parent=parent_id, order=order)
    return meeting


def move_item(actor: User, item: AgendaItem, *, step: int, version: int) -> Meeting:
    """Move an item one place up (``step=-1``) or down (``step=1``)."""
    siblings = list(
        AgendaItem.objects.filter(meeting_id=item.meeting_id, parent_id=item.parent_id)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    if item.pk not in siblings:
        raise ActionError(_("Nội dung này đã bị xóa."), code="gone")
    i = siblings.index(item.pk)
    j = i + (1 if step > 0 else -1)
    if not 0 <= j < len(siblings):
        raise ActionError(_("Nội dung đã ở đầu hoặc cuối danh sách."), code="bad_order")
    siblings[i], siblings[j] = siblings[j], siblings[i]
    return reorder_items(
        actor,
        item.meeting,
        order=siblings,
        version=version,
        parent_id=item.parent_id,
    )


def attach_documents(
    actor: User, item: AgendaItem, documents: Sequence
) -> list[AgendaDocument]:
    """Attach documents the actor may view to ``item`` (already attached: skipped).

    On a published agenda the participants group gets view on them at once.
    """
    from documents.queries import viewable_documents

    ids = {d.pk for d in documents}
    with transaction.atomic():
        meeting = lock_meeting(item.meeting_id)
        require_manager(actor, meeting)
        require_open(meeting)
        allowed = list(
            viewable_documents(actor)
            .filter(pk__in=ids)
            .select_related("latest_version")
        )
        if len(allowed) != len(ids):
            raise ActionError(
                _("Bạn không có quyền xem một số tài liệu đã chọn."), code="forbidden"
            )
        present = set(
            AgendaDocument.objects.filter(item=item).values_list(
                "document_id", flat=True
            )
        )
        fresh = [d for d in allowed if d.pk not in present]
        if not fresh:
            return []
        last = (
            AgendaDocument.objects.filter(item=item).aggregate(n=Max("position"))["n"]
            or 0
        )
        rows = AgendaDocument.objects.bulk_create(
            [
                AgendaDocument(item=item, document=d, position=last + n, added_by=actor)
                for n, d in enumerate(fresh, start=1)
            ]
        )
        if meeting.status != MeetingStatus.DRAFT:
            grant_agenda_documents(actor, meeting, fresh)
        for d in fresh:
            _record_change(
                meeting,
                actor,
                ChangeKind.DOCUMENT_ADDED,
                item,
                title=item.title,
                document=d.title,
            )
        _changed(meeting, "documents", item=item.pk)
    return rows


def upload_document(
    actor: User,
    item: AgendaItem,
    *,
    uploaded_file,
    title: str = "",
    classification: str = "internal",
):
    """Create a document of the meeting's body from an upload and attach it."""
    from documents import actions as document_actions

    with transaction.atomic():
        meeting = lock_meeting(item.meeting_id)
        require_manager(actor, meeting)
        require_open(meeting)
        document = document_actions.create_document(
            actor,
            body=meeting.body,
            title=title,
            uploaded_file=uploaded_file,
            classification=classification,
        )
        attach_documents(actor, item, [document])
    return document


def detach_document(actor: User, item: AgendaItem, document_id: int) -> None:
    """Take a document off an item; withdraw the group's view when no other
    item of the meeting still carries it."""
    with transaction.atomic():
        meeting = lock_meeting(item.meeting_id)
        require_manager(actor, meeting)
        require_open(meeting)
        row = (
            AgendaDocument.objects.filter(item=item, document_id=document_id)
            .select_related("document")
            .first()
        )
        if row is None:
            raise ActionError(
                _("Tài liệu này không còn gắn với nội dung."), code="gone"
            )
        row.delete()
        _revoke_unused(actor, meeting, [document_id])
        _record_change(
            meeting,
            actor,
            ChangeKind.DOCUMENT_REMOVED,
            item,
            title=item.title,
            document=row.document.title,
        )
        _changed(meeting, "documents", item=item.pk)


def _revoke_unused(actor: User, meeting: Meeting, document_ids: list[int]) -> None:
    if meeting.status == MeetingStatus.DRAFT or not document_ids:
        return
    from documents import actions as document_actions
    from documents.models import Document

    still = set(
        AgendaDocument.objects.filter(
            item__meeting=meeting, document_id__in=document_ids
        ).values_list("document_id", flat=True)
    )
    for document in Document.objects.filter(pk__in=set(document_ids) - still):
        document_actions.revoke(
            actor, document, groups=[meeting.participants_group], system=True
        )


def mark_changes_seen(actor: User, meeting: Meeting) -> None:
    """Remember that ``actor`` has seen the agenda changes up to now."""
    from meetings.models import Participant

    newest = (
        AgendaChange.objects.filter(meeting=meeting).aggregate(n=Max("id"))["n"] or 0
    )
    Participant.objects.filter(meeting=meeting, user=actor).update(
        seen_change_id=newest
    )

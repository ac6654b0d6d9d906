"""The offline briefcase: what a tablet may keep of a meeting, and for how long.

:func:`pack` lists every file of a meeting's pack (pages, agenda, documents'
page images at one width, their text, annotations, conclusions and the minutes
the user may read), with sizes, for the client to download into the user's own
cache (static/js/briefcase.js). :func:`check` answers a tablet at its next
contact: which of the documents it holds it may still keep, whether they are
current, and whether the meeting changed. docs/offline.md is the whole story.

Both are reads: they change nothing and have fixed query counts.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from documents import storage
from documents.models import Document, VersionStatus
from documents.queries import documents_with_perm
from meetings import queries
from meetings.models import Meeting, MeetingStatus, Minutes, Participant
from nghisu.errors import NotFound

#: Estimated sizes of files whose size is not known before they are made.
HTML_BYTES = 40_000
JSON_BYTES = 4_000
#: A page image not rendered yet at that width: bytes per pixel of width.
PAGE_BYTES_PER_PX = 90
#: How far ahead the automatic download looks.
UPCOMING_DAYS = 7


@dataclass
class Pack:
    """A meeting's pack for one user at one page width."""

    meeting: Meeting
    width: int
    documents: list[dict] = field(default_factory=list)
    excluded: list[dict] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)

    @property
    def stamp(self) -> str:
        """Changes whenever anything the pack holds would change."""
        state = {
            "meeting": [
                self.meeting.pk,
                self.meeting.status,
                self.meeting.agenda_version,
            ],
            "updated": self.meeting.updated_at.isoformat(),
            "files": [f["url"] for f in self.files],
        }
        raw = json.dumps(state, sort_keys=True).encode()
        return hashlib.sha256(raw).hexdigest()[:20]

    def as_json(self) -> dict:
        pages = sum(1 for f in self.files if f["kind"] == "page")
        return {
            "meeting": {
                "id": self.meeting.pk,
                "title": self.meeting.title,
                "url": reverse("meetings:detail", args=[self.meeting.pk]),
                "startsAt": self.meeting.starts_at.isoformat(),
            },
            "stamp": self.stamp,
            "width": self.width,
            "maxAgeHours": settings.OFFLINE_MAX_AGE_HOURS,
            "documents": self.documents,
            "excluded": self.excluded,
            "files": self.files,
            "pages": pages,
            "totalBytes": sum(f["size"] for f in self.files),
        }


def _page_size(version, page: int, width: int, viewer_key: str | None) -> int:
    directory = storage.render_dir(version.sha256, viewer_key=viewer_key)
    found = storage.find_render(directory, page, width)
    if found is None and viewer_key:  # watermarked: about the plain render's size
        found = storage.find_render(storage.render_dir(version.sha256), page, width)
    try:
        return found.stat().st_size if found else width * PAGE_BYTES_PER_PX
    except OSError:
        return width * PAGE_BYTES_PER_PX


def _pack_documents(user, items) -> tuple[list[Document], list[Document]]:
    """The agenda's documents the user may view: (kept offline, refused)."""
    ids: list[int] = []
    for item in queries.flatten(items):
        ids += [a.document_id for a in item.attached if a.document_id not in ids]
    found = {
        d.pk: d
        for d in documents_with_perm(user)
        .filter(pk__in=ids)
        .select_related("latest_version")
    }
    visible = [found[i] for i in ids if i in found]
    return (
        [d for d in visible if d.offline_allowed],
        [d for d in visible if not d.offline_allowed],
    )


def _document_files(user, document: Document, width: int) -> tuple[dict, list]:
    version = document.latest_version
    base = reverse("documents:detail", args=[document.pk])
    files = [{"url": base, "size": HTML_BYTES, "kind": "html"}]
    entry = {
        "id": document.pk,
        "title": document.title,
        "url": base,
        "confidential": document.is_confidential,
        "version": None,
        "pages": 0,
    }
    if version is None or version.status != VersionStatus.READY:
        return entry, files
    v = f"{base}versions/{version.number}/"
    entry |= {"version": version.number, "pages": version.page_count}
    files += [
        {"url": f"{v}annotations/", "size": JSON_BYTES, "kind": "json"},
        {"url": f"{v}annotations/audience/", "size": JSON_BYTES, "kind": "json"},
        {"url": f"{v}annotations/config/", "size": JSON_BYTES, "kind": "json"},
    ]
    if not document.is_confidential:  # a Mật document leaves only as images
        entry["textUrl"] = f"{v}text/"
        files.append(
            {
                "url": entry["textUrl"],
                "size": 2_000 * version.page_count,
                "kind": "json",
            }
        )
    viewer_key = None
    if document.is_confidential:  # the same key as documents.views_pages.page_image
        viewer_key = f"{user.pk}-{timezone.localdate():%Y%m%d}"
    for page in range(1, version.page_count + 1):
        files.append(
            {
                "url": f"{v}pages/{page}/?w={width}",
                "size": _page_size(version, page, width, viewer_key),
                "kind": "page",
            }
        )
    entry["watermarked"] = document.is_confidential
    return entry, files


def pack(user, meeting_id: object, *, width: int) -> Pack:
    """The pack of a published meeting the user may see; else ``NotFound``.

    Six queries whatever the size of the agenda: the meeting and the user's
    rights, the agenda (items, attachments), the documents, the minutes.
    """
    meeting = queries.access_meeting(user, meeting_id)
    if meeting.status == MeetingStatus.DRAFT:
        raise NotFound()
    result = Pack(meeting=meeting, width=width)
    m = reverse("meetings:detail", args=[meeting.pk])
    result.files += [
        {"url": m, "size": HTML_BYTES, "kind": "html"},
        {"url": f"{m}conclusions/", "size": HTML_BYTES, "kind": "html"},
        {"url": f"{m}minutes/", "size": HTML_BYTES, "kind": "html"},
        {"url": reverse("meetings:briefcase"), "size": HTML_BYTES, "kind": "html"},
    ]
    items = queries.agenda(meeting)
    for item in queries.flatten(items):
        url = reverse("meetings:item", args=[meeting.pk, item.pk])
        result.files.append({"url": url, "size": HTML_BYTES, "kind": "html"})
    kept, refused = _pack_documents(user, items)
    for document in kept:
        entry, files = _document_files(user, document, width)
        entry["bytes"] = sum(f["size"] for f in files)
        result.documents.append(entry)
        result.files += [f | {"doc": document.pk} for f in files]
    result.excluded = [{"id": d.pk, "title": d.title} for d in refused]
    viewer = meeting.viewer
    for minutes in Minutes.objects.filter(meeting=meeting).only(
        "version", "status", "pdf"
    ):
        if minutes.pdf and (minutes.is_locked or viewer.manage or viewer.preside):
            try:
                size = minutes.pdf.size
            except OSError:
                continue
            url = reverse("meetings:minutes_pdf", args=[meeting.pk, minutes.version])
            result.files.append({"url": url, "size": size, "kind": "pdf"})
    return result


def check(user, meeting_id: object, held: list, *, width: int) -> dict:
    """What a tablet holding ``held`` ([document id, version number] pairs) of
    a meeting's pack may keep, at its next contact.

    A meeting the user may no longer see answers ``allowed: false`` and keeps
    nothing, exactly as a meeting that never existed (no oracle). Otherwise
    each held document is kept only if it is still in the pack (viewable,
    offline copies allowed, still on the agenda), and is current only if its
    version is the latest; ``stamp`` tells whether anything else changed.
    """
    try:
        current = pack(user, meeting_id, width=width)
    except NotFound:
        return {"allowed": False, "stamp": None, "documents": {}}
    latest = {d["id"]: d["version"] for d in current.documents}
    answer = {}
    for pair in held:
        try:
            doc_id, number = int(pair[0]), pair[1]
        except (TypeError, ValueError, IndexError):
            continue
        keep = doc_id in latest
        answer[str(doc_id)] = {
            "keep": keep,
            "current": keep and latest[doc_id] == number,
        }
    return {"allowed": True, "stamp": current.stamp, "documents": answer}


def upcoming(user) -> list[dict]:
    """The meetings whose packs a tablet downloads by itself when its user chose
    so: published (or running) meetings ``user`` takes part in that start within
    :data:`UPCOMING_DAYS` and have not ended, soonest first. One query.

    ``version`` changes whenever the meeting or its agenda does; the client
    downloads each meeting at most once per version. Only the user's own
    invitations are listed: nobody learns of a meeting they are not in.
    """
    now = timezone.now()
    rows = (
        Participant.objects.filter(
            user=user,
            meeting__status__in=[MeetingStatus.PUBLISHED, MeetingStatus.IN_PROGRESS],
            meeting__starts_at__lte=now + datetime.timedelta(days=UPCOMING_DAYS),
            meeting__ends_at__gte=now,
        )
        .order_by("meeting__starts_at", "meeting_id")
        .values_list(
            "meeting_id",
            "meeting__title",
            "meeting__starts_at",
            "meeting__agenda_version",
            "meeting__updated_at",
        )[:50]
    )
    return [
        {
            "id": pk,
            "title": title,
            "url": reverse("meetings:detail", args=[pk]),
            "startsAt": starts.isoformat(),
            "version": f"{agenda}-{updated.timestamp():.6f}",
        }
        for pk, title, starts, agenda, updated in rows
    ]

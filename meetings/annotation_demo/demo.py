"""Demo annotations of the demo delegate on the running session's agenda document.

``thanhvien01``, a member of the UBND tỉnh checked in at the running meeting,
has private highlights, ink and a text box on three pages of the agenda
document and one note shared with the meeting, all saved through
:func:`documents.annotations.save_annotation`. The meeting's participants get
the annotate right on its agenda documents (publishing grants view only).
Idempotent: the ids derive from fixed names and an annotation that exists is
left alone (its author may have edited, moved or deleted it since).
"""

from __future__ import annotations

import uuid

from accounts.models import User
from documents import actions
from documents import annotations as ann
from documents.models import Annotation, AnnotationKind, DocumentPage
from documents.queries import user_can

DELEGATE = "thanhvien01"
DOCUMENT = "Kế hoạch triển khai chuyển đổi số năm 2026"
NAMESPACE = uuid.UUID("3f0b8f5e-6c1d-4a8e-b1f2-0c9d7e6a5b41")
SHARED_NOTE = (
    "Đề nghị Sở Khoa học và Công nghệ làm rõ kinh phí chuyển đổi số cho các xã "
    "vùng cao trước khi biểu quyết."
)


def _line_quads(version, page: int, line: int) -> list[list[float]]:
    """The box of text line ``line`` (0-based) of ``page``, as one highlight quad."""
    words = (
        DocumentPage.objects.filter(version=version, number=page)
        .values_list("words", flat=True)
        .first()
    ) or []
    lines: list[list[float]] = []
    for x0, y0, x1, y1, _word in words:
        mid = (y0 + y1) / 2
        last = lines[-1] if lines else None
        if last and last[1] < mid < last[3]:
            last[0], last[2] = min(last[0], x0), max(last[2], x1)
            last[1], last[3] = min(last[1], y0), max(last[3], y1)
        else:
            lines.append([x0, y0, x1, y1])
    if not lines:
        return []
    return [[round(v, 5) for v in lines[min(line, len(lines) - 1)]]]


def _wave(x0: float, x1: float, y: float, n: int = 40) -> list[list[float]]:
    """An underline a delegate draws by hand: a gentle wave from x0 to x1."""
    points = []
    for i in range(n + 1):
        x = x0 + (x1 - x0) * i / n
        points.append([round(x, 5), round(y + (0.004 if i % 2 else -0.002), 5)])
    return points


def _annotations(version, meeting_id: int) -> list[tuple[str, dict]]:
    shared = {"visibility": "meeting", "meeting": meeting_id}
    out: list[tuple[str, dict]] = []
    for page, line, color in ((1, 4, "#ffd400"), (3, 6, "#7ee081")):
        quads = _line_quads(version, page, line)
        if quads:
            out.append(
                (
                    f"highlight-{page}",
                    {
                        "page": page,
                        "kind": AnnotationKind.HIGHLIGHT,
                        "color": color,
                        "geometry": {"quads": quads},
                    },
                )
            )
    line = _line_quads(version, 2, 8) or [[0.12, 0.33, 0.62, 0.35]]
    x0, _y0, x1, y1 = line[0]
    out += [
        (
            "ink-2",
            {
                "page": 2,
                "kind": AnnotationKind.INK,
                "color": "#d0201a",
                "geometry": {
                    "strokes": [_wave(x0, x1, min(0.99, y1 + 0.004))],
                    "width": 0.003,
                },
            },
        ),
        (
            "note-2-private",
            {
                "page": 2,
                "kind": AnnotationKind.NOTE,
                "color": "#1060d0",
                "text": "Hỏi thêm về tiến độ hạ tầng mạng ở Mường La.",
                "geometry": {"point": [0.86, 0.34]},
            },
        ),
        (
            "freetext-3",
            {
                "page": 3,
                "kind": AnnotationKind.FREETEXT,
                "color": "#ffffcc",
                "text": "Đối chiếu với dự toán năm 2026",
                "geometry": {"rect": [0.55, 0.08, 0.92, 0.14], "size": 11},
            },
        ),
        (
            "note-1-shared",
            {
                "page": 1,
                "kind": AnnotationKind.NOTE,
                "color": "#d0201a",
                "text": SHARED_NOTE,
                "geometry": {"point": [0.88, 0.22]},
                **shared,
            },
        ),
    ]
    return out


def seed(bodies: dict, *, stdout) -> None:
    """Add the demo delegate's annotations (again: nothing changes)."""
    from meetings.demo import RUNNING
    from meetings.models import AgendaDocument, Meeting, MeetingStatus

    ubnd = bodies.get("ubnd")
    delegate = User.objects.filter(username=DELEGATE).first()
    office = User.objects.filter(username="vanphong").first()
    if ubnd is None or delegate is None or office is None:
        return
    meeting = Meeting.objects.filter(
        body=ubnd, title=RUNNING, status=MeetingStatus.IN_PROGRESS
    ).first()
    if meeting is None:
        return
    attached = (
        AgendaDocument.objects.filter(item__meeting=meeting, document__title=DOCUMENT)
        .select_related("document__latest_version")
        .first()
    )
    version = attached.document.latest_version if attached else None
    if version is None or not version.is_ready:
        return
    document = attached.document
    if not user_can(delegate, document, "annotate_document"):
        actions.grant(
            office,
            document,
            groups=[meeting.participants_group],
            perms=("view_document", "annotate_document"),
        )
    wanted = {
        uuid.uuid5(NAMESPACE, f"{document.pk}:{version.number}:{name}"): data
        for name, data in _annotations(version, meeting.pk)
    }
    there = set(Annotation.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    changed = 0
    for pk, data in wanted.items():
        if pk not in there:
            _row, did = ann.save_annotation(delegate, version, pk, {**data, "rev": 1})
            changed += did
    if changed:
        stdout.write(f"  Ghi chú: {changed} ghi chú của {delegate} trên “{DOCUMENT}”")

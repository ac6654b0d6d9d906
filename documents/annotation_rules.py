"""The rules of an annotation's input: limits, geometry, colour, audience fields.

:func:`clean_input` validates a raw save request (JSON) completely and returns
it normalised; a refusal raises :class:`~nghisu.errors.ActionError` with a
Vietnamese message. No database access: the checks against stored rows (the
audience, the per-page limit, revisions) are in :mod:`documents.annotations`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from documents.models import AnnotationKind, AnnotationVisibility
from nghisu.errors import ActionError
from nghisu.text import nfc

#: Limits (after the client's simplification of strokes).
MAX_STROKE_POINTS = 5_000
MAX_POINTS = 20_000
MAX_STROKES = 200
MAX_QUADS = 1_000
MAX_TEXT = 5_000
MAX_PER_PAGE = 2_000
MAX_SHARED_USERS = 200

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class CleanInput:
    page: int
    kind: str
    color: str
    text: str
    geometry: dict[str, Any]
    visibility: str
    meeting_id: int | None
    shared_with: tuple[int, ...]
    rev: int


def _invalid(message: str, code: str = "invalid") -> ActionError:
    return ActionError(message, code=code)


def _num(value: object) -> float:
    """Return a coordinate in 0..1 or refuse (NaN, inf, strings, out of range)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _invalid(_("Tọa độ phải là số."), "bad_coordinates")
    v = float(value)
    if not math.isfinite(v):
        raise _invalid(_("Tọa độ không hợp lệ (NaN hoặc vô hạn)."), "bad_coordinates")
    if not 0.0 <= v <= 1.0:
        raise _invalid(_("Tọa độ phải nằm trong trang (từ 0 đến 1)."), "out_of_page")
    return round(v, 5)


def _point(raw: object) -> list[float]:
    if not isinstance(raw, (list, tuple)) or len(raw) != 2:
        raise _invalid(_("Điểm phải có hai tọa độ."), "bad_geometry")
    return [_num(raw[0]), _num(raw[1])]


def _rect(raw: object) -> list[float]:
    if not isinstance(raw, (list, tuple)) or len(raw) != 4:
        raise _invalid(_("Hình chữ nhật phải có bốn tọa độ."), "bad_geometry")
    x0, y0, x1, y1 = (_num(v) for v in raw)
    if x1 <= x0 or y1 <= y0:
        raise _invalid(_("Hình chữ nhật bị rỗng."), "bad_geometry")
    return [x0, y0, x1, y1]


def _positive(raw: object, *, low: float, high: float, message: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise _invalid(message, "bad_geometry")
    v = float(raw)
    if not math.isfinite(v) or not low <= v <= high:
        raise _invalid(message, "bad_geometry")
    return round(v, 5)


def clean_geometry(kind: str, raw: object) -> dict[str, Any]:
    """Validate the geometry of ``kind`` and return it normalised (rounded)."""
    if not isinstance(raw, dict):
        raise _invalid(_("Thiếu hình học của ghi chú."), "bad_geometry")
    if kind == AnnotationKind.HIGHLIGHT:
        quads = raw.get("quads")
        if not isinstance(quads, list) or not quads:
            raise _invalid(_("Hãy chọn đoạn chữ cần đánh dấu."), "bad_geometry")
        if len(quads) > MAX_QUADS:
            raise _invalid(_("Đoạn đánh dấu quá dài."), "too_large")
        return {"quads": [_rect(q) for q in quads]}
    if kind == AnnotationKind.INK:
        strokes = raw.get("strokes")
        if not isinstance(strokes, list) or not strokes:
            raise _invalid(_("Nét bút không có điểm nào."), "bad_geometry")
        if len(strokes) > MAX_STROKES:
            raise _invalid(_("Quá nhiều nét bút trong một ghi chú."), "too_large")
        total = 0
        for stroke in strokes:
            if not isinstance(stroke, list) or not stroke:
                raise _invalid(_("Nét bút không có điểm nào."), "bad_geometry")
            if len(stroke) > MAX_STROKE_POINTS:
                raise _invalid(
                    _("Nét bút quá dài (tối đa %(n)s điểm).")
                    % {"n": f"{MAX_STROKE_POINTS:,}".replace(",", ".")},
                    "too_large",
                )
            total += len(stroke)
        if total > MAX_POINTS:
            raise _invalid(_("Ghi chú có quá nhiều điểm."), "too_large")
        width = _positive(
            raw.get("width", 0.003),
            low=0.0005,
            high=0.05,
            message=_("Độ dày nét bút không hợp lệ."),
        )
        return {
            "strokes": [[_point(p) for p in stroke] for stroke in strokes],
            "width": width,
        }
    if kind == AnnotationKind.NOTE:
        return {"point": _point(raw.get("point"))}
    if kind == AnnotationKind.FREETEXT:
        size = _positive(
            raw.get("size", 12),
            low=6,
            high=72,
            message=_("Cỡ chữ phải từ 6 đến 72."),
        )
        return {"rect": _rect(raw.get("rect")), "size": size}
    raise _invalid(_("Loại ghi chú không hợp lệ."), "bad_kind")


def clean_input(data: dict[str, Any], *, page_count: int) -> CleanInput:
    """Validate a raw save request (JSON) against a version of ``page_count``."""
    kind = data.get("kind")
    if kind not in AnnotationKind.values:
        raise _invalid(_("Loại ghi chú không hợp lệ."), "bad_kind")
    page = data.get("page")
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise _invalid(_("Số trang không hợp lệ."), "bad_page")
    if page > page_count:
        raise _invalid(
            _("Trang %(page)s không có trong tài liệu (%(n)s trang).")
            % {"page": page, "n": page_count},
            "bad_page",
        )
    color = data.get("color") or "#ffd400"
    if not isinstance(color, str) or not _COLOR.match(color):
        raise _invalid(_("Màu không hợp lệ."), "bad_color")
    text = data.get("text") or ""
    if not isinstance(text, str):
        raise _invalid(_("Nội dung ghi chú không hợp lệ."), "bad_text")
    text = nfc(text).strip()
    if len(text) > MAX_TEXT:
        raise _invalid(_("Nội dung ghi chú quá dài (tối đa 5.000 ký tự)."), "too_large")
    if kind in (AnnotationKind.NOTE, AnnotationKind.FREETEXT) and not text:
        raise _invalid(_("Hãy nhập nội dung ghi chú."), "bad_text")
    geometry = clean_geometry(kind, data.get("geometry"))
    visibility = data.get("visibility") or AnnotationVisibility.PRIVATE
    if visibility not in AnnotationVisibility.values:
        raise _invalid(_("Phạm vi chia sẻ không hợp lệ."), "bad_visibility")
    meeting_id = None
    shared: tuple[int, ...] = ()
    if visibility == AnnotationVisibility.MEETING:
        meeting_id = data.get("meeting")
        if isinstance(meeting_id, bool) or not isinstance(meeting_id, int):
            raise _invalid(_("Hãy chọn cuộc họp để chia sẻ."), "bad_visibility")
    elif visibility == AnnotationVisibility.USERS:
        raw_users = data.get("sharedWith")
        if (
            not isinstance(raw_users, list)
            or not raw_users
            or not all(
                isinstance(u, int) and not isinstance(u, bool) for u in raw_users
            )
        ):
            raise _invalid(_("Hãy chọn người để chia sẻ."), "bad_visibility")
        if len(raw_users) > MAX_SHARED_USERS:
            raise _invalid(_("Chia sẻ với quá nhiều người."), "too_large")
        shared = tuple(sorted(set(raw_users)))
    rev = data.get("rev", 1)
    if isinstance(rev, bool) or not isinstance(rev, int) or not 1 <= rev < 2**31:
        raise _invalid(_("Số hiệu bản sửa không hợp lệ."), "bad_rev")
    return CleanInput(
        page=page,
        kind=kind,
        color=color.lower(),
        text=text,
        geometry=geometry,
        visibility=visibility,
        meeting_id=meeting_id,
        shared_with=shared,
        rev=rev,
    )

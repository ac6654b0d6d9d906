"""Import of petitions from the Excel sheets secretaries keep.

The first sheet, a header row, then one petition per row with the columns
(in any order, matched by the header's words, accents ignored):

    Nội dung kiến nghị | Lĩnh vực | Cơ quan trả lời | Nơi tiếp xúc | Ngày tiếp xúc |
    Đại biểu tham dự

Every bad row gets one Vietnamese message with its row number. A file with
errors imports nothing unless the secretary chooses to import the good rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts.models import User
from nghisu.errors import ActionError
from nghisu.text import fold
from oversight.actions._common import require_body_manager
from oversight.actions.petitions import PlaceInput, create_petitions
from oversight.models import Agency, PetitionPeriod

MAX_ROWS = 5000
MAX_BYTES = 10 * 1024 * 1024

#: Column keys and the folded header words that name them.
COLUMNS = {
    "text": ("noi dung",),
    "field": ("linh vuc",),
    "agency": ("co quan",),
    "place": ("noi tiep xuc", "dia diem"),
    "held_on": ("ngay",),
    "delegates": ("dai bieu",),
}


@dataclass
class RowError:
    row: int
    message: str


@dataclass
class ImportResult:
    created: int = 0
    good: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _columns(header: tuple) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = fold(str(cell or ""))
        for key, words in COLUMNS.items():
            if key not in found and any(w in name for w in words):
                found[key] = index
                break
    return found


def _date(value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _agencies(period: PetitionPeriod) -> dict[str, Agency]:
    by_name: dict[str, Agency] = {}
    for agency in Agency.objects.all():
        by_name[fold(agency.name)] = agency
        if agency.short_name:
            by_name.setdefault(fold(agency.short_name), agency)
    return by_name


def _read(upload) -> list[tuple]:
    from openpyxl import load_workbook

    if getattr(upload, "size", 0) and upload.size > MAX_BYTES:
        raise ActionError(_("Tệp Excel lớn quá 10 MB."), code="too_large")
    try:
        book = load_workbook(upload, read_only=True, data_only=True)
    except Exception:
        raise ActionError(
            _("Không đọc được tệp; hãy chọn tệp Excel (.xlsx)."), code="bad_file"
        ) from None
    try:
        rows = list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()
    if len(rows) > MAX_ROWS + 1:
        raise ActionError(
            _("Tệp có quá %(n)s dòng kiến nghị.") % {"n": MAX_ROWS}, code="too_many"
        )
    return rows


def import_petitions(
    actor: User, period: PetitionPeriod, upload, *, import_good: bool = False
) -> ImportResult:
    """Check every row of ``upload``; import them all when none is bad, the
    good ones when ``import_good``, and nothing otherwise."""
    require_body_manager(actor, period.body)
    rows = _read(upload)
    if not rows:
        raise ActionError(_("Tệp Excel không có dữ liệu."), code="empty")
    columns = _columns(rows[0])
    missing = [k for k in ("text", "place") if k not in columns]
    if missing:
        raise ActionError(
            _('Dòng tiêu đề phải có cột "Nội dung kiến nghị" và cột "Nơi tiếp xúc".'),
            code="bad_header",
        )
    agencies = _agencies(period)
    result = ImportResult()
    good: list[dict] = []
    for number, row in enumerate(rows[1:], start=2):

        def cell(key: str, row=row) -> object:
            index = columns.get(key)
            return row[index] if index is not None and index < len(row) else None

        if all(v in (None, "") for v in row):
            continue
        error = None
        text = str(cell("text") or "").strip()
        place = str(cell("place") or "").strip()
        agency_name = str(cell("agency") or "").strip()
        agency = agencies.get(fold(agency_name)) if agency_name else None
        held_on = None
        try:
            held_on = _date(cell("held_on"))
        except ValueError as exc:
            error = _(
                'Ngày tiếp xúc "%(value)s" không hợp lệ (dùng ngày/tháng/năm).'
            ) % {"value": exc.args[0]}
        if not text:
            error = _("Thiếu nội dung kiến nghị.")
        elif len(text) > 10000:
            error = _("Nội dung kiến nghị dài quá 10000 ký tự.")
        elif not place:
            error = _("Thiếu nơi tiếp xúc cử tri.")
        elif agency_name and agency is None:
            error = _('Không tìm thấy cơ quan trả lời "%(name)s".') % {
                "name": agency_name
            }
        if error:
            result.errors.append(
                RowError(
                    number, _("Dòng %(n)s: %(error)s") % {"n": number, "error": error}
                )
            )
            continue
        good.append(
            {
                "text": text,
                "field": str(cell("field") or "").strip()[:120],
                "agency": agency,
                "places": [
                    PlaceInput(
                        place[:300], held_on, str(cell("delegates") or "").strip()[:500]
                    )
                ],
            }
        )
    result.good = len(good)
    if good and (result.ok or import_good):
        result.created = len(create_petitions(actor, period, good))
    return result

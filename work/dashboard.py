"""The assignments dashboard's chart (SVG drawn on the server) and Excel export."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 28, 40


def _n(value: float) -> str:
    return f"{value:.1f}"


def completion_chart(months: list[dict]) -> SafeString:
    """Stacked bars per month (on time / late) as an accessible inline SVG.

    ``months`` is :func:`work.queries.monthly_completion`. Scales to its
    container (viewBox); a ``<title>`` per bar gives the numbers to screen
    readers and on hover.
    """
    top = max([m["on_time"] + m["late"] for m in months] + [1])
    step = 1 if top <= 5 else 2 if top <= 10 else max(1, round(top / 5))
    top = ((top + step - 1) // step) * step
    inner_w = WIDTH - LEFT - RIGHT
    inner_h = HEIGHT - TOP - BOTTOM
    slot = inner_w / max(len(months), 1)
    bar = slot * 0.6

    def y(value: float) -> float:
        return TOP + inner_h - inner_h * value / top

    grid = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" class="grid"/>'
        '<text x="{}" y="{}" class="axis" text-anchor="end">{}</text>',
        (
            (LEFT, WIDTH - RIGHT, _n(y(v)), _n(y(v)), LEFT - 6, _n(y(v) + 4), v)
            for v in range(0, top + 1, step)
        ),
    )
    bars = []
    for i, m in enumerate(months):
        x = LEFT + i * slot + (slot - bar) / 2
        on_time, late = m["on_time"], m["late"]
        label = f"{m['month']:02d}/{m['year'] % 100:02d}"
        tip = _("Tháng %(m)s/%(y)s: %(on)s đúng hạn, %(late)s trễ hạn") % {
            "m": m["month"],
            "y": m["year"],
            "on": on_time,
            "late": late,
        }
        bars.append(
            format_html(
                "<g><title>{}</title>"
                '<rect x="{}" y="{}" width="{}" height="{}" class="on-time"/>'
                '<rect x="{}" y="{}" width="{}" height="{}" class="late"/>'
                '<text x="{}" y="{}" class="axis" text-anchor="middle">{}</text></g>',
                tip,
                _n(x),
                _n(y(on_time)),
                _n(bar),
                _n(y(0) - y(on_time)),
                _n(x),
                _n(y(on_time + late)),
                _n(bar),
                _n(y(on_time) - y(on_time + late)),
                _n(x + bar / 2),
                HEIGHT - BOTTOM + 18,
                label,
            )
        )
    legend = format_html(
        '<rect x="{}" y="6" width="12" height="12" class="on-time"/>'
        '<text x="{}" y="16" class="axis">{}</text>'
        '<rect x="{}" y="6" width="12" height="12" class="late"/>'
        '<text x="{}" y="16" class="axis">{}</text>',
        LEFT,
        LEFT + 16,
        _("Hoàn thành đúng hạn"),
        LEFT + 190,
        LEFT + 206,
        _("Hoàn thành trễ hạn"),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="chart-title">'
        '<title id="chart-title">{}</title>{}{}{}</svg>',
        WIDTH,
        HEIGHT,
        _("Nhiệm vụ hoàn thành đúng hạn theo tháng"),
        legend,
        grid,
        SafeString("".join(bars)),
    )


def export_xlsx(body, rows: list) -> bytes:
    """The dashboard's list, as filtered, as an .xlsx workbook (one sheet)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = _("Nhiệm vụ")[:31]
    ws.append([_("Theo dõi nhiệm vụ của %(body)s") % {"body": body.name}])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(
        [
            _("Xuất lúc %(when)s")
            % {"when": timezone.localtime().strftime("%H:%M %d/%m/%Y")}
        ]
    )
    headers = [
        _("STT"),
        _("Nhiệm vụ"),
        _("Nơi thực hiện"),
        _("Hạn hoàn thành"),
        _("Trạng thái"),
        _("Theo cuộc họp"),
        _("Ngày giao"),
        _("Nghiệm thu lúc"),
        _("Đúng hạn"),
    ]
    ws.append(headers)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for n, a in enumerate(rows, start=1):
        ws.append(
            [
                n,
                a.title,
                a.assignee_label,
                a.deadline,
                a.display_status_label,
                a.meeting.title if a.meeting_id and a.meeting_shown else "",
                timezone.localtime(a.created_at).replace(tzinfo=None),
                timezone.localtime(a.completed_at).replace(tzinfo=None)
                if a.completed_at
                else None,
                "" if a.on_time is None else (_("Có") if a.on_time else _("Không")),
            ]
        )
        row = ws.max_row
        ws.cell(row=row, column=4).number_format = "DD/MM/YYYY"
        ws.cell(row=row, column=7).number_format = "DD/MM/YYYY HH:MM"
        ws.cell(row=row, column=8).number_format = "DD/MM/YYYY HH:MM"
        ws.cell(row=row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    for i, width in enumerate([6, 60, 30, 14, 18, 40, 17, 17, 10], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

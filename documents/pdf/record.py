"""A generic "official record" PDF (biên bản, báo cáo) laid out the Vietnamese way.

The caller describes the content as a JSON-able *spec*; :func:`build` (a pool
operation, ``build_record``) lays it out on A4 with Noto Sans, which covers
Vietnamese. Importing this module does not import PyMuPDF; only :func:`build`
does, inside a worker. Used by the meeting minutes and the consultation report.

Spec (every string is NFC-normalised; empty parts are left out)::

    {
      "issuer": ["HỘI ĐỒNG NHÂN DÂN", "TỈNH SƠN LA"],  # top left; last lines bold
      "number": "Số: 12/BB-HĐND",                      # under the issuer
      "national_heading": true,                        # CỘNG HÒA … / Độc lập …
      "place_date": "Sơn La, ngày 5 tháng 12 năm 2025",
      "title": "BIÊN BẢN",
      "subtitle": "Kỳ họp thứ 12 Hội đồng nhân dân tỉnh",  # may wrap
      "blocks": [
        {"kind": "heading", "text": "I. THÀNH PHẦN"},
        {"kind": "paragraph", "text": "…"},
        {"kind": "table", "columns": ["STT", "Họ và tên"], "widths": [1, 5],
         "rows": [["1", "Cầm Văn Đông"]]},
      ],
      "signatures": [{"title": "THƯ KÝ", "name": "Lò Thị Hường", "note": ""},
                     {"title": "CHỦ TỌA", "name": "…", "note": "(Đã ký)"}],
    }

:func:`spec_text` lists every string of a spec in the order it is drawn, which
is the order text extraction returns it: the basis of the round-trip test.
"""

from __future__ import annotations

import unicodedata
from typing import Any

NATIONAL_HEADING = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
)
BLOCK_KINDS = ("heading", "paragraph", "table")
MAX_BLOCKS = 5000
MAX_TEXT = 20000


def _nfc(text: Any) -> str:
    return unicodedata.normalize("NFC", str(text or "")).strip()


def validate(spec: dict[str, Any]) -> None:
    """Raise ``ValueError`` for a spec that is not of the documented shape."""
    if not isinstance(spec, dict):
        raise ValueError("spec must be a dict")
    blocks = spec.get("blocks", [])
    if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS:
        raise ValueError("blocks must be a list of at most 5000 blocks")
    for block in blocks:
        if not isinstance(block, dict) or block.get("kind") not in BLOCK_KINDS:
            raise ValueError(f"unknown block {block!r}")
        if block["kind"] == "table":
            columns = block.get("columns") or []
            widths = block.get("widths") or [1] * len(columns)
            if not columns or len(widths) != len(columns):
                raise ValueError("a table needs columns and as many widths")
            for row in block.get("rows", []):
                if len(row) != len(columns):
                    raise ValueError("every table row needs one cell per column")
        elif len(str(block.get("text", ""))) > MAX_TEXT:
            raise ValueError("text block too long")


def spec_text(spec: dict[str, Any]) -> list[str]:
    """Every non-empty string of ``spec`` in drawing order (NFC)."""
    national = spec.get("national_heading", True)
    issuer = [_nfc(s) for s in spec.get("issuer", []) if _nfc(s)]
    right = list(NATIONAL_HEADING) if national else []
    out: list[str] = []
    for i in range(max(len(issuer), len(right))):
        if i < len(issuer):
            out.append(issuer[i])
        if i < len(right):
            out.append(right[i])
    for key in ("number", "place_date", "title", "subtitle"):
        if _nfc(spec.get(key)):
            out.append(_nfc(spec.get(key)))
    for block in spec.get("blocks", []):
        if block["kind"] == "table":
            out.extend(_nfc(c) for c in block["columns"] if _nfc(c))
            for row in block.get("rows", []):
                out.extend(_nfc(c) for c in row if _nfc(c))
        elif _nfc(block.get("text")):
            out.append(_nfc(block.get("text")))
    signatures = spec.get("signatures", [])
    for key in ("title", "note", "name"):
        out.extend(_nfc(s.get(key)) for s in signatures if _nfc(s.get(key)))
    return out


def build(out_path: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Lay out ``spec`` and save the PDF to ``out_path`` (worker side).

    Return ``{"page_count": n, "signature_boxes": [...]}``: per signature
    column, ``{"page" (1-based), "rect": [x0, y0, x1, y1]}`` in points from the
    page's top left, the blank space between the title and the name where a
    signature goes (a visible digital signature is placed there).
    """
    validate(spec)
    from documents.pdf.reading import _save  # imports PyMuPDF: workers only

    writer = _RecordWriter()
    writer.draw(spec)
    doc = writer.finish()
    _save(doc, out_path)
    return {
        "page_count": doc.page_count,
        "signature_boxes": getattr(writer, "signature_boxes", []),
    }


def _record_writer_class():
    from documents.pdf.writer import DocWriter

    class RecordWriter(DocWriter):
        """DocWriter plus the parts of an official record."""

        def draw(self, spec: dict[str, Any]) -> None:
            self.new_page()
            self._top(spec)
            for key, size in (("title", 15), ("subtitle", 13)):
                text = _nfc(spec.get(key))
                if text:
                    width = self.width - 2 * self.margin
                    for line in self.wrap(text, width=width, size=size, bold=True):
                        self.text_line(line, size=size, bold=True, align="center")
                        self.advance(size * self.leading)
            self.advance(self.fontsize)
            for block in spec.get("blocks", []):
                kind = block["kind"]
                if kind == "heading":
                    self._section(_nfc(block.get("text")))
                elif kind == "paragraph":
                    text = _nfc(block.get("text"))
                    for part in text.split("\n"):
                        if part.strip():
                            self.paragraph(part)
                else:
                    self._table(block)
            self._signatures(spec.get("signatures", []))

        # -- parts ----------------------------------------------------------------
        def _top(self, spec: dict[str, Any]) -> None:
            issuer = [_nfc(s) for s in spec.get("issuer", []) if _nfc(s)]
            right = list(NATIONAL_HEADING) if spec.get("national_heading", True) else []
            mid = self.width * 0.42
            left_col = (self.margin - 24, mid)
            right_col = (mid, self.width - self.margin + 24)
            step = 11 * self.leading
            start = self.y
            for i in range(max(len(issuer), len(right))):
                self.y = start + i * step
                if i < len(issuer):
                    self.text_line(
                        issuer[i],
                        size=11,
                        bold=i > 0 or len(issuer) == 1,
                        align="center",
                        column=left_col,
                    )
                if i < len(right):
                    self.text_line(
                        right[i], size=11, bold=True, align="center", column=right_col
                    )
            rows = max(len(issuer), len(right))
            rule_y = start + rows * step + 3
            if issuer:
                self._rule(left_col, rule_y, issuer[-1], 11, bold=True)
            if right:
                self._rule(right_col, rule_y, right[-1], 11, bold=True)
            self.y = rule_y + 8
            below = self.y
            number, place = _nfc(spec.get("number")), _nfc(spec.get("place_date"))
            if number:
                self.text_line(number, size=11, align="center", column=left_col)
            if place:
                self.y = below
                self.text_line(place, size=11, align="center", column=right_col)
            self.y = below + (11 * self.leading if number or place else 0) + 20

        def _rule(
            self, column: tuple[float, float], y: float, text: str, size: float, *, bold
        ) -> None:
            font = self.bold if bold else self.regular
            length = min(font.text_length(text, fontsize=size), column[1] - column[0])
            width = length * 0.45
            centre = (column[0] + column[1]) / 2
            self.page.draw_line(
                (centre - width / 2, y), (centre + width / 2, y), width=0.7
            )

        def _section(self, text: str) -> None:
            if not text:
                return
            size = self.fontsize
            width = self.width - 2 * self.margin
            lines = self.wrap(text, width=width, size=size, bold=True)
            self._ensure(size * self.leading * (len(lines) + 2))
            self.advance(size * 0.4)
            for line in lines:
                self._ensure(size * self.leading)
                self._line(line, x=self.margin, size=size, bold=True)
                self.advance(size * self.leading)
            self.advance(size * 0.3)

        def _table(self, block: dict[str, Any]) -> None:
            size = self.fontsize - 1
            line_h = size * self.leading
            pad = 4.0
            columns = [_nfc(c) for c in block["columns"]]
            weights = [float(w) for w in block.get("widths") or [1] * len(columns)]
            total = sum(weights) or 1.0
            full = self.width - 2 * self.margin
            widths = [full * w / total for w in weights]
            xs = [self.margin]
            for w in widths:
                xs.append(xs[-1] + w)

            def cells(row: list[str], bold: bool) -> list[list[str]]:
                return [
                    self.wrap(
                        _nfc(text), width=widths[i] - 2 * pad, size=size, bold=bold
                    )
                    for i, text in enumerate(row)
                ]

            def draw_row(wrapped: list[list[str]], bold: bool) -> None:
                height = max(1, *(len(c) for c in wrapped)) * line_h + 2 * pad
                if self.page is None or self.y + height > self.height - self.margin:
                    self.new_page()
                    if not bold:
                        draw_row(header, True)
                top = self.y
                for i, lines in enumerate(wrapped):
                    self.y = top + pad
                    for line in lines:
                        self._line(line, x=xs[i] + pad, size=size, bold=bold)
                        self.y += line_h
                    self.page.draw_rect(
                        (xs[i], top, xs[i + 1], top + height), width=0.5
                    )
                self.y = top + height

            header = cells(columns, True)
            self.advance(size * 0.3)
            draw_row(header, True)
            for row in block.get("rows", []):
                draw_row(cells([str(c) for c in row], False), False)
            self.advance(self.fontsize * 0.8)

        def _signatures(self, signatures: list[dict[str, Any]]) -> None:
            if not signatures:
                return
            size = self.fontsize
            n = len(signatures)
            full = self.width - 2 * self.margin + 40
            cols = [
                (self.margin - 20 + full * i / n, self.margin - 20 + full * (i + 1) / n)
                for i in range(n)
            ]
            need = size * self.leading * 3 + 70
            self._ensure(need + 20)
            self.advance(size)
            start = self.y
            # The blank between the title (and note) lines and the name.
            lines = 1 + any(_nfc(s.get("note")) for s in signatures)
            top = start + size * self.leading * lines + size * 0.1
            self.signature_boxes = [
                {
                    "page": self.doc.page_count,
                    "rect": [col[0] + 20, top, col[1] - 20, top + 60 - size * 1.6],
                }
                for col in cols
            ]
            for key, bold, gap in (
                ("title", True, 0),
                ("note", False, 0),
                ("name", True, 60),
            ):
                self.y = start
                present = False
                for sig, col in zip(signatures, cols, strict=True):
                    text = _nfc(sig.get(key))
                    if text:
                        present = True
                        self.y = start + gap
                        self.text_line(
                            text, size=size, bold=bold, align="center", column=col
                        )
                self.y = start + gap + (size * self.leading if present else 0)
                start = self.y

    return RecordWriter


class _RecordWriter:
    """Late-bound RecordWriter, so importing this module never imports PyMuPDF."""

    def __new__(cls, *args: Any, **kwargs: Any):
        return _record_writer_class()(*args, **kwargs)

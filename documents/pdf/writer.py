"""A small flowing-text PDF writer with Vietnamese-capable fonts (worker side).

Imports PyMuPDF: use it only inside PDF workers (or command-line tools). Text is
normalised to NFC, because the fonts draw precomposed Vietnamese letters and
PyMuPDF does not shape combining marks.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pymupdf

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = FONT_DIR / "NotoSans-Regular.ttf"
BOLD = FONT_DIR / "NotoSans-Bold.ttf"

#: Default national heading lines (left: issuing body, right: motto).
NATIONAL_HEADING = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
)

SAMPLE_PARAGRAPHS = [
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; "
    "Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ "
    "chức chính quyền địa phương ngày 22 tháng 11 năm 2019;",
    "Xét Tờ trình của Ủy ban nhân dân về kế hoạch phát triển kinh tế - xã hội "
    "năm 2026; Báo cáo thẩm tra của các Ban Hội đồng nhân dân; ý kiến thảo "
    "luận của đại biểu Hội đồng nhân dân tại kỳ họp.",
    "Điều 1. Thông qua kế hoạch phát triển kinh tế - xã hội năm 2026 với các "
    "chỉ tiêu chủ yếu: tốc độ tăng trưởng tổng sản phẩm trên địa bàn đạt từ "
    "7,5% trở lên; thu ngân sách nhà nước trên địa bàn tăng ít nhất 8% so với "
    "dự toán; tỷ lệ hộ nghèo giảm 1,2%; tỷ lệ trường học đạt chuẩn quốc gia "
    "đạt 85%.",
    "Điều 2. Giao Ủy ban nhân dân tổ chức triển khai thực hiện Nghị quyết; "
    "Thường trực Hội đồng nhân dân, các Ban, các Tổ đại biểu và đại biểu Hội "
    "đồng nhân dân giám sát việc thực hiện Nghị quyết này.",
    "Nghị quyết này có hiệu lực kể từ ngày ký. Đề nghị Ủy ban Mặt trận Tổ quốc "
    "Việt Nam và các tổ chức chính trị - xã hội phối hợp tuyên truyền, vận "
    "động Nhân dân cùng thực hiện thắng lợi các mục tiêu đề ra.",
]


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC."""
    return unicodedata.normalize("NFC", text)


class DocWriter:
    """Write flowing paragraphs onto A4 pages with Noto Sans.

    Example::

        w = DocWriter()
        w.heading(["ỦY BAN NHÂN DÂN", "XÃ AN BÌNH"])
        w.title("BIÊN BẢN HỌP")
        w.paragraph("Nội dung ...")
        w.save("out.pdf")
    """

    def __init__(
        self,
        *,
        width: float = 595.0,
        height: float = 842.0,
        margin: float = 64.0,
        fontsize: float = 12.0,
        leading: float = 1.45,
    ) -> None:
        """Create an empty document with the given page geometry (points)."""
        self.doc = pymupdf.open()
        self.width, self.height, self.margin = width, height, margin
        self.fontsize, self.leading = fontsize, leading
        self.regular = pymupdf.Font(fontfile=str(REGULAR))
        self.bold = pymupdf.Font(fontfile=str(BOLD))
        self._widths: dict[str, float] = {}
        self._widths_bold: dict[str, float] = {}
        self.page: pymupdf.Page | None = None
        self.writer: pymupdf.TextWriter | None = None
        self.y = 0.0

    # -- layout -----------------------------------------------------------------
    def new_page(self) -> None:
        """Finish the current page and start a new one."""
        self._flush()
        self.page = self.doc.new_page(width=self.width, height=self.height)
        self.writer = pymupdf.TextWriter(self.page.rect)
        self.y = self.margin

    def _flush(self) -> None:
        if self.page is not None and self.writer is not None:
            self.writer.write_text(self.page)
            self.writer = None

    def _ensure(self, height: float) -> None:
        if self.page is None or self.y + height > self.height - self.margin:
            self.new_page()

    def _line(self, text: str, *, x: float, size: float, bold: bool = False) -> None:
        assert self.writer is not None
        font = self.bold if bold else self.regular
        self.writer.append((x, self.y + size), text, font=font, fontsize=size)

    def width_of(self, text: str, *, size: float, bold: bool = False) -> float:
        """Return the advance width of ``text`` in points, caching per string.

        PyMuPDF measures a string character by character through its bindings
        (about 10 µs a character); widths scale linearly with the size, so each
        word is measured once at size 1 and reused.
        """
        cache = self._widths_bold if bold else self._widths
        unit = cache.get(text)
        if unit is None:
            font = self.bold if bold else self.regular
            unit = cache[text] = font.text_length(text, fontsize=1.0)
        return unit * size

    def wrap(
        self, text: str, *, width: float, size: float, bold: bool = False
    ) -> list[str]:
        """Split ``text`` into lines no wider than ``width`` points."""
        space = self.width_of(" ", size=size, bold=bold)
        lines: list[str] = []
        current: list[str] = []
        used = 0.0
        for word in nfc(text).split():
            advance = self.width_of(word, size=size, bold=bold)
            if current and used + space + advance > width:
                lines.append(" ".join(current))
                current, used = [word], advance
            else:
                used += (space if current else 0.0) + advance
                current.append(word)
        if current:
            lines.append(" ".join(current))
        return lines

    # -- content ------------------------------------------------------------------
    def text_line(
        self,
        text: str,
        *,
        size: float | None = None,
        bold: bool = False,
        align: str = "left",
        column: tuple[float, float] | None = None,
    ) -> None:
        """Write one line (no wrapping), aligned inside ``column`` (x0, x1)."""
        size = size or self.fontsize
        self._ensure(size * self.leading)
        x0, x1 = column or (self.margin, self.width - self.margin)
        text = nfc(text)
        length = self.width_of(text, size=size, bold=bold)
        x = {"left": x0, "center": (x0 + x1 - length) / 2, "right": x1 - length}[align]
        self._line(text, x=x, size=size, bold=bold)

    def advance(self, points: float) -> None:
        """Move down by ``points``."""
        self.y += points

    def heading(
        self, left: list[str] | None = None, right: list[str] | None = None
    ) -> None:
        """Write the two-column heading of a Vietnamese administrative document."""
        left = left or []
        right = list(right or NATIONAL_HEADING)
        mid = self.width * 0.42
        self._ensure(14 * self.leading * max(len(left), len(right), 1))
        start = self.y
        for i, line in enumerate(left):
            self.y = start + i * 12 * self.leading
            self.text_line(
                line,
                size=11,
                bold=i > 0,
                align="center",
                column=(self.margin - 20, mid),
            )
        for i, line in enumerate(right):
            self.y = start + i * 12 * self.leading
            self.text_line(
                line,
                size=11,
                bold=True,
                align="center",
                column=(mid, self.width - self.margin + 20),
            )
        self.y = start + max(len(left), len(right)) * 12 * self.leading + 24

    def title(self, text: str, *, size: float = 15) -> None:
        """Write a centred bold title, wrapped if long."""
        width = self.width - 2 * self.margin
        for line in self.wrap(text, width=width, size=size, bold=True):
            self.text_line(line, size=size, bold=True, align="center")
            self.advance(size * self.leading)
        self.advance(self.fontsize)

    def paragraph(
        self, text: str, *, size: float | None = None, indent: float = 24
    ) -> None:
        """Write a wrapped paragraph with a first-line indent."""
        size = size or self.fontsize
        width = self.width - 2 * self.margin
        first = self.wrap(text, width=width - indent, size=size)
        if not first:
            return
        rest = self.wrap(" ".join(first[1:]), width=width, size=size)
        for i, line in enumerate([first[0], *rest]):
            self._ensure(size * self.leading)
            self._line(line, x=self.margin + (indent if i == 0 else 0), size=size)
            self.advance(size * self.leading)
        self.advance(size * 0.5)

    # -- output -----------------------------------------------------------------
    def finish(self) -> pymupdf.Document:
        """Write pending text, subset the fonts and return the document."""
        self._flush()
        if self.doc.page_count == 0:
            self.new_page()
            self._flush()
        self.doc.subset_fonts()
        return self.doc

    def tobytes(self) -> bytes:
        """Return the finished PDF as bytes."""
        return self.finish().tobytes(garbage=3, deflate=True)

    def save(self, path: str | Path) -> None:
        """Save the finished PDF to ``path``."""
        self.finish().save(str(path), garbage=3, deflate=True)


def demo_document(
    *,
    title: str,
    paragraphs: list[str],
    pages: int,
    heading_lines: list[str] | None = None,
    national_heading: bool = True,
) -> DocWriter:
    """Lay out a demo document of exactly ``pages`` pages and return the writer.

    ``heading_lines`` is the issuing body shown at the top left (e.g. "HỘI ĐỒNG
    NHÂN DÂN", "XÃ AN BÌNH"); the national heading is added at the top right
    when ``national_heading`` is true. Paragraphs repeat until the pages fill.
    """
    if pages < 1:
        raise ValueError("pages must be >= 1")
    paragraphs = [p for p in paragraphs if p.strip()] or SAMPLE_PARAGRAPHS
    w = DocWriter()
    w.new_page()
    if national_heading or heading_lines:
        w.heading(heading_lines, NATIONAL_HEADING if national_heading else [])
    w.title(title)
    i = 0
    while True:
        para = paragraphs[i % len(paragraphs)]
        lines = len(w.wrap(para, width=w.width - 2 * w.margin - 24, size=w.fontsize))
        need = (lines + 0.5) * w.fontsize * w.leading
        if w.doc.page_count == pages and w.y + need > w.height - w.margin:
            break
        w.paragraph(para)
        i += 1
    return w


def demo_document_bytes(**kwargs: object) -> bytes:
    """Return :func:`demo_document` output as PDF bytes (same arguments)."""
    return demo_document(**kwargs).tobytes()  # type: ignore[arg-type]

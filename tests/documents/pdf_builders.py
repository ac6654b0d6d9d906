"""Build small test PDFs and images by hand (no PyMuPDF in the test process)."""

from __future__ import annotations

import struct
import zlib


def build_pdf(objects: list[str | bytes], *, root: int = 1, eof: bool = True) -> bytes:
    """Return a PDF whose object ``i`` (1-based) is ``objects[i - 1]``."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, obj in enumerate(objects, 1):
        offsets.append(len(out))
        body = obj.encode("latin-1") if isinstance(obj, str) else obj
        out += f"{num} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root {root} 0 R >>\nstartxref\n{xref}\n"
    ).encode()
    if eof:
        out += b"%%EOF\n"
    return bytes(out)


def _stream(data: bytes, extra: str = "") -> bytes:
    return (
        f"<< /Length {len(data)} {extra}>>\nstream\n".encode() + data + (b"\nendstream")
    )


def text_pdf(pages: int = 1, *, width: float = 595, height: float = 842) -> bytes:
    """Return a PDF of ``pages`` identical Helvetica text pages."""
    content = _stream(b"BT /F1 24 Tf 72 720 Td (Hello PDF) Tj ET")
    kids = " ".join(f"{5 + i} 0 R" for i in range(pages))
    objects: list[str | bytes] = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        content,
    ]
    for _ in range(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
            "/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
        )
    return build_pdf(objects)


def active_pdf() -> bytes:
    """Return a PDF with OpenAction JavaScript, a JS link, an attachment and AA."""
    attachment = _stream(b"MZ pretend this is an executable", "/Type /EmbeddedFile ")
    page_content = _stream(b"BT /F1 18 Tf 72 720 Td (Noi dung van ban) Tj ET")
    objects: list[str | bytes] = [
        # 1 catalog
        "<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R "
        "/Names << /JavaScript << /Names [(init) 6 0 R] >> "
        "/EmbeddedFiles << /Names [(evil.exe) 8 0 R] >> >> "
        "/AA << /WC << /S /JavaScript /JS (app.alert\\(1\\)) >> >> >>",
        # 2 pages
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        # 3 page with a JS link, a launch link, a normal text note and a URI link
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R "
        "/Annots [9 0 R 10 0 R 11 0 R 12 0 R 13 0 R] "
        "/AA << /O << /S /JavaScript /JS (app.beep\\(0\\)) >> >> >>",
        # 4 font
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        # 5 content
        page_content,
        # 6 JS action
        "<< /Type /Action /S /JavaScript /JS (app.alert\\('hi'\\)) >>",
        # 7 attachment stream
        attachment,
        # 8 filespec
        "<< /Type /Filespec /F (evil.exe) /UF (evil.exe) /EF << /F 7 0 R >> >>",
        # 9 link running JS
        "<< /Type /Annot /Subtype /Link /Rect [72 700 200 720] /Border [0 0 0] "
        "/A << /S /JavaScript /JS (this.print\\(\\)) >> >>",
        # 10 launch link
        "<< /Type /Annot /Subtype /Link /Rect [72 650 200 670] /Border [0 0 0] "
        "/A << /S /Launch /F (cmd.exe) >> >>",
        # 11 normal note (kept)
        "<< /Type /Annot /Subtype /Text /Rect [300 700 320 720] "
        "/Contents (Ghi chu cua tac gia) /Name /Comment >>",
        # 12 web link (kept)
        "<< /Type /Annot /Subtype /Link /Rect [72 600 200 620] /Border [0 0 0] "
        "/A << /S /URI /URI (https://example.gov.vn/) >> >>",
        # 13 file attachment annotation
        "<< /Type /Annot /Subtype /FileAttachment /Rect [400 700 420 720] "
        "/FS 8 0 R /Contents (tep dinh kem) >>",
    ]
    return build_pdf(objects)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png(width: int, height: int, *, rows: int | None = None) -> bytes:
    """Return a greyscale PNG; ``rows`` limits the pixel data actually stored."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    n = height if rows is None else rows
    raw = zlib.compressobj(9)
    data = bytearray()
    line = b"\x00" + b"\xff" * width
    for _ in range(n):
        data += raw.compress(line)
    data += raw.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", bytes(data))
        + _chunk(b"IEND", b"")
    )

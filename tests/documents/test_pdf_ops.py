"""Tests of the PDF operations through the process-wide worker pool."""

from __future__ import annotations

import io
import sys
import unicodedata
from pathlib import Path

import pytest
from PIL import Image

import documents.pdf as pdf
from documents.pdf import PdfError, sniff
from tests.documents import pdf_builders as B

VIETNAMESE = set("ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ")


def is_vietnamese(message: str) -> bool:
    """Return whether a message is a Vietnamese sentence with diacritics."""
    return any(c in VIETNAMESE for c in message.lower()) and message.endswith(".")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.pdf"
    pdf.make_demo_pdf(
        path,
        title="Nghị quyết về kế hoạch phát triển kinh tế - xã hội năm 2026",
        paragraphs=[],
        pages=3,
        heading_lines=["HỘI ĐỒNG NHÂN DÂN", "XÃ AN BÌNH"],
    )
    return path


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refused(code: str | tuple[str, ...], func, *args, **kwargs) -> PdfError:
    codes = (code,) if isinstance(code, str) else code
    with pytest.raises(PdfError) as info:
        func(*args, **kwargs)
    assert info.value.code in codes, info.value
    assert is_vietnamese(info.value.message), info.value.message
    return info.value


def test_parent_never_imports_pymupdf(demo: Path) -> None:
    pdf.inspect(demo, max_pages=10)
    assert "pymupdf" not in sys.modules
    assert "fitz" not in sys.modules


def test_sniff() -> None:
    assert sniff(b"%PDF-1.7\n") == "pdf"
    assert sniff(b"junk\r\n%PDF-1.4\n%") == "pdf"
    assert sniff(b"\x89PNG\r\n\x1a\n....") == "png"
    assert sniff(b"\xff\xd8\xff\xe0JFIF") == "jpeg"
    assert sniff(b"oops\n") is None
    assert sniff(b"") is None
    assert sniff(b"PK\x03\x04 %PDF") is None  # no version digit


def test_demo_inspect_extract(demo: Path) -> None:
    info = pdf.inspect(demo, max_pages=10)
    assert info["page_count"] == 3
    assert info["page_sizes"][0] == [595.0, 842.0]
    assert not info["is_scanned"] and not info["encrypted"]
    assert not (info["has_javascript"] or info["has_embedded_files"])
    pages = pdf.extract(demo, first=1, last=2)
    assert [p["page"] for p in pages] == [1, 2]
    text = pages[0]["text"]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert unicodedata.is_normalized("NFC", text)
    words = pages[0]["words"]
    assert [w[4] for w in words if w[4] in ("CỘNG", "HÒA")][:2] == ["CỘNG", "HÒA"]
    for x0, y0, x1, y1, _ in words:
        assert 0 <= x0 <= x1 <= 1 and 0 <= y0 <= y1 <= 1
        assert round(x0, 4) == x0
    assert len(pdf.extract(demo)) == 3


@pytest.mark.parametrize(
    ("name", "data", "codes"),
    [
        ("empty.pdf", b"", "empty"),
        ("text.pdf", "Đây là văn bản, không phải PDF.\n".encode(), "not_pdf"),
        ("image.pdf", B.png(8, 8), "not_pdf"),
        ("garbage.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 50, ("damaged", "truncated")),
    ],
)
def test_inspect_refuses_bad_files(
    tmp_path: Path, name: str, data: bytes, codes: str
) -> None:
    refused(codes, pdf.inspect, write(tmp_path, name, data), max_pages=100)


def test_missing_file(tmp_path: Path) -> None:
    refused("not_found", pdf.inspect, tmp_path / "nope.pdf", max_pages=10)


def test_truncated(tmp_path: Path, demo: Path) -> None:
    data = demo.read_bytes()
    path = write(tmp_path, "cut.pdf", data[: len(data) // 3])
    refused(("truncated", "damaged", "no_pages"), pdf.inspect, path, max_pages=10)


def test_page_too_large(tmp_path: Path) -> None:
    path = write(tmp_path, "wide.pdf", B.text_pdf(1, width=100_000, height=500))
    err = refused("page_too_large", pdf.inspect, path, max_pages=10)
    assert "100000" in err.message
    ok = write(tmp_path, "ok.pdf", B.text_pdf(1, width=14_000, height=500))
    assert pdf.inspect(ok, max_pages=10)["page_count"] == 1


def test_too_many_pages(tmp_path: Path) -> None:
    path = write(tmp_path, "many.pdf", B.text_pdf(5000))
    err = refused("too_many_pages", pdf.inspect, path, max_pages=2000)
    assert "5000" in err.message and "2000" in err.message


def test_password_protected(tmp_path: Path, demo: Path) -> None:
    locked = tmp_path / "locked.pdf"
    pdf.get_pool().call("_encrypt", str(demo), str(locked), "mật-khẩu", "chủ")
    err = refused("encrypted", pdf.inspect, locked, max_pages=10)
    assert "mật khẩu" in err.message
    # Encrypted for permissions only (empty user password): accepted.
    owner_only = tmp_path / "owner-only.pdf"
    pdf.get_pool().call("_encrypt", str(demo), str(owner_only), "", "chủ")
    info = pdf.inspect(owner_only, max_pages=10)
    assert info["encrypted"] and info["page_count"] == 3
    clean = tmp_path / "clean.pdf"
    pdf.sanitize(owner_only, clean)
    assert not pdf.inspect(clean, max_pages=10)["encrypted"]


def test_sanitize_removes_active_content(tmp_path: Path) -> None:
    src = write(tmp_path, "active.pdf", B.active_pdf())
    info = pdf.inspect(src, max_pages=10)
    assert info["has_javascript"] and info["has_embedded_files"]
    assert info["has_launch"] and info["has_auto_actions"]
    out = tmp_path / "clean.pdf"
    report = pdf.sanitize(src, out)
    assert report["found"]["javascript"] and report["removed"]
    after = pdf.inspect(out, max_pages=10)
    assert after["active"] == {}
    assert not (after["has_javascript"] or after["has_embedded_files"])
    raw = out.read_bytes()
    assert b"evil.exe" not in raw and b"MZ pretend" not in raw
    # Text and normal annotations survive.
    assert "Noi dung van ban" in pdf.extract(out)[0]["text"]
    assert b"Ghi chu cua tac gia" in raw and b"example.gov.vn" in raw


def test_render_formats_and_pages(demo: Path) -> None:
    data, ctype = pdf.render(demo, 1, 400)
    assert ctype == "image/png"
    img = Image.open(io.BytesIO(data))
    assert img.width == 400 and abs(img.height - 566) <= 1
    for fmt, ctype in (("webp", "image/webp"), ("jpeg", "image/jpeg")):
        data, got = pdf.render(demo, 2, 160, fmt=fmt)
        assert got == ctype and Image.open(io.BytesIO(data)).width == 160
    for bad in (0, 4, 9999, -1):
        refused("bad_page", pdf.render, demo, bad, 400)
    with pytest.raises(ValueError):
        pdf.render(demo, 1, 100_000)


def test_render_scan_uses_webp(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    img = Image.radial_gradient("L").resize((900, 1200)).convert("RGB")
    img.save(photo, quality=90)
    out = tmp_path / "scan.pdf"
    assert pdf.images_to_pdf([photo], out)["page_count"] == 1
    assert pdf.inspect(out, max_pages=10)["is_scanned"]
    _, ctype = pdf.render(out, 1, 800)
    assert ctype == "image/webp"


def test_render_many(tmp_path: Path, demo: Path) -> None:
    files = pdf.render_many(demo, [1, 2], list(pdf.RENDER_WIDTHS), tmp_path / "r")
    names = [Path(f).name for f in files]
    assert names[:5] == [f"p1-w{w}.png" for w in pdf.RENDER_WIDTHS]
    assert len(files) == 10 and all(Path(f).stat().st_size > 0 for f in files)
    assert Image.open(files[-1]).width == 1600


def test_watermark_vietnamese_text_is_drawn(tmp_path: Path, demo: Path) -> None:
    lines = ["BẢN MẬT", "Nguyễn Thị Hường", "huongnt · 28/11/2026 10:15"]
    out = tmp_path / "wm.pdf"
    assert pdf.watermark_pdf(demo, out, lines=lines)["page_count"] == 3
    for page in pdf.extract(out):
        text = page["text"]
        for line in lines[:2]:
            assert text.count(line) >= 2, (line, text[-300:])
        words = {w[4] for w in page["words"]}
        assert {"BẢN", "MẬT", "Nguyễn", "Thị", "Hường"} <= words
    # The raster differs from the plain page where the watermark is drawn, and
    # the diacritics are glyphs of their own (not tofu boxes): rendering the
    # accented and unaccented names gives different pixels.
    plain, _ = pdf.render(demo, 1, 400, fmt="png")
    marked, _ = pdf.render_watermarked(demo, 1, 400, lines=lines, fmt="png")
    assert plain != marked
    a, _ = pdf.render_watermarked(demo, 1, 400, lines=["Nguyễn Thị Hường"], fmt="png")
    b, _ = pdf.render_watermarked(demo, 1, 400, lines=["Nguyen Thi Huong"], fmt="png")
    assert a != b


def test_images_to_pdf_and_bombs(tmp_path: Path) -> None:
    ok1 = tmp_path / "a.png"
    Image.new("RGB", (600, 800), "white").save(ok1)
    ok2 = tmp_path / "b.jpg"
    Image.new("RGB", (1200, 800), "grey").save(ok2)
    out = tmp_path / "out.pdf"
    assert pdf.images_to_pdf([ok1, ok2], out)["page_count"] == 2
    sizes = pdf.inspect(out, max_pages=10)["page_sizes"]
    assert sizes[0][1] > sizes[0][0] and sizes[1][0] > sizes[1][1]
    # Header claims 100,000 × 100,000 px but stores almost nothing.
    bomb = write(tmp_path, "bomb.png", B.png(100_000, 100_000, rows=2))
    assert bomb.stat().st_size < 2000
    err = refused("bad_image", pdf.images_to_pdf, [bomb], tmp_path / "x.pdf")
    assert "100000" in err.message.replace(".", "")
    # A real zlib bomb: 12,000 × 12,000 white pixels in ~140 KB.
    zbomb = write(tmp_path, "zbomb.png", B.png(12_000, 12_000))
    refused("bad_image", pdf.images_to_pdf, [zbomb], tmp_path / "y.pdf")
    fake = write(tmp_path, "fake.jpg", b"%PDF-1.4 not an image")
    refused("bad_image", pdf.images_to_pdf, [fake], tmp_path / "z.pdf")
    cut = write(tmp_path, "cut.jpg", ok2.read_bytes()[:300])
    refused("bad_image", pdf.images_to_pdf, [cut], tmp_path / "w.pdf")


def test_rotated_page_words_are_in_displayed_coordinates(tmp_path: Path) -> None:
    data = B.text_pdf(1).replace(
        b"/MediaBox [0 0 595 842]", b"/MediaBox [0 0 595 842] /Rotate 90"
    )
    path = write(tmp_path, "rot.pdf", data)
    assert pdf.inspect(path, max_pages=5)["page_sizes"] == [[842.0, 595.0]]
    x0, y0, x1, y1, word = pdf.extract(path)[0]["words"][0]
    assert word == "Hello"
    # Text at x=72 pt, baseline 720 pt of the unrotated page ends up near the
    # right edge, at the top, running downwards once turned 90° clockwise.
    assert x0 > 0.8 and y0 < 0.2 and y1 - y0 > x1 - x0

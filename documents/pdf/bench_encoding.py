"""Measure page-image encodings for text pages and scanned pages.

This is a command-line tool, not part of the runtime package: it imports
PyMuPDF directly, so never import it from a web process. Run it with::

    .venv/bin/python -m documents.pdf.bench_encoding [--widths 800 1200] [--repeat 5]

It renders sample pages (a generated Vietnamese text page, text pages and
scans from the PDF corpus named by ``NGHISU_PDF_CORPUS``) and, for every
candidate encoding, prints the median encode time, the size and the luminance
PSNR against the unencoded raster. ``ENCODING.md`` records the figures.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pymupdf
from PIL import Image, ImageChops, ImageStat

from documents.pdf import writer

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(
    os.environ.get("NGHISU_PDF_CORPUS", ROOT.parent / "shared" / "pdf-corpus")
)

SAMPLES = [
    ("text", "corpus:normal__pdfjs__tracemonkey.pdf", 1),
    ("text", "corpus:huge__pdfjs__freeculture.pdf", 20),
    ("text", "generated-vietnamese", 1),
    ("scan", "corpus:scanned__pypdf__cmyk-image.pdf", 1),
    ("scan", "corpus:scanned__pdfjs__scan-bad.pdf", 1),
    ("scan", "corpus:scanned__pypdf__grayscale-image.pdf", 1),
]


#: Map 256 grey levels to 16 (lossy but invisible on anti-aliased text).
_POSTERISE = [min(255, round(v / 17) * 17) for v in range(256)]


def _png(img: Image.Image, level: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=level)
    return buf.getvalue()


def _pil(img: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def candidates() -> dict[str, Callable[[pymupdf.Pixmap, Image.Image], bytes]]:
    """Return the encoders to compare, keyed by a short label."""
    return {
        "png-rgb (mupdf)": lambda pix, img: pix.tobytes("png"),
        "png-grey (mupdf)": lambda pix, img: pymupdf.Pixmap(
            pymupdf.csGRAY, pix
        ).tobytes("png"),
        "png-grey (pil, level 1)": lambda pix, img: _png(img.convert("L"), 1),
        "png-grey (pil, level 3)": lambda pix, img: _png(img.convert("L"), 3),
        "png-grey (pil, level 6)": lambda pix, img: _png(img.convert("L"), 6),
        "png-grey-16 levels (pil, level 3)": lambda pix, img: _png(
            img.convert("L").point(_POSTERISE), 3
        ),
        "jpeg q80 (mupdf)": lambda pix, img: pix.tobytes("jpeg", jpg_quality=80),
        "jpeg q80 (pil)": lambda pix, img: _pil(img, "JPEG", quality=80),
        "webp q80 m0": lambda pix, img: _pil(img, "WEBP", quality=80, method=0),
        "webp q80 m4": lambda pix, img: _pil(img, "WEBP", quality=80, method=4),
        "webp q90 m0": lambda pix, img: _pil(img, "WEBP", quality=90, method=0),
        "jpeg q90 (pil)": lambda pix, img: _pil(img, "JPEG", quality=90),
        "webp lossless m0": lambda pix, img: _pil(
            img, "WEBP", lossless=True, quality=0, method=0
        ),
    }


def psnr(ref: Image.Image, data: bytes) -> float:
    """Return the luminance PSNR in dB of ``data`` against ``ref``."""
    dec = Image.open(io.BytesIO(data)).convert("L")
    diff = ImageChops.difference(ref.convert("L"), dec)
    stat = ImageStat.Stat(diff)
    mse = stat.sum2[0] / (dec.width * dec.height)
    return 99.0 if mse == 0 else 10 * math.log10(255 * 255 / mse)


def _open_sample(ref: str) -> pymupdf.Document:
    if ref == "generated-vietnamese":
        return pymupdf.open(
            "pdf",
            writer.demo_document_bytes(
                title="Nghị quyết về kế hoạch phát triển kinh tế - xã hội năm 2026",
                paragraphs=writer.SAMPLE_PARAGRAPHS,
                pages=1,
            ),
        )
    return pymupdf.open(CORPUS / ref.removeprefix("corpus:"))


def main() -> None:
    """Run the measurement and print a Markdown table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--widths", type=int, nargs="+", default=[800, 1200])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rows: dict[tuple[str, int, str], list[tuple[float, int, float]]] = {}
    raster: dict[tuple[str, int], list[float]] = {}
    for kind, ref, pno in SAMPLES:
        if ref.startswith("corpus:") and not CORPUS.is_dir():
            continue
        doc = _open_sample(ref)
        page = doc[pno - 1]
        for width in args.widths:
            zoom = width / page.rect.width
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
                times.append(time.perf_counter() - t0)
            raster.setdefault((kind, width), []).append(statistics.median(times))
            img = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
            for label, enc in candidates().items():
                times = []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    data = enc(pix, img)
                    times.append(time.perf_counter() - t0)
                rows.setdefault((kind, width, label), []).append(
                    (statistics.median(times), len(data), psnr(img, data))
                )
    print("| page kind | width | rasterise ms |")
    print("|---|---|---|")
    for (kind, width), vals in raster.items():
        print(f"| {kind} | {width} | {1000 * statistics.mean(vals):.1f} |")
    print()
    print("| page kind | width | encoding | encode ms | KiB | PSNR dB (luma) |")
    print("|---|---|---|---|---|---|")
    for (kind, width, label), vals in rows.items():
        ms = 1000 * statistics.mean(v[0] for v in vals)
        kib = statistics.mean(v[1] for v in vals) / 1024
        db = statistics.mean(v[2] for v in vals)
        print(f"| {kind} | {width} | {label} | {ms:.1f} | {kib:.0f} | {db:.1f} |")


if __name__ == "__main__":
    main()

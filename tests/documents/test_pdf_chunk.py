"""process_chunk: extract and render a chunk in one job, on a document the
worker keeps open between jobs on the same file."""

from __future__ import annotations

import os
from pathlib import Path

import documents.pdf as pdf
from nghisu.text import fold
from tests.documents.test_pdf_ops import demo, refused  # noqa: F401 (fixture)


def test_one_job_gives_what_extract_and_render_many_give(
    tmp_path: Path,
    demo: Path,  # noqa: F811
) -> None:
    pages = pdf.process_chunk(
        demo, first=2, last=3, widths=[160, 400], out_dir=tmp_path / "a"
    )
    folded = [page.pop("text_folded") for page in pages]
    assert pages == pdf.extract(demo, first=2, last=3)
    assert folded == [fold(page["text"]) for page in pages]
    assert "nghi quyet" in folded[0] or "ke hoach" in folded[0]
    apart = pdf.render_many(demo, [2, 3], [160, 400], tmp_path / "b")
    together = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert together == sorted(Path(f).name for f in apart)
    for name in together:
        assert (tmp_path / "a" / name).read_bytes() == (
            tmp_path / "b" / name
        ).read_bytes()
    refused(
        "bad_page",
        pdf.process_chunk,
        demo,
        first=3,
        last=9,
        widths=[160],
        out_dir=tmp_path / "c",
    )


def test_a_file_replaced_at_the_same_path_is_read_again(tmp_path: Path) -> None:
    """The worker keeps the last document open, keyed by the file's identity:
    a new file at the same path (as a test or an edit writes it) is reopened."""
    path = tmp_path / "doc.pdf"
    pdf.make_demo_pdf(path, title="Tờ trình số một", paragraphs=[], pages=1)
    first = pdf.extract(path)
    assert "số một" in first[0]["text"]
    other = tmp_path / "other.pdf"
    pdf.make_demo_pdf(other, title="Báo cáo số hai", paragraphs=[], pages=2)
    os.replace(other, path)
    again = pdf.process_chunk(
        path, first=1, last=2, widths=[160], out_dir=tmp_path / "r"
    )
    assert len(again) == 2 and "số hai" in again[0]["text"]
    os.unlink(path)
    refused("not_found", pdf.extract, path)

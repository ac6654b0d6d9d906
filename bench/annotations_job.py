"""The annotation figures that need Django: run in a stack's environment.

``python -m bench.annotations_job`` reads ``{"op": ...}`` (JSON on stdin) and
prints JSON. Everything is made through the product's actions: grants with
``documents.actions.grant``, annotations with
``documents.annotations.save_annotation`` (validation, quoted words, limits).

- ``prepare``: in a room made by :mod:`bench.seed`, give the meeting's
  participants the annotate right on the agenda document and put ``paint``
  annotations (ink, highlights, notes, text boxes; by the viewing delegate and,
  shared with the meeting, by others) on one page; another page stays empty.
- ``export``: a document of ``pages`` pages with ``annotations`` annotations,
  exported through ``documents.annotation_export.export_annotated`` (the checks,
  serialising from the database, the sandboxed PDF pool, the audit row: what
  "Tải bản có ghi chú" runs) against plain PyMuPDF in this one process
  inserting the same annotations into the same file and saving it.

The geometry helpers (:func:`handwriting` and the others) import nothing of
Django, so the driver uses them too.
"""

from __future__ import annotations

import json
import math
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

COLORS = ["#d32f2f", "#1565c0", "#2e7d32", "#6a1b9a", "#ef6c00"]
HIGHLIGHTS = ["#ffd400", "#8bc34a", "#4fc3f7", "#ff8a80"]
NOTES = [
    "Đề nghị làm rõ nguồn vốn của dự án này.",
    "Số liệu khác với báo cáo quý III, cần đối chiếu.",
    "Đồng ý với đề xuất của Ban Kinh tế - Ngân sách.",
    "Hỏi Sở Tài chính về tiến độ giải ngân.",
    "Cần bổ sung ý kiến của các xã vùng cao.",
]


# --- geometry (no Django) ------------------------------------------------------------
def handwriting(
    points: int, rng: random.Random, *, x0: float = 0.1, y0: float = 0.3
) -> list[list[float]]:
    """A smooth cursive line of ``points`` points in page fractions (0..1).

    A prolate cycloid (the loops of joined-up handwriting) drawn left to right
    over about 60% of the page width, with a letter height that drifts and a
    baseline that wanders a little, sampled at an even pace as a pen sends
    coalesced pointer events. Consecutive points are about 0.1% of the page
    apart, the density a stylus gives after the viewer's simplification.
    """
    width = 0.6
    loops = points / 40  # about 40 points per letter
    height = 0.012 + rng.random() * 0.006
    phase = rng.random() * math.tau
    wander = rng.random() * math.tau
    out = []
    for i in range(points):
        t = i / (points - 1)
        angle = t * loops * math.tau + phase
        h = height * (1 + 0.25 * math.sin(t * 7.3 + phase))
        x = x0 + t * width - 0.35 * h * math.sin(angle)
        y = y0 + 0.004 * math.sin(t * 3.1 + wander) - h * (0.5 + 0.5 * math.cos(angle))
        out.append([round(min(1.0, max(0.0, x)), 5), round(min(1.0, max(0.0, y)), 5)])
    return out


def ink_data(points: int, rng: random.Random, *, page: int, strokes: int = 1) -> dict:
    """A save request (JSON) for an ink annotation of ``strokes`` × ``points``."""
    y = 0.1 + rng.random() * 0.75
    return {
        "kind": "ink",
        "page": page,
        "color": rng.choice(COLORS),
        "geometry": {
            "strokes": [
                handwriting(points, rng, x0=0.08 + 0.2 * rng.random(), y0=y + 0.03 * k)
                for k in range(strokes)
            ],
            "width": 0.003,
        },
        "rev": 1,
    }


def _line_quads(words: list, rng: random.Random, lines: int) -> list[list[float]]:
    """One quad per line over ``lines`` consecutive lines of the word boxes."""
    rows: dict[float, list] = {}
    for x0, y0, x1, y1, _w in words:
        rows.setdefault(round(y0, 3), []).append((x0, y0, x1, y1))
    keys = sorted(rows)
    if not keys:
        y = 0.2 + rng.random() * 0.6
        return [[0.1, y, 0.6, y + 0.015]]
    first = rng.randrange(max(1, len(keys) - lines))
    quads = []
    for key in keys[first : first + lines]:
        boxes = rows[key]
        quads.append(
            [
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            ]
        )
    return quads


def mixed_data(k: int, rng: random.Random, *, page: int, words: list) -> dict:
    """The ``k``-th annotation of a realistic mix on ``page``.

    Half ink (one to three strokes of 100–300 points), a quarter highlights of
    one to three lines of the page's words, an eighth sticky notes and an
    eighth text boxes.
    """
    slot = k % 8
    if slot < 4:
        data = ink_data(rng.randint(100, 300), rng, page=page)
        data["geometry"]["strokes"] = [
            handwriting(
                rng.randint(100, 300),
                rng,
                x0=0.05 + 0.3 * rng.random(),
                y0=0.08 + 0.85 * rng.random(),
            )
            for _ in range(rng.randint(1, 3))
        ]
        return data
    if slot < 6:
        return {
            "kind": "highlight",
            "page": page,
            "color": rng.choice(HIGHLIGHTS),
            "geometry": {"quads": _line_quads(words, rng, rng.randint(1, 3))},
            "rev": 1,
        }
    if slot == 6:
        return {
            "kind": "note",
            "page": page,
            "color": "#ffd400",
            "text": rng.choice(NOTES),
            "geometry": {"point": [0.85 + 0.1 * rng.random(), rng.random() * 0.9]},
            "rev": 1,
        }
    x = 0.05 + 0.5 * rng.random()
    y = 0.05 + 0.85 * rng.random()
    return {
        "kind": "freetext",
        "page": page,
        "color": "#fff59d",
        "text": rng.choice(NOTES),
        "geometry": {"rect": [x, y, x + 0.35, y + 0.04], "size": 10},
        "rev": 1,
    }


# --- prepare ------------------------------------------------------------------------
def prepare(spec: dict) -> dict:
    """Annotate right for the room's participants; ``paint`` annotations on a page."""
    from accounts.models import User
    from documents import actions as doc_actions
    from documents import annotations as ann
    from documents.models import Document, DocumentPage
    from meetings.models import Meeting

    meeting = Meeting.objects.get(pk=spec["meeting"])
    document = Document.objects.get(pk=spec["document"])
    chair = User.objects.get(username=spec["chair"])
    doc_actions.grant(
        chair,
        document,
        groups=[meeting.participants_group],
        perms=("view_document", "annotate_document"),
    )
    version = document.latest_version
    page = spec["paint_page"]
    words = (
        DocumentPage.objects.filter(version=version, number=page)
        .values_list("words", flat=True)
        .first()
    ) or []
    viewer = User.objects.get(username=spec["viewer"])
    others = list(User.objects.filter(username__in=spec["others"]))
    rng = random.Random(6)
    kinds: dict[str, int] = {}
    for k in range(spec["paint"]):
        data = mixed_data(k, rng, page=page, words=words)
        author = viewer if k % 2 == 0 or not others else others[k % len(others)]
        if author is not viewer:
            data["visibility"] = "meeting"
            data["meeting"] = meeting.pk
        ann.save_annotation(author, version, uuid.uuid4(), data)
        kinds[data["kind"]] = kinds.get(data["kind"], 0) + 1
    return {
        "document": document.pk,
        "version": version.number,
        "pages": version.page_count,
        "paint_page": page,
        "paint_kinds": kinds,
    }


# --- export -------------------------------------------------------------------------
def _baseline_export(source: Path, out: Path, payload: list[dict]) -> float:
    """Plain PyMuPDF in this process: open, insert the same annotations, save."""
    import pymupdf

    t0 = time.perf_counter()
    doc = pymupdf.open(source)
    for item in sorted(payload, key=lambda a: a["page"]):
        page = doc[item["page"] - 1]
        r = page.rect

        def pt(x: float, y: float, r=r) -> pymupdf.Point:
            return pymupdf.Point(r.x0 + x * r.width, r.y0 + y * r.height)

        geometry = item["geometry"]
        kind = item["kind"]
        if kind == "highlight":
            annot = page.add_highlight_annot(
                [pymupdf.Rect(pt(*q[:2]), pt(*q[2:])).quad for q in geometry["quads"]]
            )
            annot.set_colors(stroke=item["color"])
        elif kind == "ink":
            annot = page.add_ink_annot(
                [[tuple(pt(x, y)) for x, y in s] for s in geometry["strokes"]]
            )
            annot.set_colors(stroke=item["color"])
            annot.set_border(width=max(0.5, geometry["width"] * r.width))
        elif kind == "note":
            annot = page.add_text_annot(pt(*geometry["point"]), item["text"])
            annot.set_colors(stroke=item["color"])
        else:
            x0, y0, x1, y1 = geometry["rect"]
            annot = page.add_freetext_annot(
                pymupdf.Rect(pt(x0, y0), pt(x1, y1)),
                item["text"],
                fontsize=geometry["size"],
                fill_color=item["color"],
            )
        annot.set_info(title=item["author"])
        annot.update()
    doc.save(out, garbage=3, deflate=True)
    doc.close()
    return time.perf_counter() - t0


def export(spec: dict) -> dict:
    """Time "Tải bản có ghi chú" of ``annotations`` on ``pages`` against PyMuPDF."""
    import datetime

    from django.core.files import File

    from accounts import actions as acc
    from accounts.models import BodyKind, Position, UnitLevel
    from bench.documents_job import PARAGRAPHS
    from documents import actions, pdf, processing, storage
    from documents import annotations as ann
    from documents.annotation_export import (
        build_export,
        export_payload_for,
        record_export,
    )
    from documents.models import DocumentPage, DocumentVersion

    level, _ = UnitLevel.objects.get_or_create(
        code="tinh", defaults={"name": "Tỉnh", "rank": 1}
    )
    unit = acc.create_unit("Tỉnh Ghi chú", code="annexp", level=level)
    body = acc.create_body(unit, kind=BodyKind.HDND, name="HĐND tỉnh Ghi chú")
    user = acc.create_user("annexport", full_name="Đại biểu Ghi Chú", password="x")
    acc.add_membership(
        body, user, position=Position.SECRETARY, start_date=datetime.date(2021, 7, 1)
    )
    pool = pdf.get_pool()
    pool.warm()
    tmp = Path(tempfile.mkdtemp())
    source = tmp / "bao-cao.pdf"
    pdf.make_demo_pdf(
        source,
        title="BÁO CÁO TÌNH HÌNH KINH TẾ - XÃ HỘI NĂM 2025",
        paragraphs=PARAGRAPHS,
        pages=spec["pages"],
    )
    with source.open("rb") as fh:
        document = actions.create_document(
            user,
            body=body,
            title="Báo cáo tình hình kinh tế - xã hội năm 2025",
            uploaded_file=File(fh, name="bao-cao.pdf"),
        )
    version = processing.process_version(document.latest_version_id)
    version = DocumentVersion.objects.get(pk=document.latest_version_id)
    assert version.status == "ready", (version.status, version.failure_reason)
    pages = version.page_count
    words = dict(
        DocumentPage.objects.filter(version=version).values_list("number", "words")
    )
    rng = random.Random(8)
    t0 = time.perf_counter()
    for k in range(spec["annotations"]):
        page = 1 + (k * pages) // spec["annotations"]
        data = mixed_data(k, rng, page=page, words=words.get(page) or [])
        ann.save_annotation(user, version, uuid.uuid4(), data)
    seeded = time.perf_counter() - t0
    # The sanitised copy is made once per content (at the first download);
    # both sides start from it.
    clean = processing.clean_copy(version)
    out_dir = storage.render_dir(version.sha256, viewer_key=f"annotated-{user.pk}")
    # The baseline's input: the same annotations, read once and their
    # geometry parsed (untimed).
    shapes = [
        {**a, "geometry": json.loads(a["geometry_json"])}
        for a in export_payload_for(user, document, version)
    ]
    ours, baseline, steps = [], [], []
    for k in range(spec.get("repeats", 1)):
        if k % 2:  # alternate which side goes first
            baseline.append(_baseline_export(clean, tmp / "plain.pdf", shapes))
        for old in out_dir.glob("annotated-*.pdf"):
            old.unlink()
        # The three steps of the view (annotation_views.annotated_download),
        # timed apart: what ``export_annotated`` runs in one call.
        t0 = time.perf_counter()
        payload = export_payload_for(user, document, version)
        t1 = time.perf_counter()
        path = build_export(user.pk, version, payload, watermark=None)
        t2 = time.perf_counter()
        record_export(
            user,
            document,
            version,
            ip=None,
            annotations=len(payload),
            watermarked=False,
        )
        t3 = time.perf_counter()
        ours.append(t3 - t0)
        steps.append((t1 - t0, t2 - t1, t3 - t2))
        if not k % 2:
            baseline.append(_baseline_export(clean, tmp / "plain.pdf", shapes))
    written = pdf.list_annotations(path)
    pdf.shutdown()
    return {
        "pages": pages,
        "annotations": len(payload),
        "kinds": {
            k: sum(1 for a in shapes if a["kind"] == k)
            for k in ("ink", "highlight", "note", "freetext")
        },
        "ink_points": sum(
            len(s)
            for a in shapes
            if a["kind"] == "ink"
            for s in a["geometry"]["strokes"]
        ),
        "written": len(written),
        "export_s": round(statistics.median(ours), 3),
        "export_baseline_s": round(statistics.median(baseline), 3),
        "export_samples_s": [round(v, 3) for v in ours],
        "read_s": round(statistics.median(x[0] for x in steps), 3),
        "build_s": round(statistics.median(x[1] for x in steps), 3),
        "audit_s": round(statistics.median(x[2] for x in steps), 3),
        "baseline_samples_s": [round(v, 3) for v in baseline],
        "bytes": path.stat().st_size,
        "baseline_bytes": (tmp / "plain.pdf").stat().st_size,
        "seed_s": round(seeded, 2),
    }


OPS = {"prepare": prepare, "export": export}


def main() -> None:
    import django

    spec = json.loads(sys.stdin.read())
    django.setup()
    result = OPS[spec["op"]](spec)
    from documents import pdf

    pdf.shutdown()
    print(json.dumps(result))


if __name__ == "__main__":
    main()

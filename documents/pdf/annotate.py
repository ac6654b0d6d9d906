"""Annotations written into PDFs as real PDF annotations (worker side, PyMuPDF).

Coordinates arrive as fractions (0..1) of the displayed page, the way
:func:`documents.pdf.pages.extract` gives word boxes; they are turned into PDF
points of the unrotated page here. Kinds map to PDF annotation subtypes:
highlight → Highlight (one quad per rectangle), ink → Ink, note → Text (a
sticky note), freetext → FreeText. Each carries the author as its title and
the annotation id as its name, so readers show who wrote it and edit it.
"""

from __future__ import annotations

import json
from typing import Any

import pymupdf

from documents.pdf.errors import PdfError
from documents.pdf.pages import watermark_page
from documents.pdf.reading import _load_page, _save, open_pdf

_KINDS = {"highlight", "ink", "note", "freetext"}


def _to_pdf(page: pymupdf.Page):
    """Return a function mapping a displayed fraction (x, y) to page points."""
    rect = page.rect
    derot = page.derotation_matrix if page.rotation else None

    def convert(x: float, y: float) -> pymupdf.Point:
        p = pymupdf.Point(rect.x0 + x * rect.width, rect.y0 + y * rect.height)
        return p * derot if derot is not None else p

    return convert


def _rect(convert, box) -> pymupdf.Rect:
    a = convert(box[0], box[1])
    b = convert(box[2], box[3])
    return pymupdf.Rect(a, b).normalize()


def _add_ink(page: pymupdf.Page, convert, strokes: list) -> pymupdf.Annot:
    """Add an Ink annotation of ``strokes`` (fractions of the displayed page).

    ``Page.add_ink_annot`` converts and appends every point through PyMuPDF's
    SWIG layer, several calls a point. On an unrotated page the points are
    instead mapped to PDF user space with one affine map and ``/InkList`` is
    handed to MuPDF as PDF text (parsed in C) in place of a placeholder stroke,
    before ``update()`` draws the appearance and sets the rectangle. Rotated
    pages take PyMuPDF's path.
    """
    if page.rotation:
        return page.add_ink_annot(
            [[tuple(convert(x, y)) for x, y in s] for s in strokes]
        )
    r = page.rect
    m = ~page.transformation_matrix  # page points -> PDF user space
    ax, bx, cx = m.a * r.width, m.c * r.height, m.a * r.x0 + m.c * r.y0 + m.e
    ay, by, cy = m.b * r.width, m.d * r.height, m.b * r.x0 + m.d * r.y0 + m.f
    ink = " ".join(
        "["
        + " ".join(
            f"{ax * x + bx * y + cx:.2f} {ay * x + by * y + cy:.2f}" for x, y in s
        )
        + "]"
        for s in strokes
    )
    if "n" in ink:  # nan or inf: never a PDF number
        raise PdfError("bad_annotation", "Ghi chú không hợp lệ.")
    annot = page.add_ink_annot([[(0, 0), (1, 1)]])
    page.parent.xref_set_key(annot.xref, "InkList", f"[{ink}]")
    return annot


def _add(page: pymupdf.Page, item: dict[str, Any]) -> pymupdf.Annot:
    convert = _to_pdf(page)
    geometry = item["geometry"]
    kind = item["kind"]
    color = item["color"]
    if kind == "highlight":
        quads = [_rect(convert, q).quad for q in geometry["quads"]]
        annot = page.add_highlight_annot(quads)
        annot.set_colors(stroke=color)
    elif kind == "ink":
        annot = _add_ink(page, convert, geometry["strokes"])
        annot.set_colors(stroke=color)
        annot.set_border(width=max(0.5, geometry.get("width", 0.003) * page.rect.width))
    elif kind == "note":
        x, y = geometry["point"]
        annot = page.add_text_annot(convert(x, y), item.get("text") or "", icon="Note")
        annot.set_colors(stroke=color)
    else:
        annot = page.add_freetext_annot(
            _rect(convert, geometry["rect"]),
            item.get("text") or "",
            fontsize=float(geometry.get("size", 12)),
            fontname="helv",
            text_color=(0, 0, 0),
            fill_color=color,
            opacity=1,
        )
    info = {"title": item.get("author") or ""}
    if kind in ("highlight", "ink") and item.get("text"):
        info["content"] = item["text"]
    annot.set_info(**info)
    annot.update()
    if item.get("id"):
        # /NM, the annotation's unique name in the page: our UUID.
        page.parent.xref_set_key(annot.xref, "NM", pymupdf.get_pdf_str(item["id"]))
    return annot


def _with_geometries(
    annotations: list[dict[str, Any]], geometries: bytes | None
) -> list[dict[str, Any]]:
    """Give each annotation its geometry from the ``geometries`` attachment.

    The attachment is a JSON array, one geometry per annotation, in order.
    """
    if geometries is None:
        return annotations
    try:
        shapes = json.loads(geometries)
    except ValueError:
        shapes = None
    if not isinstance(shapes, list) or len(shapes) != len(annotations):
        raise PdfError("bad_annotation", "Ghi chú không hợp lệ.")
    pairs = zip(annotations, shapes, strict=True)
    return [{**item, "geometry": g} for item, g in pairs]


def annotate_pdf(
    path: str,
    out_path: str,
    *,
    annotations: list[dict[str, Any]],
    geometries: bytes | None = None,
    lines: list[str] | None = None,
) -> dict[str, Any]:
    """Write ``annotations`` (and the watermark of ``lines``) into a copy of ``path``.

    Geometries come in each item or, in order, as the JSON array ``geometries``
    (one binary attachment, see :func:`documents.pdf.annotate_pdf`).
    """

    annotations = _with_geometries(annotations, geometries)
    doc = open_pdf(path)
    if lines:
        for page in doc:
            watermark_page(page, lines)
        doc.subset_fonts()
    written = 0
    for item in sorted(annotations, key=lambda a: a["page"]):
        if item.get("kind") not in _KINDS:
            raise PdfError("bad_annotation", "Ghi chú không hợp lệ.")
        page = _load_page(doc, int(item["page"]))
        _add(page, item)
        written += 1
    _save(doc, out_path)
    return {"page_count": doc.page_count, "annotations": written}


_SUBTYPES = {
    "Highlight": "highlight",
    "Ink": "ink",
    "Text": "note",
    "FreeText": "freetext",
}


def list_annotations(path: str) -> list[dict[str, Any]]:
    """Describe every annotation of a PDF (for tests and checks of exports).

    Each item: ``page``, ``kind`` (our name, or the PDF subtype), ``rect``,
    ``points`` (ink strokes / highlight quads / note point, in page points of
    the unrotated page), ``content``, ``title``, ``name``, ``color`` and, for
    highlights, ``words``: the words whose centre lies inside a quad.
    """

    doc = open_pdf(path)
    out = []
    for page in doc:
        words = None
        for annot in page.annots():
            subtype = annot.type[1]
            item: dict[str, Any] = {
                "page": page.number + 1,
                "kind": _SUBTYPES.get(subtype, subtype),
                "rect": list(annot.rect),
                "content": annot.info.get("content", ""),
                "title": annot.info.get("title", ""),
                "name": annot.info.get("id", ""),
                "color": list(
                    annot.colors.get("stroke") or annot.colors.get("fill") or []
                ),
            }
            vertices = annot.vertices or []
            if subtype == "Ink":
                item["points"] = [[list(p) for p in s] for s in vertices]
            elif subtype == "Highlight":
                quads = [
                    pymupdf.Quad(vertices[i : i + 4]).rect
                    for i in range(0, len(vertices), 4)
                ]
                item["points"] = [list(r) for r in quads]
                if words is None:
                    words = page.get_text("words")
                item["words"] = [
                    w[4]
                    for w in words
                    if any(
                        pymupdf.Point((w[0] + w[2]) / 2, (w[1] + w[3]) / 2) in r
                        for r in quads
                    )
                ]
            elif subtype == "Text":
                item["points"] = [list(annot.rect.tl)]
            out.append(item)
    return out

"""The export's cache, the way geometries reach the PDF worker, ink written."""

from __future__ import annotations

import uuid

import pytest

from documents import actions as doc_actions
from documents import annotation_export, pdf
from documents import annotations as ann
from tests.documents import pdf_builders as B
from tests.documents.test_annotations import ink

A4 = (595.0, 842.0)


@pytest.fixture
def doc(cast, make_document):
    document = make_document(cast.secretary, body=cast.hdnd, data=B.text_pdf(2))
    doc_actions.grant(
        cast.secretary,
        document,
        groups=[cast.hdnd.group],
        perms=("view_document", "annotate_document"),
    )
    return document


def export(user, document):
    return annotation_export.export_annotated(
        user, document, document.latest_version, watermark=None
    )


def ink_points(path) -> list[list[list[float]]]:
    return [a["points"][0] for a in pdf.list_annotations(path) if a["kind"] == "ink"]


def close(a, b) -> bool:
    return all(abs(x - y) <= 0.5 for x, y in zip(a, b, strict=True))


def test_an_unchanged_export_is_reused_and_an_edit_builds_a_new_one(cast, doc):
    """The cache follows ids and revisions, never a stale copy of the content."""
    version = doc.latest_version
    pk = uuid.uuid4()
    ann.save_annotation(
        cast.delegate, version, pk, ink(points=[[0.1, 0.1], [0.2, 0.2]])
    )
    first = export(cast.delegate, doc)
    built = first.stat().st_mtime_ns
    again = export(cast.delegate, doc)
    assert again == first and again.stat().st_mtime_ns == built

    moved = [[0.5, 0.5], [0.6, 0.7]]
    ann.save_annotation(cast.delegate, version, pk, ink(points=moved, rev=2))
    edited = export(cast.delegate, doc)
    assert edited != first and not first.exists()
    (stroke,) = ink_points(edited)
    w, h = A4
    for got, want in zip(stroke, moved, strict=True):
        assert close(got, [want[0] * w, want[1] * h])
    # The appearance (and so the rectangle) is drawn from these points.
    (written,) = pdf.list_annotations(edited)
    x0, y0, x1, y1 = written["rect"]
    assert x0 <= 0.5 * w and y0 <= 0.5 * h and x1 >= 0.6 * w and y1 >= 0.7 * h
    assert x1 - x0 < 0.2 * w and y1 - y0 < 0.3 * h

    ann.delete_annotation(cast.delegate, pk)
    assert ink_points(export(cast.delegate, doc)) == []


def test_geometry_given_as_json_text_or_as_a_dict_lands_in_the_same_place(
    cast, doc, tmp_path
):
    source = tmp_path / "source.pdf"
    source.write_bytes(B.text_pdf(1))
    item = {"id": str(uuid.uuid4()), "page": 1, "kind": "ink", "color": [0, 0, 1]}
    geometry = {"strokes": [[[0.25, 0.5], [0.75, 0.25]]], "width": 0.004}
    as_dict = tmp_path / "dict.pdf"
    as_text = tmp_path / "text.pdf"
    pdf.annotate_pdf(source, as_dict, annotations=[{**item, "geometry": geometry}])
    pdf.annotate_pdf(
        source,
        as_text,
        annotations=[
            {
                **item,
                "geometry_json": '{"strokes": [[[0.25, 0.5], '
                '[0.75, 0.25]]], "width": 0.004}',
            }
        ],
    )
    assert ink_points(as_dict) == ink_points(as_text)
    w, h = A4
    assert close(ink_points(as_dict)[0][0], [0.25 * w, 0.5 * h])


def test_ink_on_a_rotated_page_lands_where_it_was_drawn(tmp_path):
    """Fractions are of the displayed (turned) page; PDF points are unrotated."""
    source = tmp_path / "rot.pdf"
    source.write_bytes(
        B.text_pdf(1).replace(
            b"/MediaBox [0 0 595 842]", b"/MediaBox [0 0 595 842] /Rotate 90"
        )
    )
    out = tmp_path / "out.pdf"
    drawn = [[0.25, 0.5], [0.75, 0.25]]
    pdf.annotate_pdf(
        source,
        out,
        annotations=[
            {
                "page": 1,
                "kind": "ink",
                "color": [1, 0, 0],
                "geometry": {"strokes": [drawn], "width": 0.004},
            }
        ],
    )
    # Turned 90° clockwise, the displayed page is 842 wide and 595 high; its
    # point (X, Y) is (Y, 842 - X) of the unrotated page.
    (stroke,) = ink_points(out)
    w, h = A4[1], A4[0]
    for got, (u, v) in zip(stroke, drawn, strict=True):
        assert close(got, [v * h, A4[1] - u * w])


@pytest.mark.parametrize(
    ("kind", "geometries"),
    [
        ("note", b"[]"),
        ("note", b"not json"),
        ("note", b'{"a": 1}'),
        ("ink", b'[{"strokes": [[[NaN, 0.5], [0.2, 0.3]]], "width": 0.003}]'),
        ("ink", b'[{"strokes": [[[0.1, 0.5], [Infinity, 0.3]]], "width": 0.003}]'),
    ],
)
def test_a_geometries_attachment_that_does_not_fit_is_refused(
    tmp_path, kind, geometries
):
    source = tmp_path / "source.pdf"
    source.write_bytes(B.text_pdf(1))
    with pytest.raises(pdf.PdfError) as caught:
        pdf.get_pool().call(
            "annotate_pdf",
            str(source),
            str(tmp_path / "out.pdf"),
            annotations=[{"page": 1, "kind": kind, "color": [1, 1, 0]}],
            geometries=geometries,
        )
    assert caught.value.code == "bad_annotation"
    assert not (tmp_path / "out.pdf").exists()

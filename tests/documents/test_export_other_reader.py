# ruff: noqa: F811 (pytest fixtures imported from test_annotations_api)
"""The annotated export opened by another PDF library than the one that wrote it.

"Tải bản có ghi chú" promises a file whose notes open, and stay editable, in
ordinary PDF readers. PyMuPDF wrote it; pypdf (pure Python, its own parser)
reads it back here: every annotation is a real /Annot of the standard subtype
on its page, named with our id, with its text, and the file has no errors a
strict parser would refuse.
"""

from __future__ import annotations

import uuid

import pypdf

from tests.documents.test_annotations import PDF_WORD, ink
from tests.documents.test_annotations_api import (  # noqa: F401
    _export,
    doc,
    post_json,
    save_url,
)


def test_another_reader_finds_every_annotation_with_its_kind_page_and_text(
    client, cast, doc, tmp_path
):
    client.force_login(cast.delegate)
    sent = {
        "/Highlight": {
            "page": 2,
            "kind": "highlight",
            "geometry": {"quads": [PDF_WORD]},
        },
        "/Ink": ink(page=1, points=[[0.1, 0.5], [0.2, 0.55], [0.35, 0.52]]),
        "/Text": {
            "page": 1,
            "kind": "note",
            "text": "Cần làm rõ số liệu",
            "geometry": {"point": [0.6, 0.3]},
        },
        "/FreeText": {
            "page": 2,
            "kind": "freetext",
            "text": "Đề nghị bổ sung",
            "geometry": {"rect": [0.5, 0.6, 0.9, 0.7], "size": 12},
        },
    }
    names = {}
    for subtype, data in sent.items():
        pk = uuid.uuid4()
        names[str(pk)] = subtype
        assert post_json(client, save_url(doc, pk), data).status_code == 200

    reader = pypdf.PdfReader(_export(client, doc, tmp_path), strict=True)
    found = {}
    for number, page in enumerate(reader.pages, start=1):
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot["/Subtype"] == "/Popup":
                continue  # a note's pop-up window, part of the /Text annotation
            found[str(annot["/NM"])] = (
                str(annot["/Subtype"]),
                number,
                str(annot.get("/Contents", "")),
                str(annot.get("/T", "")),
            )
    assert {name: kind for name, (kind, *_rest) in found.items()} == names
    for kind, page, contents, title in found.values():
        assert page == sent[kind]["page"]
        assert contents == sent[kind].get("text", contents)
        assert title == cast.delegate.get_full_name()

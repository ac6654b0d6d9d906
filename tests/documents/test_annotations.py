"""Annotations: saving (idempotent), refusals, visibility, delete and undo."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from documents import actions as doc_actions
from documents import annotation_queries as aq
from documents import annotations as ann
from documents.models import Annotation, AnnotationVisibility, Classification
from nghisu.errors import ActionError, NotFound
from tests.documents import pdf_builders as B

# "Hello PDF" in Helvetica 24 at (72, 720) on an A4 page: the word "PDF" sits
# at about x 0.228..0.300 and y 0.118..0.150 of the displayed page.
PDF_WORD = [0.225, 0.11, 0.31, 0.16]


@pytest.fixture
def doc(cast, make_document):
    """An HĐND document of 3 pages that every HĐND member may annotate."""
    document = make_document(cast.secretary, body=cast.hdnd, data=B.text_pdf(3))
    doc_actions.grant(
        cast.secretary,
        document,
        groups=[cast.hdnd.group],
        perms=("view_document", "annotate_document"),
    )
    return document


@pytest.fixture
def meeting(cast, doc):
    """A published HĐND session with ``doc`` on its agenda, the members invited."""
    from meetings import actions
    from meetings.models import MeetingKind

    start = timezone.now() + datetime.timedelta(days=3)
    meeting = actions.create_meeting(
        cast.secretary,
        body=cast.hdnd,
        title="Kỳ họp thứ mười hai",
        kind=MeetingKind.HDND_REGULAR,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=4),
        place="Hội trường tỉnh",
    )
    item = actions.add_item(cast.secretary, meeting, title="Tờ trình dự toán")
    actions.attach_documents(cast.secretary, item, [doc])
    actions.invite_members(cast.secretary, meeting)
    actions.publish_meeting(cast.secretary, meeting)
    return meeting


def ink(page=1, points=None, **extra):
    points = points or [[0.1, 0.1], [0.2, 0.25], [0.3, 0.2]]
    return {
        "page": page,
        "kind": "ink",
        "color": "#1060d0",
        "geometry": {"strokes": [points], "width": 0.004},
        **extra,
    }


def save(user, doc, data, annotation_id=None):
    return ann.save_annotation(
        user, doc.latest_version, annotation_id or uuid.uuid4(), data
    )


def test_delegate_saves_ink_private_by_default(cast, doc):
    row, changed = save(cast.delegate, doc, ink())
    assert changed
    row.refresh_from_db()
    assert row.author == cast.delegate and row.page == 1 and row.kind == "ink"
    assert row.visibility == AnnotationVisibility.PRIVATE
    assert row.geometry["strokes"][0][1] == [0.2, 0.25]


def test_replayed_save_changes_nothing_and_returns_the_same_row(cast, doc):
    pk = uuid.uuid4()
    first, _ = save(cast.delegate, doc, ink(), pk)
    again, changed = save(cast.delegate, doc, ink(), pk)
    assert not changed and again.pk == first.pk
    assert again.updated_at == first.updated_at
    assert Annotation.objects.count() == 1


def test_newer_rev_edits_and_older_rev_is_refused_as_stale(cast, doc):
    pk = uuid.uuid4()
    save(cast.delegate, doc, ink(color="#111111", rev=1), pk)
    row, changed = save(cast.delegate, doc, ink(color="#222222", rev=2), pk)
    assert changed and row.color == "#222222"
    # The same rev again with the same content is a replay: nothing changes.
    again, changed = save(cast.delegate, doc, ink(color="#222222", rev=2), pk)
    assert not changed and again.updated_at == row.updated_at
    # An edit made from an older revision (elsewhere) is refused, clearly.
    for stale in (ink(color="#111111", rev=1), ink(color="#333333", rev=2)):
        with pytest.raises(ActionError) as refused:
            save(cast.delegate, doc, stale, pk)
        assert refused.value.code == "stale"
        assert "đã được sửa ở nơi khác" in refused.value.message
    stored = Annotation.objects.get(pk=pk)
    assert stored.color == "#222222" and stored.rev == 2


def note(text="Cần làm rõ", point=(0.5, 0.5), **extra):
    return {
        "page": 1,
        "kind": "note",
        "color": "#d0201a",
        "text": text,
        "geometry": {"point": list(point)},
        **extra,
    }


def test_author_edits_a_notes_text_and_moves_it(cast, doc):
    pk = uuid.uuid4()
    save(cast.delegate, doc, note(rev=1), pk)
    row, changed = save(cast.delegate, doc, note("Đã sửa: làm rõ nguồn thu", rev=2), pk)
    assert changed and row.text == "Đã sửa: làm rõ nguồn thu"
    row, changed = save(
        cast.delegate, doc, note(row.text, point=(0.2, 0.8), page=2, rev=3), pk
    )
    row.refresh_from_db()
    assert changed and row.geometry == {"point": [0.2, 0.8]} and row.page == 2
    assert row.rev == 3 and Annotation.objects.count() == 1


def test_a_free_text_box_is_edited_and_moved(cast, doc):
    pk = uuid.uuid4()
    box = {"rect": [0.1, 0.1, 0.4, 0.2], "size": 12}
    data = {"page": 1, "kind": "freetext", "text": "Hộp chữ", "geometry": box}
    save(cast.delegate, doc, {**data, "rev": 1}, pk)
    moved = {"rect": [0.5, 0.6, 0.8, 0.7], "size": 12}
    row, changed = save(
        cast.delegate,
        doc,
        {**data, "text": "Hộp chữ đã sửa", "geometry": moved, "rev": 2},
        pk,
    )
    row.refresh_from_db()
    assert changed and row.text == "Hộp chữ đã sửa" and row.geometry == moved


def test_a_bad_edit_changes_nothing(cast, doc):
    pk = uuid.uuid4()
    save(cast.delegate, doc, note(rev=1), pk)
    for bad in (note("   ", rev=2), note(point=(1.5, 0.2), rev=2)):
        with pytest.raises(ActionError):
            save(cast.delegate, doc, bad, pk)
    row = Annotation.objects.get(pk=pk)
    assert row.text == "Cần làm rõ" and row.rev == 1
    assert row.geometry == {"point": [0.5, 0.5]}


def test_highlight_quotes_the_selected_words(cast, doc):
    row, _ = save(
        cast.delegate,
        doc,
        {"page": 2, "kind": "highlight", "geometry": {"quads": [PDF_WORD]}},
    )
    assert row.quoted_text == "PDF"


@pytest.mark.parametrize(
    ("data", "code", "needle"),
    [
        (ink(points=[[0.1, 1.2]]), "out_of_page", "từ 0 đến 1"),
        (ink(points=[[-0.01, 0.5]]), "out_of_page", "từ 0 đến 1"),
        (ink(points=[[float("nan"), 0.5]]), "bad_coordinates", "NaN"),
        (ink(points=[[0.5, float("inf")]]), "bad_coordinates", "vô hạn"),
        (ink(points=[["0.5", 0.5]]), "bad_coordinates", "phải là số"),
        (ink(points=[[0.5, 0.5]] * 100_000), "too_large", "quá dài"),
        (ink(points=[[0.5, 0.5]] * 5_001), "too_large", "5.000"),
        (ink(page=4), "bad_page", "không có trong tài liệu"),
        (ink(page=0), "bad_page", "Số trang"),
        (ink(color="red"), "bad_color", "Màu"),
        ({"page": 1, "kind": "stamp", "geometry": {}}, "bad_kind", "Loại"),
        (
            {"page": 1, "kind": "note", "text": "", "geometry": {"point": [0.5, 0.5]}},
            "bad_text",
            "nội dung",
        ),
        (
            {
                "page": 1,
                "kind": "highlight",
                "geometry": {"quads": [[0.5, 0.5, 0.4, 0.6]]},
            },
            "bad_geometry",
            "rỗng",
        ),
        (
            {
                "page": 1,
                "kind": "freetext",
                "text": "x",
                "geometry": {"rect": [0.1, 0.1, 0.3, 0.2], "size": 500},
            },
            "bad_geometry",
            "Cỡ chữ",
        ),
        (ink(visibility="meeting"), "bad_visibility", "cuộc họp"),
        (ink(visibility="users", sharedWith=[]), "bad_visibility", "chọn người"),
    ],
)
def test_bad_input_is_refused_in_vietnamese_and_nothing_is_stored(
    cast, doc, data, code, needle
):
    with pytest.raises(ActionError) as excinfo:
        save(cast.delegate, doc, data)
    assert excinfo.value.code == code
    assert needle.lower() in excinfo.value.message.lower()
    assert Annotation.objects.count() == 0


def test_a_stroke_of_5000_points_is_accepted(cast, doc):
    points = [[i / 5000, 0.5] for i in range(5000)]
    row, _ = save(cast.delegate, doc, ink(points=points))
    assert len(row.geometry["strokes"][0]) == 5000


def test_more_than_2000_annotations_on_one_page_are_refused(cast, doc, monkeypatch):
    version = doc.latest_version
    Annotation.objects.bulk_create(
        Annotation(
            pk=uuid.uuid4(),
            author=cast.delegate,
            version=version,
            page=1,
            kind="note",
            text="n",
            geometry={"point": [0.5, 0.5]},
        )
        for _ in range(ann.MAX_PER_PAGE)
    )
    with pytest.raises(ActionError) as excinfo:
        save(cast.delegate, doc, ink())
    assert excinfo.value.code == "too_many" and "2.000" in excinfo.value.message
    assert Annotation.objects.count() == ann.MAX_PER_PAGE
    # Another page, and another user on the same page, are not limited.
    save(cast.delegate, doc, ink(page=2))
    save(cast.delegate2, doc, ink(page=1))


def test_users_who_cannot_view_the_version_get_404(cast, doc):
    for user in (cast.outsider, cast.ubnd_member):
        with pytest.raises(NotFound):
            aq.access_annotatable_version(user, doc.pk, 1)
    with pytest.raises(NotFound):
        aq.access_annotatable_version(cast.delegate, doc.pk, 9)


def test_viewing_without_annotate_right_is_refused(cast, make_document):
    document = make_document(cast.secretary, body=cast.hdnd, data=B.text_pdf(1))
    doc_actions.grant(cast.secretary, document, users=[cast.delegate])
    _, version = aq.access_annotatable_version(cast.delegate, document.pk, 1)
    with pytest.raises(ActionError) as excinfo:
        ann.save_annotation(cast.delegate, version, uuid.uuid4(), ink())
    assert (
        excinfo.value.code == "forbidden" and "quyền ghi chú" in excinfo.value.message
    )
    assert Annotation.objects.count() == 0


def test_editing_or_deleting_someone_elses_annotation_is_404(cast, doc):
    pk = uuid.uuid4()
    save(cast.delegate, doc, ink(color="#111111"), pk)
    with pytest.raises(NotFound):
        save(cast.delegate2, doc, ink(color="#222222", rev=5), pk)
    with pytest.raises(NotFound):
        ann.delete_annotation(cast.chair, pk)
    row = Annotation.objects.get(pk=pk)
    assert row.color == "#111111" and row.deleted_at is None and row.rev == 1


def test_delete_and_undo_are_idempotent(cast, doc):
    row, _ = save(cast.delegate, doc, ink())
    ann.delete_annotation(cast.delegate, row.pk)
    ann.delete_annotation(cast.delegate, row.pk)
    assert list(aq.visible_annotations(cast.delegate, doc.latest_version)) == []
    ann.restore_annotation(cast.delegate, row.pk)
    ann.restore_annotation(cast.delegate, row.pk)
    assert [
        a.pk for a in aq.visible_annotations(cast.delegate, doc.latest_version)
    ] == [row.pk]


def test_private_annotations_are_read_only_by_their_author(cast, doc):
    row, _ = save(cast.delegate, doc, ink())
    version = doc.latest_version
    assert list(aq.visible_annotations(cast.delegate, version)) == [row]
    for other in (cast.delegate2, cast.chair, cast.secretary, cast.outsider):
        assert list(aq.visible_annotations(other, version)) == []


def test_meeting_share_reaches_participants_only(cast, doc, meeting):
    row, _ = save(cast.delegate, doc, ink(visibility="meeting", meeting=meeting.pk))
    version = doc.latest_version
    for reader in (cast.delegate2, cast.chair, cast.secretary):
        assert list(aq.visible_annotations(reader, version)) == [row]
    for reader in (cast.ubnd_member, cast.outsider):
        assert list(aq.visible_annotations(reader, version)) == []


def test_sharing_with_a_meeting_one_does_not_attend_is_refused(cast, doc, meeting):
    from meetings.models import Participant

    Participant.objects.filter(meeting=meeting, user=cast.delegate).delete()
    with pytest.raises(ActionError) as excinfo:
        save(cast.delegate, doc, ink(visibility="meeting", meeting=meeting.pk))
    assert "tham dự" in excinfo.value.message
    assert Annotation.objects.count() == 0


def test_users_share_reaches_the_chosen_people_only(cast, doc):
    row, _ = save(
        cast.delegate, doc, ink(visibility="users", sharedWith=[cast.delegate2.pk])
    )
    version = doc.latest_version
    assert list(aq.visible_annotations(cast.delegate2, version)) == [row]
    assert list(aq.visible_annotations(cast.chair, version)) == []
    # Made private again: the chosen person no longer sees it.
    save(cast.delegate, doc, ink(rev=2), row.pk)
    assert list(aq.visible_annotations(cast.delegate2, version)) == []


def test_public_document_needs_an_annotate_grant(cast, make_document):
    document = make_document(
        cast.secretary,
        body=cast.hdnd,
        data=B.text_pdf(1),
        classification=Classification.PUBLIC,
    )
    _, version = aq.access_annotatable_version(cast.outsider, document.pk, 1)
    with pytest.raises(ActionError):
        ann.save_annotation(cast.outsider, version, uuid.uuid4(), ink())


def test_sharing_with_a_meeting_without_the_document_is_refused(
    cast, doc, make_document, meeting
):
    other = make_document(cast.secretary, body=cast.hdnd, data=B.text_pdf(1))
    doc_actions.grant(
        cast.secretary, other, users=[cast.delegate], perms=("annotate_document",)
    )
    with pytest.raises(ActionError) as excinfo:
        save(cast.delegate, other, ink(visibility="meeting", meeting=meeting.pk))
    assert "chương trình" in excinfo.value.message
    assert Annotation.objects.count() == 0


@pytest.fixture
def frames(monkeypatch):
    """What the room transport would send (it leaves the process), decoded."""
    import json

    from realtime import transport

    sent = []
    monkeypatch.setattr(
        transport,
        "send",
        lambda message: sent.append((message, json.loads(message["f"]))),
    )
    return sent


def test_shared_annotations_go_to_the_room_and_private_ones_never(
    cast, doc, meeting, frames, django_capture_on_commit_callbacks
):
    from documents.annotation_queries import sharing_meetings

    assert sharing_meetings(cast.delegate, doc) == [
        {"id": meeting.pk, "title": meeting.title, "live": False}
    ]
    assert sharing_meetings(cast.ubnd_member, doc) == []
    with django_capture_on_commit_callbacks(execute=True):
        private, _ = save(cast.delegate, doc, ink(text="riêng tư"))
        ann.delete_annotation(cast.delegate, private.pk)
    assert frames == []
    pk = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        save(
            cast.delegate,
            doc,
            ink(visibility="meeting", meeting=meeting.pk, text="nội dung chung"),
            pk,
        )
    # Never to the room as a whole: to the sockets of its readers in the room,
    # the others' copy and the author's own (for their other tablets).
    (others, event), (author, own) = frames
    readers = set(
        meeting.participants.exclude(user=cast.delegate).values_list(
            "user_id", flat=True
        )
    )
    assert readers and cast.delegate.pk not in readers
    assert (others["k"], others["m"], set(others["u"])) == (
        "private",
        meeting.pk,
        readers,
    )
    assert (author["k"], author["m"], author["u"]) == (
        "private",
        meeting.pk,
        cast.delegate.pk,
    )
    assert event["type"] == own["type"] == "annotation.changed"
    assert (event["document"], event["version"]) == (doc.pk, 1)
    assert event["annotation"]["id"] == str(pk) and "seq" not in event
    assert event["annotation"]["text"] == "nội dung chung"
    assert event["annotation"]["mine"] is False and own["annotation"]["mine"] is True
    assert "sharedWith" not in event["annotation"]
    frames.clear()
    with django_capture_on_commit_callbacks(execute=True):
        save(cast.delegate, doc, ink(rev=2, text="giờ là riêng tư"), pk)
    ((message, event),) = frames
    assert message["k"] == "private" and set(message["u"]) == readers | {
        cast.delegate.pk
    }
    assert event == {
        "type": "annotation.removed",
        "document": doc.pk,
        "version": 1,
        "id": str(pk),
    }
    assert "riêng tư" not in message["f"]


def pages_pdf(texts: list[str]) -> bytes:
    """A PDF with one Helvetica line per page, each page its own text."""
    objects: list[str | bytes] = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for text in texts:
        objects.append(B._stream(f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()))
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {len(objects)} 0 R >>"
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(texts)} >>"
    return B.build_pdf(objects)


def test_annotations_carry_to_a_new_version_where_the_page_text_is_unchanged(
    cast, doc, meeting, frames, django_capture_on_commit_callbacks
):
    from tests.documents.conftest import upload_file

    on_one, _ = save(
        cast.delegate, doc, ink(page=1, visibility="meeting", meeting=meeting.pk)
    )
    on_two, _ = save(cast.delegate, doc, ink(page=2))
    save(cast.delegate, doc, ink(page=3))
    save(cast.delegate2, doc, ink(page=1))
    old = doc.latest_version
    with django_capture_on_commit_callbacks(execute=True):
        new = doc_actions.add_version(
            cast.secretary,
            doc,
            uploaded_file=upload_file("v2.pdf", pages_pdf(["Hello PDF", "Changed"])),
        )
    new.refresh_from_db()
    doc.refresh_from_db()
    assert aq.carry_offers(cast.delegate, new) == [{"version": 1, "count": 3}]
    assert aq.carry_offers(cast.delegate, old) == []
    frames.clear()
    with django_capture_on_commit_callbacks(execute=True):
        carried = ann.carry_annotations(cast.delegate, old, new)
    # Page 1 is unchanged; page 2 changed its text; page 3 is gone.
    assert [(a.page, a.geometry) for a in carried] == [(1, on_one.geometry)]
    assert carried[0].visibility == "meeting" and carried[0].author == cast.delegate
    assert {event["type"] for _m, event in frames} == {"annotation.changed"}
    assert {m["k"] for m, _event in frames} == {"private"}
    again = ann.carry_annotations(cast.delegate, old, new)
    assert again == [] and Annotation.objects.filter(version=new).count() == 1
    assert Annotation.objects.filter(version=old).count() == 4
    with pytest.raises(ActionError):
        ann.carry_annotations(cast.delegate, new, old)

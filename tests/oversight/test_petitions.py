"""Voters' petitions: entry, merging, forwarding (a work assignment), the
agency's answer, resolution, overdue, statuses, search; the Excel import."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nghisu.errors import ActionError, NotFound
from oversight import actions, queries
from oversight.models import Petition, PetitionPlace, PetitionStatus
from tests.oversight.conftest import in_days
from work.models import Assignment, AssignmentStatus, Notification

pytestmark = pytest.mark.django_db


def _refused(code: str, func, *args, **kwargs) -> ActionError:
    with pytest.raises(ActionError) as info:
        func(*args, **kwargs)
    assert info.value.code == code and info.value.message
    return info.value


def _add(cast, period, text, *, agency=None, place="Xã Chiềng Mung", field="Y tế"):
    return actions.create_petitions(
        cast.secretary,
        period,
        [
            {
                "text": text,
                "field": field,
                "agency": agency,
                "places": [
                    actions.PlaceInput(
                        place, datetime.date(2026, 11, 2), "Cầm Văn Đông"
                    )
                ],
            }
        ],
    )[0]


def _status(petition) -> str:
    return (
        Petition.objects.annotate(s=queries.petition_status_case())
        .values_list("s", flat=True)
        .get(pk=petition.pk)
    )


def test_petitions_are_numbered_and_need_a_place(cast, period, agencies):
    first = _add(cast, period, "Sửa đường liên xã", agency=agencies.health)
    second = _add(cast, period, "Thêm giáo viên", agency=agencies.education)
    assert (first.number, second.number) == (1, 2)
    _refused(
        "required",
        actions.create_petitions,
        cast.secretary,
        period,
        [{"text": "Thiếu nơi", "places": []}],
    )
    _refused(
        "forbidden",
        actions.create_petitions,
        cast.delegate,
        period,
        [{"text": "x", "places": [actions.PlaceInput("Xã A")]}],
    )
    assert Petition.objects.count() == 2


def test_the_same_petition_from_several_places_is_kept_once(cast, period, agencies):
    one = _add(cast, period, "Nâng cấp trạm y tế", place="Xã Mường Bú")
    two = _add(cast, period, "Nâng cấp trạm y tế xã", place="Xã Tạ Bú")
    actions.merge_petitions(cast.secretary, one, [two])
    assert set(
        PetitionPlace.objects.filter(petition=one).values_list("place", flat=True)
    ) == {
        "Xã Mường Bú",
        "Xã Tạ Bú",
    }
    assert [p.pk for p in queries.period_petitions(period)] == [one.pk]
    _refused("invalid", actions.merge_petitions, cast.secretary, one, [two])


def test_forwarding_uses_the_assignment_and_the_status_follows_it(
    cast, period, agencies
):
    petition = _add(cast, period, "Cấp thuốc cho trạm y tế", agency=agencies.health)
    orphan = _add(cast, period, "Chưa có cơ quan")
    assert _status(petition) == PetitionStatus.PENDING
    _refused(
        "no_agency",
        actions.forward_petitions,
        cast.secretary,
        [petition, orphan],
        due=in_days(15),
    )
    assert not Assignment.objects.exists()  # nothing sent
    _refused(
        "deadline_past",
        actions.forward_petitions,
        cast.secretary,
        [petition],
        due=in_days(-1),
    )
    actions.forward_petitions(cast.secretary, [petition], due=in_days(15))
    petition.refresh_from_db()
    assignment = petition.assignment
    assert assignment.assignee_user == agencies.health_director
    assert Notification.objects.filter(
        recipient=agencies.health_director, kind="assignment.assigned"
    ).exists()
    assert _status(petition) == PetitionStatus.FORWARDED
    _refused(
        "invalid", actions.forward_petitions, cast.secretary, [petition], due=in_days(9)
    )
    # Only the official it went to answers.
    petition = queries.access_petition(agencies.health_director, petition.pk)
    _refused(
        "forbidden",
        actions.answer_petition,
        agencies.education_director,
        petition,
        text="Trả lời",
    )
    actions.answer_petition(
        agencies.health_director, petition, text="Đã cấp bổ sung thuốc thiết yếu."
    )
    assert _status(petition) == PetitionStatus.ANSWERED
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.AWAITING
    actions.resolve_petition(cast.secretary, petition)
    assert _status(petition) == PetitionStatus.RESOLVED


def test_an_unanswered_petition_past_its_due_date_is_overdue_and_reminded(
    cast, period, agencies
):
    from work.actions import mark_overdue_assignments

    petition = _add(cast, period, "Hỗ trợ giống cây trồng", agency=agencies.health)
    actions.forward_petitions(cast.secretary, [petition], due=in_days(1))
    Assignment.objects.filter(petition=petition).update(deadline=in_days(-1))
    assert _status(petition) == PetitionStatus.OVERDUE
    assert mark_overdue_assignments() == 1
    assert Notification.objects.filter(
        recipient=agencies.health_director, kind="assignment.overdue"
    ).exists()


def test_who_sees_a_petition(cast, period, agencies):
    petition = _add(cast, period, "Sửa cầu treo", agency=agencies.health)
    assert queries.access_petition(agencies.health_director, petition.pk)
    assert queries.access_petition(cast.delegate, petition.pk)  # a member
    for user in (agencies.education_director, cast.outsider, cast.ubnd_member):
        with pytest.raises(NotFound):
            queries.access_petition(user, petition.pk)
    with pytest.raises(NotFound):
        queries.access_period(agencies.health_director, period.pk)


def test_search_ignores_accents_over_petitions_and_answers(cast, period, agencies):
    road = _add(
        cast, period, "Nâng cấp đường giao thông nông thôn", agency=agencies.health
    )
    _add(cast, period, "Thêm giáo viên mầm non")
    assert [
        p.pk for p in queries.period_petitions(period, query="duong giao thong")
    ] == [road.pk]
    actions.forward_petitions(cast.secretary, [road], due=in_days(5))
    road = queries.access_petition(agencies.health_director, road.pk)
    actions.answer_petition(
        agencies.health_director, road, text="Đã bố trí vốn năm 2027."
    )
    assert [p.pk for p in queries.period_petitions(period, query="BO TRI VON")] == [
        road.pk
    ]
    assert queries.period_petitions(period, status="answered")[0].pk == road.pk


# --- the Excel import ---------------------------------------------------------------
def _xlsx(rows) -> SimpleUploadedFile:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(
        [
            "Nội dung kiến nghị",
            "Lĩnh vực",
            "Cơ quan trả lời",
            "Nơi tiếp xúc",
            "Ngày tiếp xúc",
            "Đại biểu tham dự",
        ]
    )
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(
        "kien-nghi.xlsx",
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


ROWS = [
    [
        "Sửa đường liên bản",
        "Giao thông",
        "Sở Y tế",
        "Xã Chiềng Mung",
        datetime.date(2026, 11, 2),
        "Cầm Văn Đông",
    ],
    ["", "Y tế", "Sở Y tế", "Xã Mường Bon", "03/11/2026", ""],
    [
        "Thêm phòng học",
        "Giáo dục",
        "SGDĐT",
        "Xã Mường Bon",
        "03/11/2026",
        "Quàng Thị Ánh",
    ],
    ["Hỗ trợ điện", "Năng lượng", "Sở Điện lực", "Xã Cò Nòi", "04/11/2026", ""],
    ["Cấp nước sạch", "Nước", "", "Xã Cò Nòi", "31/02/2026", ""],
    ["Chưa có nơi", "Khác", "", "", "", ""],
]


def test_an_import_with_bad_rows_imports_nothing_and_names_each_row(
    cast, period, agencies
):
    result = actions.import_petitions(cast.secretary, period, _xlsx(ROWS))
    assert result.created == 0 and result.good == 2
    assert [(e.row, e.message) for e in result.errors] == [
        (3, "Dòng 3: Thiếu nội dung kiến nghị."),
        (5, 'Dòng 5: Không tìm thấy cơ quan trả lời "Sở Điện lực".'),
        (6, 'Dòng 6: Ngày tiếp xúc "31/02/2026" không hợp lệ (dùng ngày/tháng/năm).'),
        (7, "Dòng 7: Thiếu nơi tiếp xúc cử tri."),
    ]
    assert not Petition.objects.exists()


def test_the_secretary_may_import_the_good_rows(cast, period, agencies):
    result = actions.import_petitions(
        cast.secretary, period, _xlsx(ROWS), import_good=True
    )
    assert result.created == 2 and len(result.errors) == 4
    rows = queries.period_petitions(period)
    assert [p.agency for p in rows] == [agencies.health, agencies.education]
    assert rows[1].places.get().held_on == datetime.date(2026, 11, 3)


def test_a_clean_file_imports_everything(cast, period, agencies):
    result = actions.import_petitions(cast.secretary, period, _xlsx([ROWS[0], ROWS[2]]))
    assert result.ok and result.created == 2


def test_an_unreadable_file_is_refused(cast, period):
    bad = SimpleUploadedFile("x.xlsx", b"not a workbook")
    _refused("bad_file", actions.import_petitions, cast.secretary, period, bad)
    _refused("forbidden", actions.import_petitions, cast.delegate, period, _xlsx([]))

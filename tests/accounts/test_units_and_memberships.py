"""Unit tree and membership rules, through the real actions."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from accounts import actions
from accounts.models import BodyKind, Membership, Position, UnitLevel
from accounts.queries import current_members, member_count
from nghisu.errors import ActionError
from nghisu.text import fold

D = datetime.date


def test_fold_ignores_case_diacritics_and_normal_form():
    composed = "Nghị quyết Đoàn"
    decomposed = "Nghi\u0323 quye\u0302\u0301t \u0110oa\u0300n"
    assert fold(composed) == fold(decomposed) == "nghi quyet doan"


@pytest.fixture
def levels(db):
    return (
        UnitLevel.objects.create(code="tinh", name="Tỉnh", rank=1),
        UnitLevel.objects.create(code="xa", name="Xã", rank=2),
    )


def test_a_commune_sits_under_a_province(levels):
    province_level, commune_level = levels
    province = actions.create_unit("Tỉnh Sơn La", code="14", level=province_level)
    commune = actions.create_unit(
        "Xã Mường Bú", code="04018", level=commune_level, parent=province
    )
    assert commune.ancestors() == [province]
    assert list(province.children.all()) == [commune]


def test_a_province_cannot_sit_under_a_commune(levels):
    province_level, commune_level = levels
    commune = actions.create_unit("Xã Mường Bú", code="04018", level=commune_level)
    with pytest.raises(ActionError) as err:
        actions.create_unit(
            "Tỉnh Sơn La", code="14", level=province_level, parent=commune
        )
    assert err.value.code == "bad_level"
    assert "Tỉnh" in err.value.message


def test_a_unit_cannot_become_its_own_ancestor(levels):
    province_level, _ = levels
    top = actions.create_unit("A", code="1", level=province_level)
    with pytest.raises(ActionError) as err:
        actions.move_unit(top, parent=top)
    assert err.value.code == "cycle"


def test_unit_codes_are_unique(levels):
    actions.create_unit("Tỉnh Sơn La", code="14", level=levels[0])
    with pytest.raises(ActionError, match="đã được dùng"):
        actions.create_unit("Tỉnh khác", code="14", level=levels[0])


def test_a_committee_must_belong_to_a_peoples_council(cast):
    with pytest.raises(ActionError) as err:
        actions.create_body(
            cast.province, kind=BodyKind.BAN, name="Ban Pháp chế", parent=cast.ubnd
        )
    assert err.value.code == "bad_parent"
    ban = actions.create_body(
        cast.province, kind=BodyKind.BAN, name="Ban Pháp chế", parent=cast.hdnd
    )
    assert ban.parent == cast.hdnd and ban.group.name == f"body:{ban.pk}:members"


def test_membership_end_before_start_is_refused_and_changes_nothing(cast):
    before = Membership.objects.count()
    with pytest.raises(ActionError) as err:
        actions.add_membership(
            cast.ubnd,
            cast.outsider,
            position=Position.MEMBER,
            start_date=D(2024, 5, 1),
            end_date=D(2024, 4, 1),
        )
    assert err.value.code == "bad_dates"
    assert Membership.objects.count() == before


def test_one_current_membership_per_user_and_body(cast):
    with pytest.raises(ActionError) as err:
        actions.add_membership(cast.hdnd, cast.delegate, position=Position.VICE_CHAIR)
    assert err.value.code == "overlap"
    assert "Cầm Văn Đông" in err.value.message


def test_consecutive_memberships_do_not_overlap(cast):
    user = cast.outsider
    first = actions.add_membership(
        cast.ubnd,
        user,
        position=Position.MEMBER,
        start_date=D(2016, 7, 1),
        end_date=D(2021, 6, 30),
    )
    second = actions.add_membership(
        cast.ubnd, user, position=Position.VICE_CHAIR, start_date=D(2021, 7, 1)
    )
    assert not first.is_current() and second.is_current()


def test_the_database_refuses_two_open_memberships(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=cast.delegate,
            body=cast.hdnd,
            position=Position.MEMBER,
            start_date=D(2025, 1, 1),
        )


def test_the_members_group_follows_memberships(cast):
    def group_users():
        return set(cast.hdnd.group.user_set.values_list("username", flat=True))

    assert group_users() == {"chutoa", "thuky", "daibieu01", "daibieu02"}

    membership = actions.add_membership(
        cast.hdnd, cast.outsider, position=Position.MEMBER
    )
    assert "ngoai" in group_users()

    yesterday = membership.start_date - datetime.timedelta(days=1)
    membership.start_date = yesterday - datetime.timedelta(days=10)
    membership.save()
    actions.end_membership(membership, end_date=yesterday)
    assert "ngoai" not in group_users()


def test_a_membership_starting_later_joins_the_group_on_its_day(cast):
    start = D(2030, 1, 1)
    actions.add_membership(
        cast.ubnd, cast.outsider, position=Position.MEMBER, start_date=start
    )
    assert not cast.ubnd.group.user_set.filter(pk=cast.outsider.pk).exists()
    actions.sync_body_group(cast.ubnd, on=start)
    assert cast.ubnd.group.user_set.filter(pk=cast.outsider.pk).exists()


def test_ending_twice_is_refused(cast):
    membership = Membership.objects.get(user=cast.delegate2, body=cast.hdnd)
    actions.end_membership(membership)
    with pytest.raises(ActionError) as err:
        actions.end_membership(membership)
    assert err.value.code == "already_ended"


def test_member_count_leaves_out_secretaries_and_honours_override(cast):
    assert member_count(cast.hdnd) == 3  # chair and two delegates; not the secretary
    cast.hdnd.member_count_override = 55
    assert member_count(cast.hdnd) == 55
    names = [m.user.username for m in current_members(cast.hdnd)]
    assert names[0] == "chutoa" and names[-1] == "thuky"

"""The Sơn La demo: the people the README promises, and idempotent."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Body, Membership, Unit, User


def counts():
    return (
        User.objects.count(),
        Unit.objects.count(),
        Body.objects.count(),
        Membership.objects.count(),
    )


@pytest.mark.django_db
def test_seed_demo_twice_gives_the_same_counts(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    out = capsys.readouterr().out
    assert "nghisu-demo" in out and "thuky" in out

    hdnd = Body.objects.get(name="Hội đồng nhân dân tỉnh Sơn La")
    assert hdnd.memberships.filter(position="member").count() == 55
    assert hdnd.memberships.get(user__username="chutoa").position == "chair"
    assert hdnd.memberships.get(user__username="thuky").position == "secretary"
    ubnd = Body.objects.get(name="Ủy ban nhân dân tỉnh Sơn La")
    usernames = set(ubnd.memberships.values_list("user__username", flat=True))
    assert {"chutich", "vanphong", "thanhvien01", "thanhvien12"} <= usernames
    assert Unit.objects.filter(parent__name="Tỉnh Sơn La").count() == 2
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="daibieu01").check_password("nghisu-demo")
    assert hdnd.group.user_set.count() == 57


@pytest.mark.django_db
def test_seed_demo_is_refused_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo")
    assert User.objects.count() == 0

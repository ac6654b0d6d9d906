"""Signing in and out, the lock-out, idle sessions and the language switch."""

import pytest
from django.urls import reverse

LOGIN = "/accounts/login/"


def post_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_the_login_page_speaks_vietnamese(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Đăng nhập" in html and "Tên đăng nhập" in html and "Mật khẩu" in html


def test_signing_in_leads_home(client, cast):
    response = post_login(client, "thuky", "pw-Test-123!")
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert "Lò Thị Hường" in home.content.decode()


def test_a_wrong_password_says_so_in_vietnamese(client, cast):
    response = post_login(client, "thuky", "wrong-password")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_on_this_device(client, cast, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert post_login(client, "thuky", "nope").status_code == 200
    locked = post_login(client, "thuky", "nope")
    assert locked.status_code == 429
    assert "Tạm khóa đăng nhập" in locked.content.decode()
    # Even the right password is refused while locked, without a traceback.
    again = post_login(client, "thuky", "pw-Test-123!")
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lock_on_one_username_leaves_others_free(client, cast, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "thuky", "nope")
    assert post_login(client, "chutoa", "pw-Test-123!").status_code == 302


def _spray(client, count: int, ip: str) -> list:
    return [
        client.post(
            LOGIN, {"username": f"nguoi{n:02d}", "password": "sai"}, REMOTE_ADDR=ip
        )
        for n in range(count)
    ]


def test_password_spraying_from_one_address_locks_that_address(client, cast, settings):
    """One try on each of many usernames from one address: after the address
    limit every username is refused there, even with the right password; another
    address is unaffected, and the per-username lock still works."""
    settings.AXES_ADDRESS_FAILURE_LIMIT = 20
    answers = _spray(client, 25, "203.0.113.7")
    assert [r.status_code for r in answers[:19]] == [200] * 19
    assert {r.status_code for r in answers[19:]} == {429}
    page = answers[-1].content.decode()
    assert "từ địa chỉ mạng của bạn" in page and "mọi tài khoản" in page
    right = client.post(
        LOGIN,
        {"username": "thuky", "password": "pw-Test-123!"},
        REMOTE_ADDR="203.0.113.7",
    )
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    other = client.post(
        LOGIN,
        {"username": "thuky", "password": "pw-Test-123!"},
        REMOTE_ADDR="198.51.100.4",
    )
    assert other.status_code == 302 and client.session["_auth_user_id"]


def test_the_address_lock_ends_after_the_cool_off(client, cast, settings):
    import datetime

    from axes.models import AccessAttempt
    from django.utils import timezone

    settings.AXES_ADDRESS_FAILURE_LIMIT = 20
    _spray(client, 20, "203.0.113.8")
    cool_off = datetime.timedelta(hours=settings.AXES_COOLOFF_TIME)
    AccessAttempt.objects.update(attempt_time=timezone.now() - 2 * cool_off)
    right = client.post(
        LOGIN,
        {"username": "thuky", "password": "pw-Test-123!"},
        REMOTE_ADDR="203.0.113.8",
    )
    assert right.status_code == 302


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        # No trusted proxy: the header is the client's word, ignored.
        ("203.0.113.9", "1.2.3.4", [], "203.0.113.9"),
        # Behind the proxy: the address the proxy saw, not what the client wrote.
        ("10.0.0.2", "1.2.3.4, 198.51.100.20", ["10.0.0.0/8"], "198.51.100.20"),
        # Two trusted hops are skipped.
        ("10.0.0.2", "198.51.100.21, 10.0.0.3", ["10.0.0.0/8"], "198.51.100.21"),
        # A client connecting directly, past the proxy, is not believed either.
        ("198.51.100.22", "1.2.3.4", ["10.0.0.0/8"], "198.51.100.22"),
        # A trusted proxy without the header: the proxy's own address.
        ("10.0.0.2", "", ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", "junk, 10.0.0.5", ["10.0.0.0/8"], "10.0.0.5"),
    ],
)
def test_the_client_address_trusts_only_configured_proxies(
    rf, settings, remote, forwarded, trusted, expected
):
    from accounts.lockout import client_ip

    settings.TRUSTED_PROXIES = trusted
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_spraying_through_a_trusted_proxy_locks_the_client_not_the_proxy(
    client, cast, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.AXES_ADDRESS_FAILURE_LIMIT = 20
    for n in range(21):
        client.post(
            LOGIN,
            {"username": f"nguoi{n:02d}", "password": "sai"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"7.7.7.{n}, 203.0.113.50",  # left part forged
        )
    locked = client.post(
        LOGIN,
        {"username": "thuky", "password": "pw-Test-123!"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.50",
    )
    assert locked.status_code == 429
    free = client.post(
        LOGIN,
        {"username": "thuky", "password": "pw-Test-123!"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.60",
    )
    assert free.status_code == 302


def test_pages_need_a_signed_in_user(client, db):
    for url in ["/", "/bodies/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


def test_logout_needs_a_post_and_a_get_only_asks(client, cast):
    client.force_login(cast.secretary)
    confirm = client.get("/accounts/logout/")
    assert confirm.status_code == 200 and "Đăng xuất" in confirm.content.decode()
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_a_stale_form_is_refused_in_vietnamese(cast):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "thuky", "password": "pw-Test-123!"})
    assert response.status_code == 403
    assert "Trang đã cũ" in response.content.decode()


def test_sessions_end_after_the_idle_time(client, cast, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    client.force_login(cast.delegate)
    client.get("/")
    assert client.session.get_expiry_age() <= settings.SESSION_COOKIE_AGE


@pytest.mark.parametrize(
    ("language", "expected"), [("vi", "Trang của tôi"), ("en", "My page")]
)
def test_english_is_selectable(client, cast, language, expected):
    client.force_login(cast.delegate)
    response = client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302
    assert expected in client.get("/").content.decode()


async def test_the_idle_refresh_also_works_in_the_async_stack():
    """Under Daphne the middleware runs async; it refreshes only a resolved user."""
    from types import SimpleNamespace

    from accounts.middleware import IdleSessionMiddleware

    async def view(request):
        return "response"

    middleware = IdleSessionMiddleware(view)
    signed_in = SimpleNamespace(is_authenticated=True)
    resolved = SimpleNamespace(session={}, _acached_user=signed_in)
    assert await middleware(resolved) == "response"
    assert resolved.session["_touched"] > 0

    unresolved = SimpleNamespace(session={})
    assert await middleware(unresolved) == "response"
    assert "_touched" not in unresolved.session


def test_an_english_browser_still_gets_vietnamese_until_english_is_chosen(client, cast):
    client.force_login(cast.delegate)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Trang của tôi" in html and "My page" not in html
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "My page" in html and "Meetings" in html and "Documents" in html

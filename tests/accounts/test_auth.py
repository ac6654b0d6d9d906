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

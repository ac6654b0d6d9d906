"""A secretary signs in on a tablet and finds the bodies of Sơn La."""

import pytest

from tests.e2e.conftest import (
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    assert_no_horizontal_scroll,
    login,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("viewport", "name"),
    [(TABLET_PORTRAIT, "portrait"), (TABLET_LANDSCAPE, "landscape")],
)
def test_secretary_signs_in_and_sees_the_bodies(
    live_server, new_context, settings, viewport, name
):
    from django.core.management import call_command

    from accounts.demo import seed_people

    seed_people()
    call_command("compilemessages", "--ignore=.venv", verbosity=0)
    page = new_context(viewport=viewport).new_page()

    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "thuky")
    page.fill("input[name=password]", "sai-mat-khau")
    page.click("button[type=submit]")
    assert (
        page.locator(".errorlist")
        .inner_text()
        .startswith("Tên đăng nhập hoặc mật khẩu")
    )
    screenshot(page, f"foundation-login-error-{name}")

    login(page, live_server.url, "thuky", "nghisu-demo")
    assert page.locator("h1").inner_text() == "Xin chào, Lò Thị Hường"
    assert_no_horizontal_scroll(page)
    screenshot(page, f"foundation-home-{name}")

    page.click("text=Cơ quan")
    assert page.locator("h2", has_text="Tỉnh Sơn La").is_visible()
    assert page.locator("a.row", has_text="Hội đồng nhân dân tỉnh Sơn La").is_visible()
    assert_no_horizontal_scroll(page)
    screenshot(page, f"foundation-bodies-{name}")

    page.click("a.row:has-text('Hội đồng nhân dân tỉnh Sơn La')")
    rows = page.locator("tbody tr")
    assert rows.count() == 57
    assert "Chủ tịch" in rows.first.inner_text()
    assert_no_horizontal_scroll(page)
    for link in page.locator(
        ".topbar a, .topbar button, main a.btn, main button"
    ).all():
        box = link.bounding_box()
        if box and link.is_visible():
            assert box["height"] >= 44, link.inner_text()
    screenshot(page, f"foundation-body-{name}")

    page.click("button:has-text('English')")
    assert page.locator("th", has_text="Full name").is_visible()

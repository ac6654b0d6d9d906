"""Sign-in pages and the pages of bodies (the home page is :mod:`work.home`)."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import actions, queries
from accounts.lockout import client_ip
from nghisu.errors import ActionError


@login_required
def body_list(request):
    return render(
        request, "accounts/body_list.html", {"units": queries.units_with_bodies()}
    )


@login_required
def body_detail(request, body_id: int):
    body = queries.get_body(body_id)
    return render(
        request,
        "accounts/body_detail.html",
        {
            "body": body,
            "members": queries.current_members(body),
            "member_count": queries.member_count(body),
        },
    )


@require_http_methods(["GET", "POST"])
def logout_view(request):
    """GET asks for confirmation; POST signs out (a link cannot sign anyone out)."""
    if request.method == "POST":
        logout(request)
        response = redirect("login")
        # The offline briefcase and every other copy on this device go too
        # (docs/offline.md); the page has already asked its worker to wipe.
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
    if not request.user.is_authenticated:
        return redirect("login")
    return render(request, "registration/logout_confirm.html")


@login_required
@require_POST
def offline_auto_download(request):
    """The briefcase page's switch: ``enabled`` is "1" (on) or "0" (off)."""
    raw = request.POST.get("enabled")
    try:
        if raw not in ("0", "1"):
            raise ActionError(_("Lựa chọn không hợp lệ."))
        actions.set_offline_auto_download(
            request.user,
            request.user,
            enabled=raw == "1",
            ip=client_ip(request),
        )
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Đã bật tự động tải.") if raw == "1" else _("Đã tắt tự động tải."),
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "meetings:briefcase"
    return redirect(target)

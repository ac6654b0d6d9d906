"""Sign-in pages and the pages of bodies (the home page is :mod:`work.home`)."""

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import queries


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

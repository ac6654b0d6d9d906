from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.forms import LoginForm

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", views.logout_view, name="logout"),
    path(
        "accounts/offline-auto-download/",
        views.offline_auto_download,
        name="offline_auto_download",
    ),
    path("bodies/", views.body_list, name="body_list"),
    path("bodies/<int:body_id>/", views.body_detail, name="body_detail"),
]

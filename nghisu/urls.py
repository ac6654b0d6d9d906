from django.contrib import admin
from django.urls import include, path

from documents import certificate_views
from nghisu import metrics, pwa, views
from work import home

urlpatterns = [
    path("", home.home, name="home"),
    path("", include("accounts.urls")),
    path(
        "accounts/certificates/",
        certificate_views.my_certificates,
        name="my_certificates",
    ),
    path(
        "accounts/certificates/<int:cert_id>/remove/",
        certificate_views.remove_certificate,
        name="remove_certificate",
    ),
    path("admin/", admin.site.urls),
    path("documents/", include("documents.urls")),
    path("meetings/", include("meetings.urls")),
    path("meetings/", include("meetings.room_urls")),
    path("", include("work.urls")),
    path("", include("oversight.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.web_manifest, name="web_manifest"),
    path("metrics", metrics.view, name="metrics"),
    path("source/", views.source, name="source"),
]

handler404 = "nghisu.views.not_found"
handler500 = "nghisu.views.server_error"
handler403 = "nghisu.views.forbidden"

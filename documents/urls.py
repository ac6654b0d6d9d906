from django.urls import path

from documents import annotation_views, views, views_pages, views_share

app_name = "documents"

_version = "<int:document_id>/versions/<int:number>/"
_share = "<int:document_id>/share/"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("search/", views.search, name="search"),
    path("picker/", views.picker, name="picker"),
    path("<int:document_id>/", views.document_detail, name="detail"),
    path("<int:document_id>/edit/", views.edit, name="edit"),
    path("<int:document_id>/versions/new/", views.add_version, name="add_version"),
    path(_version, views.document_detail, name="version"),
    path(f"{_version}status/", views.version_status, name="status"),
    path(f"{_version}download/", views_pages.download, name="download"),
    path(f"{_version}pages/<int:page>/", views_pages.page_image, name="page"),
    path(f"{_version}pages/links/", views_pages.page_links, name="page_links"),
    path(f"{_version}pages/<int:page>/words/", views_pages.page_words, name="words"),
    path(_share, views_share.share, name="share"),
    path(f"{_share}find/", views_share.share_find, name="share_find"),
    path(f"{_share}grant/", views_share.share_grant, name="share_grant"),
    path(f"{_share}revoke/", views_share.share_revoke, name="share_revoke"),
    path(f"{_share}offline/", views_share.share_offline, name="share_offline"),
    path(f"{_version}text/", views_pages.version_text, name="text"),
]

_annotation = f"{_version}annotations/<uuid:annotation_id>/"
urlpatterns += [
    path("annotations/", annotation_views.my_annotations, name="my_annotations"),
    path(
        f"{_version}annotations/",
        annotation_views.annotation_list,
        name="annotations",
    ),
    path(
        f"{_version}annotations/audience/",
        annotation_views.annotation_audience,
        name="annotation_audience",
    ),
    path(
        f"{_version}annotations/config/",
        annotation_views.annotation_config,
        name="annotation_config",
    ),
    path(
        f"{_version}annotations/carry/",
        annotation_views.annotation_carry,
        name="annotation_carry",
    ),
    path(_annotation, annotation_views.annotation_save, name="annotation_save"),
    path(
        f"{_annotation}delete/",
        annotation_views.annotation_delete,
        name="annotation_delete",
    ),
    path(
        f"{_annotation}restore/",
        annotation_views.annotation_restore,
        name="annotation_restore",
    ),
    path(
        f"{_version}annotated.pdf",
        annotation_views.annotated_download,
        name="annotated_download",
    ),
]

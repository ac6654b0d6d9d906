from django.urls import include, path

from work import views

work_patterns = [
    path("", views.index, name="index"),
    path(
        "bodies/<int:body_id>/consultations/new/",
        views.consultation_new,
        name="consultation_new",
    ),
    path(
        "consultations/<int:consultation_id>/",
        views.consultation_detail,
        name="consultation_detail",
    ),
    path(
        "consultations/<int:consultation_id>/answer/",
        views.consultation_answer,
        name="consultation_answer",
    ),
    path(
        "consultations/<int:consultation_id>/close/",
        views.consultation_close,
        name="consultation_close",
    ),
    path(
        "consultations/<int:consultation_id>/report.pdf",
        views.consultation_report,
        name="consultation_report",
    ),
    path(
        "consultations/<int:consultation_id>/agenda/",
        views.consultation_agenda,
        name="consultation_agenda",
    ),
    path(
        "bodies/<int:body_id>/assignments/new/",
        views.assignment_new,
        name="assignment_new",
    ),
    path(
        "assignments/<int:assignment_id>/",
        views.assignment_detail,
        name="assignment_detail",
    ),
    path(
        "assignments/<int:assignment_id>/report/",
        views.assignment_report,
        name="assignment_report",
    ),
    path(
        "assignments/<int:assignment_id>/review/",
        views.assignment_review,
        name="assignment_review",
    ),
    path("bodies/<int:body_id>/dashboard/", views.board, name="board"),
    path(
        "bodies/<int:body_id>/dashboard/export.xlsx",
        views.board_export,
        name="board_export",
    ),
]

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path(
        "notifications/<int:notification_id>/open/",
        views.notification_open,
        name="notification_open",
    ),
    path(
        "notifications/read-all/",
        views.notification_read_all,
        name="notification_read_all",
    ),
    path(
        "notifications/preferences/",
        views.notification_preferences,
        name="notification_preferences",
    ),
    path("work/", include((work_patterns, "work"))),
]

from django.urls import path

from meetings import offline_views, views, views_agenda, views_people, views_records

app_name = "meetings"

_m = "<int:meeting_id>/"
_i = f"{_m}items/<int:item_id>/"
_v = f"{_m}minutes/<int:version>/"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_create, name="create"),
    path("archive/", views.archive, name="archive"),
    path(_m, views.meeting_detail, name="detail"),
    path("offline/", offline_views.briefcase, name="briefcase"),
    path("offline/upcoming/", offline_views.upcoming, name="offline_upcoming"),
    path(f"{_m}offline/pack/", offline_views.pack, name="offline_pack"),
    path(f"{_m}offline/check/", offline_views.check, name="offline_check"),
    path(f"{_m}edit/", views.meeting_edit, name="edit"),
    path(f"{_m}delete/", views.meeting_delete, name="delete"),
    path(f"{_m}<str:step>/go/", views.meeting_transition, name="transition"),
    path(f"{_m}respond/", views.respond, name="respond"),
    path(f"{_m}changes/seen/", views.changes_seen, name="changes_seen"),
    path(f"{_m}agenda/", views_agenda.agenda, name="agenda"),
    path(f"{_m}agenda/reorder/", views_agenda.agenda_reorder, name="reorder"),
    path(_i, views_agenda.item_detail, name="item"),
    path(f"{_i}move/", views_agenda.item_move, name="item_move"),
    path(f"{_i}delete/", views_agenda.item_delete, name="item_delete"),
    path(f"{_i}documents/", views_agenda.item_attach, name="item_attach"),
    path(f"{_i}documents/upload/", views_agenda.item_upload, name="item_upload"),
    path(
        f"{_i}documents/<int:document_id>/remove/",
        views_agenda.item_detach,
        name="item_detach",
    ),
    path(f"{_i}conclusion/", views_records.conclusion_record, name="conclusion"),
    path(f"{_m}participants/", views_people.participants, name="participants"),
    path(
        f"{_m}participants/invite-members/",
        views_people.invite_members,
        name="invite_members",
    ),
    path(f"{_m}participants/invite/", views_people.invite, name="invite"),
    path(
        f"{_m}participants/<int:participant_id>/",
        views_people.participant_update,
        name="participant_update",
    ),
    path(
        f"{_m}participants/<int:participant_id>/remove/",
        views_people.participant_remove,
        name="participant_remove",
    ),
    path(f"{_m}attendance/", views_people.attendance, name="attendance"),
    path(f"{_m}check-in/", views_people.check_in, name="check_in_self"),
    path(f"{_m}attendance/check-in/", views_people.check_in_many, name="check_in_many"),
    path(
        f"{_m}attendance/<int:participant_id>/check-in/",
        views_people.check_in,
        name="check_in",
    ),
    path(
        f"{_m}attendance/<int:participant_id>/absent/",
        views_people.mark_absent,
        name="mark_absent",
    ),
    path(f"{_m}conclusions/", views_records.conclusions, name="conclusions"),
    path(f"{_m}minutes/", views_records.minutes, name="minutes"),
    path(f"{_m}minutes/start/", views_records.minutes_start, name="minutes_start"),
    path(f"{_v}save/", views_records.minutes_save, name="minutes_save"),
    path(f"{_v}approve/", views_records.minutes_approve, name="minutes_approve"),
    path(f"{_v}return/", views_records.minutes_return, name="minutes_return"),
    path(f"{_v}pdf/", views_records.minutes_pdf, name="minutes_pdf"),
    path(f"{_v}sign/", views_records.minutes_sign, name="minutes_sign"),
]

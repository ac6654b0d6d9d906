"""URLs of the live room page (the room itself runs on /ws/meetings/<id>/)."""

from django.urls import path

from meetings import room_views

app_name = "room"

urlpatterns = [
    path("<int:meeting_id>/room/", room_views.room_page, name="page"),
    path(
        "<int:meeting_id>/room/votes/<int:vote_id>/cast/",
        room_views.cast,
        name="cast",
    ),
    path(
        "<int:meeting_id>/room/votes/<int:vote_id>/lists/",
        room_views.vote_lists,
        name="lists",
    ),
    path(
        "<int:meeting_id>/room/votes/<int:vote_id>/record.pdf",
        room_views.counting_record,
        name="record",
    ),
]

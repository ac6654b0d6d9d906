"""WebSocket URL routes."""

from django.urls import path, re_path

from realtime import consumers, me

websocket_urlpatterns = [
    path("ws/ping/", consumers.PingConsumer.as_asgi()),
    path("ws/meetings/<int:meeting_id>/", consumers.RoomConsumer.as_asgi()),
    path("ws/me/", me.MeConsumer.as_asgi()),
    # Last: any other address (a meeting id that is not a number, a typo)
    # is closed with 4404 rather than failing in the router.
    re_path(r"", consumers.NotFoundConsumer.as_asgi()),
]

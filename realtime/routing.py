"""WebSocket URL routes."""

from django.urls import path

from realtime import consumers, me

websocket_urlpatterns = [
    path("ws/ping/", consumers.PingConsumer.as_asgi()),
    path("ws/meetings/<int:meeting_id>/", consumers.RoomConsumer.as_asgi()),
    path("ws/me/", me.MeConsumer.as_asgi()),
]

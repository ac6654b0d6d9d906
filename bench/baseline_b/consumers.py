"""The tutorial-pattern room consumer (Channels docs, "Tutorial Part 3")."""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

SEQ = {"n": 0}


@database_sync_to_async
def read_meeting(meeting_id: int) -> dict:
    from meetings.models import Meeting

    meeting = Meeting.objects.get(pk=meeting_id)
    return {"id": meeting.pk, "status": meeting.status}


class RoomConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.meeting_id = self.scope["url_route"]["kwargs"]["meeting_id"]
        self.group = f"room_{self.meeting_id}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send(text_data=json.dumps({"type": "room.state", "seq": SEQ["n"]}))

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        command = json.loads(text_data)
        if command.get("type") != "bench.event":
            return
        meeting = await read_meeting(self.meeting_id)
        SEQ["n"] += 1
        await self.channel_layer.group_send(
            self.group,
            {
                "type": "room.event",
                "event": command["event"],
                "seq": SEQ["n"],
                "meeting": meeting["id"],
            },
        )
        await self.send(text_data=json.dumps({"type": "ack", "id": command.get("id")}))

    async def room_event(self, event):
        await self.send(
            text_data=json.dumps(
                {**event["event"], "seq": event["seq"]},
                ensure_ascii=False,
                separators=(",", ":"),
            )
        )

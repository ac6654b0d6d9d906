"""A bare ASGI application for tests/nghisu/test_serve.py: on connect it sends
one text message of the size asked in the query string (``?size=300000``),
then echoes the size of every message it receives."""

from __future__ import annotations

from urllib.parse import parse_qs


async def application(scope, receive, send):
    if scope["type"] != "websocket":
        return
    size = int(parse_qs(scope["query_string"].decode()).get("size", ["0"])[0])
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": "x" * size})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        await send({"type": "websocket.send", "text": str(len(message["text"]))})

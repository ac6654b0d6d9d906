"""Baseline A, the floor: a bare ``websockets`` server broadcasting ready bytes.

Speaks the shape of the room protocol the clients expect: ``room.state`` with
``seq`` on connect; a ``bench.event`` command from any socket is stamped with
the next ``seq``, serialised once and broadcast to every socket (the sender
too), then answered with ``ack``. No authentication, no database: the cost of
writing the same bytes to the same sockets, and nothing else.

``python -m bench.baseline_a PORT``
"""

from __future__ import annotations

import asyncio
import json
import sys

from websockets.asyncio.server import broadcast, serve

CLIENTS: set = set()
SEQ = 0


async def handler(ws) -> None:
    global SEQ
    CLIENTS.add(ws)
    try:
        await ws.send(json.dumps({"type": "room.state", "seq": SEQ}))
        async for raw in ws:
            command = json.loads(raw)
            if command.get("type") != "bench.event":
                continue
            SEQ += 1
            frame = json.dumps(
                {**command["event"], "seq": SEQ},
                ensure_ascii=False,
                separators=(",", ":"),
            )
            broadcast(CLIENTS, frame)
            await ws.send(json.dumps({"type": "ack", "id": command.get("id")}))
    finally:
        CLIENTS.discard(ws)


async def main(port: int) -> None:
    async with serve(
        handler,
        "127.0.0.1",
        port,
        ping_interval=None,
        compression=None,
        max_size=2**16,
    ):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))

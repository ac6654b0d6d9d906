"""``python -m nghisu.serve``: one command line per ASGI server, same limits."""

from __future__ import annotations

import subprocess
import sys

import pytest

from nghisu import serve
from tests.realtime.servers import ROOT


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_daphne_and_uvicorn_get_the_same_limits():
    daphne = serve.command("daphne", host="0.0.0.0", port=8001)
    uvicorn = serve.command("uvicorn", host="0.0.0.0", port=8001)
    assert daphne[1:3] == ["-m", "realtime.daphne_cli"]  # close frames, not drops
    assert uvicorn[1:3] == ["-m", "uvicorn"]
    assert daphne[-1] == uvicorn[3] == "nghisu.asgi:application"
    # Daphne's limit also bounds what it sends (see the frame test below).
    assert _option(daphne, "--websocket-max-message-size") == str(1024 * 1024)
    assert _option(uvicorn, "--ws-max-size") == "131072"
    assert _option(daphne, "--ping-interval") == _option(uvicorn, "--ws-ping-interval")
    assert _option(daphne, "--ping-timeout") == _option(uvicorn, "--ws-ping-timeout")
    assert _option(uvicorn, "--ws-per-message-deflate") == "false"
    assert "--no-proxy-headers" in uvicorn
    assert _option(daphne, "-e") == "tcp:port=8001:interface=0.0.0.0:backlog=2048"
    assert _option(uvicorn, "--port") == "8001"
    assert _option(uvicorn, "--backlog") == "2048"  # 500 tablets reconnecting at once


def test_an_unknown_server_is_refused_by_name():
    with pytest.raises(ValueError, match="hypercorn"):
        serve.command("hypercorn", host="127.0.0.1", port=1)


def test_the_environment_chooses_daphne_unless_told_otherwise():
    assert serve.chosen_server({}) == "daphne"
    assert serve.chosen_server({"ASGI_SERVER": " Uvicorn "}) == "uvicorn"


def test_a_wrong_asgi_server_stops_with_one_line_naming_it():
    done = subprocess.run(
        [sys.executable, "-m", "nghisu.serve"],
        cwd=ROOT,
        env={"ASGI_SERVER": "gunicorn", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "ASGI_SERVER='gunicorn' is not one of daphne, uvicorn" in done.stderr


@pytest.mark.daphne
@pytest.mark.parametrize("server", serve.SERVERS)
def test_the_server_sends_a_large_room_state_and_refuses_a_huge_message(
    server, tmp_path
):
    """Under the production options: a 300 KB message (the state of a room of
    2,000+ members is about 240 KB) reaches the tablet; a 2 MB message from a
    client closes its socket (1009, message too big; Daphne may drop the
    connection before its close frame arrives: 1006)."""
    import asyncio

    import websockets

    from tests.realtime.servers import free_port, stop, wait_port

    port = free_port()
    argv = serve.command(
        server,
        host="127.0.0.1",
        port=port,
        application="tests.nghisu.frame_app:application",
    )
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_port(port)

        async def talk() -> tuple[int, str, int | None]:
            url = f"ws://127.0.0.1:{port}/?size=300000"
            async with websockets.connect(url, max_size=None) as ws:
                first = await asyncio.wait_for(ws.recv(), 10)
                await ws.send("y" * 1000)
                echo = await asyncio.wait_for(ws.recv(), 10)
                with pytest.raises(websockets.ConnectionClosed):
                    # The close may come while the message is still being sent.
                    await ws.send("z" * 2 * 1024 * 1024)
                    await asyncio.wait_for(ws.recv(), 10)
                return len(first), echo, ws.close_code

        received, echo, code = asyncio.run(talk())
    finally:
        stop(proc)
    assert received == 300000, (tmp_path / "server.log").read_text()[-2000:]
    assert echo == "1000"
    assert code in (1009, 1006)

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
    assert daphne[1:3] == ["-m", "daphne"] and uvicorn[1:3] == ["-m", "uvicorn"]
    assert daphne[-1] == uvicorn[3] == "nghisu.asgi:application"
    assert _option(daphne, "--websocket-max-message-size") == "131072"
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

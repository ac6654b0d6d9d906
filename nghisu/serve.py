"""Start the web process under the chosen ASGI server: ``python -m nghisu.serve``.

Daphne is the default. uvicorn (``ASGI_SERVER=uvicorn``, after
``pip install 'nghisu[uvicorn]'``) runs the same application with about half
Daphne's CPU per delivered room message (docs/performance.md). Both get the
same limits, so the realtime tests and the benchmarks can run either one
through :func:`command`:

- incoming WebSocket messages are bounded by the server: 128 KB under uvicorn,
  1 MB under Daphne, whose library (Autobahn) applies its one limit to the
  messages it *sends* as well, and ``room.state`` of a 2,000-member room is
  about 240 KB; room commands above 64 KB are refused by the consumer with an
  error (``ROOM_MAX_MESSAGE_BYTES``). A message above the server's limit closes
  the socket with 1009 and a close frame under both servers (Daphne runs
  through :mod:`realtime.daphne_cli` for that);
- a ping every 20 s, a socket that does not answer within 30 s is closed, so
  dead tablets are noticed in under a minute through proxies that drop idle
  connections;
- no per-message compression (its per-socket cost would multiply every
  broadcast; the proxy may compress HTTP);
- proxy headers are left to Django (``TRUSTED_PROXIES``), as under Daphne.

Usage: ``python -m nghisu.serve [--host H] [--port P] [--server daphne|uvicorn]``;
the process is replaced by the server (``exec``), so signals reach it directly.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

APPLICATION = "nghisu.asgi:application"
SERVERS = ("daphne", "uvicorn")
#: Incoming messages above this are refused by uvicorn.
MAX_INCOMING_BYTES = 128 * 1024
#: Daphne's limit, on messages received *and sent*: room for the state of a
#: room of several thousand members (about 120 bytes each).
DAPHNE_MAX_MESSAGE_BYTES = 1024 * 1024
PING_INTERVAL = 20
PING_TIMEOUT = 30
#: Connections waiting to be accepted (the kernel caps it at net.core.somaxconn).
LISTEN_BACKLOG = 2048


def command(
    server: str,
    *,
    host: str,
    port: int,
    python: str = sys.executable,
    application: str = APPLICATION,
) -> list[str]:
    """Return the command line that serves ``application`` on ``host:port``."""
    if server == "daphne":
        return [
            python,
            "-m",
            # Daphne's own command line, failing sockets with a close frame
            # (1009 for a message too big) instead of dropping the connection.
            "realtime.daphne_cli",
            # Twisted listens with a queue of 50 by default: when hundreds of
            # tablets reconnect at once the rest are dropped and retry their
            # SYN 1, 3, 7 s later.
            "-e",
            f"tcp:port={port}:interface={host}:backlog={LISTEN_BACKLOG}",
            # A day: a session lasts hours; tablets reconnect anyway.
            "--websocket_timeout",
            "86400",
            "--websocket_connect_timeout",
            "20",
            "--websocket-max-message-size",
            str(DAPHNE_MAX_MESSAGE_BYTES),
            "--ping-interval",
            str(PING_INTERVAL),
            "--ping-timeout",
            str(PING_TIMEOUT),
            application,
        ]
    if server == "uvicorn":
        return [
            python,
            "-m",
            "uvicorn",
            application,
            "--host",
            host,
            "--port",
            str(port),
            "--backlog",
            str(LISTEN_BACKLOG),
            "--ws",
            "websockets-sansio",
            "--ws-max-size",
            str(MAX_INCOMING_BYTES),
            "--ws-ping-interval",
            str(PING_INTERVAL),
            "--ws-ping-timeout",
            str(PING_TIMEOUT),
            "--ws-per-message-deflate",
            "false",
            "--no-proxy-headers",
            "--lifespan",
            "off",
            "--no-access-log",
        ]
    raise ValueError(f"unknown ASGI server {server!r}: choose one of {SERVERS}")


def chosen_server(environ: os._Environ | dict = os.environ) -> str:
    """Return ``ASGI_SERVER`` from the environment, ``daphne`` when unset."""
    return (environ.get("ASGI_SERVER") or "daphne").strip().lower()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m nghisu.serve")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    parser.add_argument("--server", choices=SERVERS, default=None)
    args = parser.parse_args(argv)
    server = args.server or chosen_server()
    if server not in SERVERS:
        parser.exit(2, f"ASGI_SERVER={server!r} is not one of {', '.join(SERVERS)}\n")
    if importlib.util.find_spec(server) is None:
        parser.exit(2, f"{server} is not installed: pip install 'nghisu[{server}]'\n")
    argv_exec = command(server, host=args.host, port=args.port)
    os.chdir(Path(__file__).resolve().parents[1])
    try:
        os.execv(argv_exec[0], argv_exec)  # noqa: S606 - a fixed argv, no shell
    except OSError as exc:  # pragma: no cover - exec failed, say why
        parser.exit(2, f"cannot start {server}: {exc}\n")


if __name__ == "__main__":
    main()

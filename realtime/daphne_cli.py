"""Daphne's command line, with WebSocket failures closed by a close frame.

Daphne builds its Autobahn factory with Autobahn's default ``failByDrop=True``:
a protocol failure (a message above ``--websocket-max-message-size``, an invalid
frame) drops the TCP connection, and the client sees 1006 with no reason, as if
the network had failed, and reconnects to send the same message again. With
``failByDrop=False`` Autobahn sends a close frame with the code (1009 for a
message too big, 1002 for a protocol error) and then closes. Daphne has no
option for it, so its factory class is replaced by a subclass before its
command line runs. ``nghisu.serve`` starts Daphne through this module:
``python -m realtime.daphne_cli <daphne arguments>``.
"""

from __future__ import annotations

from daphne import server
from daphne.cli import CommandLineInterface
from daphne.ws_protocol import WebSocketFactory


class CloseFrameWebSocketFactory(WebSocketFactory):
    """Daphne's factory, failing connections with a close frame."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Daphne's own setProtocolOptions call, made after this, leaves it alone.
        self.setProtocolOptions(failByDrop=False)


def main() -> None:
    server.WebSocketFactory = CloseFrameWebSocketFactory
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()

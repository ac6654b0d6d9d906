"""An RFC 3161 timestamp server on loopback, for the PAdES B-T tests.

pyHanko's :class:`DummyTimeStamper` answers every request, signing with a
timestamp authority certificate issued by the test hierarchy; a
``ThreadingHTTPServer`` serves it the way a TSA on the local network does.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from documents import pki


def _stamper(hierarchy: pki.Pki, directory: Path) -> DummyTimeStamper:
    tsa = pki.issue_leaf(
        hierarchy,
        directory,
        "tsa",
        name="Máy chủ dấu thời gian thử nghiệm",
        org="Nghị Sự",
        timestamping=True,
    )

    def der(cert) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    key = tsa.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return DummyTimeStamper(
        tsa_cert=der(tsa.cert),
        tsa_key=keys.PrivateKeyInfo.load(key),
        certs_to_embed=[der(hierarchy.intermediate.cert)],
    )


@contextmanager
def serve(hierarchy: pki.Pki, directory: Path) -> Iterator[dict]:
    """Run a timestamp server; yield ``{"url", "requests"}`` (a request count)."""
    directory.mkdir(parents=True, exist_ok=True)
    stamper = _stamper(hierarchy, directory)
    state = {"requests": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            answer = stamper.request_tsa_response(tsp.TimeStampReq.load(body))
            data = answer.dump()
            state["requests"] += 1
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        state["url"] = f"http://127.0.0.1:{server.server_port}/tsa"
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)

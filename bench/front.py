"""nginx in front of a benchmark's web processes (bench/nginx.py), as deployed.

The site is deploy/nginx/nghisu.conf.in rendered by :mod:`deploy.site`: TLS
with a certificate made once per run, the web processes as its upstream.
While ``BENCH_FRONT=nginx`` is set, :meth:`bench.servers.Stack.start_daphne`
starts one in front of the processes it starts, and
:func:`bench.measure.targets_for` connects the tablets through it.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

from bench.proc import free_port, wait_port
from deploy.site import NGINX, Site, main_conf, self_signed

#: nginx ports by the tuple of upstream ports they serve.
FRONTS: dict[tuple[int, ...], int] = {}
_RUN: dict[str, str] = {}


def enabled() -> bool:
    return os.environ.get("BENCH_FRONT") == "nginx"


def front_for(ports: list[int]) -> int | None:
    """The nginx port in front of exactly ``ports`` (None: go direct)."""
    return FRONTS.get(tuple(ports)) if enabled() else None


def page_link_secret() -> str:
    """The run's secret shared by the web processes and nginx (secure_link)."""
    if "secret" not in _RUN:
        _RUN["secret"] = secrets.token_urlsafe(40)
    return _RUN["secret"]


def certificate(directory: Path) -> tuple[Path, Path]:
    """The run's self-signed certificate; clients trust it through
    ``SSL_CERT_FILE`` (websockets' and urllib's default TLS context)."""
    cert, key = directory / "tls" / "cert.pem", directory / "tls" / "key.pem"
    if not cert.exists():
        self_signed(cert, key, names=["127.0.0.1", "localhost"])
    os.environ["SSL_CERT_FILE"] = str(cert)
    return cert, key


def start(
    stack_dir: Path, upstream_ports: list[int]
) -> tuple[int, subprocess.Popen, Path]:
    """Start nginx for a stack in ``stack_dir``; return (port, process, log)."""
    prefix = stack_dir / f"nginx-{len(FRONTS)}"
    for sub in ("logs", "spool"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    cert, key = certificate(stack_dir.parent)
    port = free_port()
    static_root = stack_dir / "staticfiles"
    static_root.mkdir(exist_ok=True)
    site = Site(
        server_name="127.0.0.1 localhost",
        listen=f"127.0.0.1:{port}",
        upstreams=[f"127.0.0.1:{p}" for p in upstream_ports],
        cert=cert,
        cert_key=key,
        static_root=static_root,
        media_root=stack_dir / "media",
        page_link_secret=page_link_secret(),
        http_listen=None,
    )
    (prefix / "site.conf").write_text(site.render())
    conf = prefix / "nginx.conf"
    conf.write_text(main_conf(prefix, prefix / "site.conf"))
    log = prefix / "logs" / "nginx.log"
    proc = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    wait_port(port, proc=proc, log=log)
    FRONTS[tuple(upstream_ports)] = port
    return port, proc, log

"""The nginx site of Nghị Sự, rendered from deploy/nginx/nghisu.conf.in, and a
self-signed certificate for a one-machine stack.

``python -m deploy.stack site --server-name hop.sonla.gov.vn --upstream
10.0.0.11:8001 --upstream 10.0.0.12:8001 ...`` prints the site for a real
deployment (docs/deployment.md); :mod:`deploy.stack` renders the same template
for its own nginx.
"""

from __future__ import annotations

import datetime
import grp
import ipaddress
import os
import pwd
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx" / "nghisu.conf.in"
#: Debian's nginx is in /usr/sbin, which a user's PATH may lack.
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
RENDER_WIDTHS = (160, 400, 800, 1200, 1600)  # settings.DOCUMENT_RENDER_WIDTHS


@dataclass
class Site:
    server_name: str
    listen: str  # "443" or "127.0.0.1:18443"
    upstreams: Sequence[str]  # "127.0.0.1:8001"
    cert: Path
    cert_key: Path
    static_root: Path
    media_root: Path
    page_link_secret: str
    http_listen: str | None = "80"  # None: no redirect server
    session_cookie: str = "sessionid"
    widths: Sequence[int] = RENDER_WIDTHS

    def render(self) -> str:
        text = TEMPLATE.read_text()
        if self.http_listen is None:
            text = re.sub(r"#@HTTP_BEGIN@.*?#@HTTP_END@\n", "", text, flags=re.S)
        else:
            text = text.replace("#@HTTP_BEGIN@\n", "").replace("#@HTTP_END@\n", "")
        if not re.fullmatch(r"\w+", self.session_cookie):
            raise ValueError("the session cookie's name must be letters and digits")
        if not re.fullmatch(r"[\w-]{32,}", self.page_link_secret):
            raise ValueError("PAGE_LINK_SECRET: 32 or more letters, digits, - or _")
        values = {
            "UPSTREAMS": "\n".join(
                f"    server {u} max_fails=0;" for u in self.upstreams
            ),
            "SERVER_NAME": self.server_name,
            "LISTEN": self.listen,
            "HTTP_LISTEN": self.http_listen or "",
            "CERT": str(self.cert),
            "CERT_KEY": str(self.cert_key),
            "STATIC_ROOT": str(self.static_root).rstrip("/"),
            "MEDIA_ROOT": str(self.media_root).rstrip("/"),
            "PAGE_LINK_SECRET": self.page_link_secret,
            "SESSION_COOKIE": self.session_cookie,
            "WIDTHS": "|".join(str(w) for w in self.widths),
        }
        for key, value in values.items():
            text = text.replace(f"@{key}@", value)
        left = re.findall(r"@[A-Z_]+@", text.split("\n", 8)[-1])
        if left:
            raise ValueError(f"unfilled placeholders: {left}")
        return text


def main_conf(prefix: Path, site_file: Path, *, workers: int = 2) -> str:
    """nginx's main configuration for a stack run as any user under ``prefix``.

    Its workers run as the current user (who owns the media files), also when
    that is root (a container), where nginx would otherwise switch to nobody.
    """
    user = ""
    if os.geteuid() == 0:
        user = f"user {pwd.getpwuid(0).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    return f"""# Written by deploy/stack.py; nginx runs as the current user under {prefix}.
{user}
worker_processes {workers};
# Every tablet holds two sockets (room and bell), each also open to a web
# process: 2,000 tablets are 8,000 connections, more than 2 × 4,096 once the
# workers' shares are uneven.
worker_rlimit_nofile 65536;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/nginx-error.log warn;
events {{ worker_connections 16384; }}
http {{
    include /etc/nginx/mime.types;
    types {{ application/javascript mjs; image/webp webp; }}
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 10000;
    log_format nghisu '$remote_addr [$time_local] "$request" $status '
                      '$body_bytes_sent $request_time upstream=$upstream_addr';
    access_log {prefix}/logs/nginx-access.log nghisu buffer=16k flush=1s;
    client_body_temp_path {prefix}/spool/body;
    proxy_temp_path {prefix}/spool/proxy;
    fastcgi_temp_path {prefix}/spool/fastcgi;
    uwsgi_temp_path {prefix}/spool/uwsgi;
    scgi_temp_path {prefix}/spool/scgi;
    include {site_file};
}}
"""


def self_signed(cert: Path, key: Path, *, names: Sequence[str]) -> None:
    """Write a self-signed certificate for ``names`` (host names or addresses)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    alt: list[x509.GeneralName] = []
    for name in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    cert.parent.mkdir(parents=True, exist_ok=True)
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key.chmod(0o600)
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))

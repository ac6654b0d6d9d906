"""The nginx site template renders completely and nginx accepts it (``nginx -t``)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from deploy.site import NGINX, Site, main_conf, self_signed
from deploy.stack import main as stack_main


def _site(tmp_path, **overrides) -> Site:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    if not cert.exists():
        self_signed(cert, key, names=["hop.sonla.gov.vn", "127.0.0.1"])
    values = {
        "server_name": "hop.sonla.gov.vn",
        "listen": "127.0.0.1:18299",
        "upstreams": ["10.0.0.11:8001", "10.0.0.12:8001"],
        "cert": cert,
        "cert_key": key,
        "static_root": tmp_path / "static",
        "media_root": tmp_path / "media",
        "page_link_secret": "x" * 40,
        "http_listen": "127.0.0.1:18298",
    }
    return Site(**(values | overrides))


def test_the_site_names_every_upstream_and_the_widths_nginx_may_serve(tmp_path):
    text = _site(tmp_path).render()
    assert "server 10.0.0.11:8001 max_fails=0;" in text
    assert "server 10.0.0.12:8001 max_fails=0;" in text
    assert "(?<pi_w>160|400|800|1200|1600)" in text
    assert "$cookie_sessionid " + "x" * 40 in text
    assert "return 301 https://" in text
    assert "@" not in text.split("upstream nghisu_web", 1)[1].replace(
        "@nghisu_page", ""
    )
    without = _site(tmp_path, http_listen=None).render()
    assert "return 301" not in without


def test_a_weak_page_link_secret_is_refused(tmp_path):
    with pytest.raises(ValueError, match="PAGE_LINK_SECRET"):
        _site(tmp_path, page_link_secret="short").render()


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed")
def test_nginx_accepts_the_site(tmp_path):
    prefix = tmp_path / "nginx"
    for sub in ("logs", "spool"):
        (prefix / sub).mkdir(parents=True)
    (prefix / "site.conf").write_text(_site(tmp_path).render())
    (prefix / "nginx.conf").write_text(main_conf(prefix, prefix / "site.conf"))
    done = subprocess.run(
        [NGINX, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr


def test_the_site_command_prints_a_production_site(tmp_path, capsys):
    stack_main(
        [
            "site",
            "--server-name",
            "hop.sonla.gov.vn",
            "--upstream",
            "10.0.0.11:8001",
            "--cert",
            "/etc/ssl/nghisu/fullchain.pem",
            "--cert-key",
            "/etc/ssl/nghisu/privkey.pem",
            "--page-link-secret",
            "y" * 40,
        ]
    )
    out = capsys.readouterr().out
    assert "listen 443 ssl http2;" in out and "listen 80;" in out
    assert "alias /srv/nghisu/shared/media/;" in out

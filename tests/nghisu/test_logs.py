"""Logs as JSON lines (LOG_FORMAT=json) and the request id."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from nghisu.logs import JsonFormatter, RequestIdFilter

ROOT = Path(__file__).resolve().parents[2]


def _logger(stream: io.StringIO) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    log = logging.getLogger("tests.json")
    log.handlers = [handler]
    log.propagate = False
    log.setLevel(logging.INFO)
    return log


def test_each_record_is_one_json_object_a_line_with_its_exception():
    stream = io.StringIO()
    log = _logger(stream)
    log.info("phiên họp %s mở", 7)
    try:
        raise ValueError("hỏng\ndòng hai")
    except ValueError:
        log.exception("thất bại")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "phiên họp 7 mở"
    assert first["level"] == "INFO" and first["logger"] == "tests.json"
    assert first["time"].endswith("+00:00")
    assert "request_id" not in first and "exception" not in first
    assert second["level"] == "ERROR"
    assert "ValueError: hỏng" in second["exception"]


@pytest.mark.django_db
def test_a_request_logs_with_its_id_and_returns_it(client, caplog):
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="abc123")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "abc123"
    assert [r.request_id for r in caplog.records if r.name == "django.request"] == [
        "abc123"
    ]
    fresh = client.get("/no-such-page/", HTTP_X_REQUEST_ID="bad id with spaces")
    assert len(fresh["X-Request-ID"]) == 32 and " " not in fresh["X-Request-ID"]


def test_log_format_json_makes_the_project_log_json_lines():
    """The settings wire the formatter: a process started with LOG_FORMAT=json
    writes only JSON lines."""
    code = (
        "import django, logging; django.setup();"
        "logging.getLogger('nghisu.test').warning('xin chào')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "nghisu.settings",
            "DEBUG": "1",
            "LOG_FORMAT": "json",
        },
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    assert {
        "level": "WARNING",
        "logger": "nghisu.test",
        "message": "xin chào",
    }.items() <= lines[-1].items()

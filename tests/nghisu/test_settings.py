"""Settings from the environment: safe for a laptop, loud for unsafe production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "-Z9#x!q@p$7rT%2vB^8nM&4yL*6wK(1jH)3gF_5dS+0aQ=",
    "ALLOWED_HOSTS": "hop.sonla.gov.vn",
    "CSRF_TRUSTED_ORIGINS": "https://hop.sonla.gov.vn",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    inherited = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in inherited}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "VAR_DIR": str(ROOT / "var"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_is_clean_behind_nginx_as_deploy_stack_runs_it():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION,
        FILE_SENDER="nginx",
        PAGE_LINK_SECRET="p" * 48,
        TRUSTED_PROXIES="127.0.0.1",
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FILE_SENDER": "apache"}, "FILE_SENDER='apache' is not supported"),
        ({"PAGE_LINK_SECONDS": "300"}, "PAGE_LINK_SECONDS=300 must be between"),
        ({"PAGE_LINK_SECRET": "short"}, "PAGE_LINK_SECRET must be at least 32"),
    ],
)
def test_file_sending_settings_are_checked(env, message):
    result = manage("check", DEBUG="1", **env)
    assert result.returncode == 2 and message in result.stderr


def test_a_missing_secret_key_in_production_stops_with_one_clear_line():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", **env)
    assert result.returncode == 2
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_allowed_hosts_in_production_is_refused():
    env = {k: v for k, v in PRODUCTION.items() if k != "ALLOWED_HOSTS"}
    result = manage("check", **env)
    assert result.returncode == 2 and "ALLOWED_HOSTS is not set" in result.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/nghisu", "scheme 'mysql' is not supported"),
        ("sqlite://", "needs a file path"),
    ],
)
def test_an_unsupported_database_url_is_named(url, message):
    result = manage("check", DEBUG="1", DATABASE_URL=url)
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_boolean_is_refused():
    result = manage("check", DEBUG="maybe")
    assert result.returncode == 2 and "DEBUG='maybe' is not a boolean" in result.stderr


def test_redis_down_at_start_is_a_clear_warning_not_a_crash():
    result = manage("check", DEBUG="1", REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 0
    assert "nghisu.W001" in result.stderr and "not reachable" in result.stderr


def test_postgres_urls_parse(tmp_path):
    from nghisu.env import parse_database_url

    db = parse_database_url(
        "postgres://postgres:p%40ss@127.0.0.1:5432/nghisu", tmp_path
    )
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["PORT"]) == (
        "nghisu",
        "postgres",
        "p@ss",
        "5432",
    )
    sqlite = parse_database_url(None, tmp_path)
    assert sqlite["NAME"] == tmp_path / "nghisu.sqlite3"
    assert "journal_mode=WAL" in sqlite["OPTIONS"]["init_command"]

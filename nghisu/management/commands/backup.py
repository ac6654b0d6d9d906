"""``manage.py backup DIR``: the database and the media folder (nghisu/backup.py)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from nghisu import backup


def database() -> backup.Database:
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise CommandError(f"Chưa hỗ trợ sao lưu cơ sở dữ liệu {vendor}.")
    return backup.Database(vendor=vendor, settings=connection.settings_dict)


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump; SQLite: a consistent copy) and "
        "the media folder (files named by their SHA-256) into a new folder."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="a new or empty folder")

    def handle(self, *args, directory: Path, **options):
        _warn_open_secret_votes(self)
        try:
            manifest = backup.backup(
                database(), Path(settings.MEDIA_ROOT), directory.resolve()
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        size = sum(entry["size"] for entry in manifest["media"].values())
        self.stdout.write(
            f"Đã sao lưu vào {directory}: cơ sở dữ liệu "
            f"({manifest['database']['vendor']}), {len(manifest['media'])} tệp "
            f"({size / 2**20:.1f} MB). Không sao lưu: "
            + ", ".join(manifest["not_backed_up"])
            + " (docs/deployment.md)."
        )


def _warn_open_secret_votes(command: BaseCommand) -> None:
    """Say which secret votes are open: their keys are not in the backup."""
    from django.apps import apps

    try:
        vote = apps.get_model("meetings", "Vote")
    except LookupError:
        return
    open_secret = list(
        vote.objects.filter(kind="secret", status="open").values_list("pk", flat=True)
    )
    if open_secret:
        command.stderr.write(
            "Đang có cuộc bỏ phiếu kín chưa kết thúc; khóa của chúng không được sao "
            "lưu, nên sau khi khôi phục phải hủy bằng manage.py discard_vote: "
            f"{open_secret}"
        )

"""``manage.py restore DIR``: replace the database and media with a backup's."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from nghisu import backup
from nghisu.management.commands.backup import database


class Command(BaseCommand):
    help = (
        "Check a backup made by 'backup' whole, then replace this deployment's "
        "database with it and write its media files back. Stop the web processes "
        "and workers first."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="a folder made by 'backup'")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args, directory: Path, interactive: bool = True, **options):
        db = database()
        if interactive:
            answer = input(
                f"Toàn bộ dữ liệu của cơ sở dữ liệu {db.settings['NAME']} sẽ bị thay "
                f"bằng bản sao lưu trong {directory}. Gõ 'yes' để tiếp tục: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Đã hủy khôi phục.")
        connections.close_all()
        try:
            done = backup.restore(db, Path(settings.MEDIA_ROOT), directory.resolve())
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = done["manifest"]
        self.stdout.write(
            f"Đã khôi phục bản sao lưu lúc {manifest['created']}: cơ sở dữ liệu và "
            f"{len(manifest['media'])} tệp ({done['media_written']} tệp được ghi)."
        )

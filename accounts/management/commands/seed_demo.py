"""Load the Sơn La demo: people, bodies and what later apps add to them."""

import importlib
import importlib.util

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, LOGINS, seed_people

# Apps that add demo data of their own, in order; each has `<app>/demo.py` with
# `seed(bodies: dict[str, Body], *, stdout) -> None`, idempotent like this command.
DEMO_APPS = [
    "documents",
    "documents.signature_demo",
    "meetings",
    "work",
    "oversight",
    "meetings.room_demo",
    "meetings.annotation_demo",
]


class Command(BaseCommand):
    help = "Create the Sơn La demo data (idempotent). Refused when DEBUG is off."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (never on a real server: every demo "
            "account has the same known password).",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo refused: DEBUG is off, so this looks like a real server. "
                "Demo accounts share a published password. Use --force to insist."
            )
        with transaction.atomic():
            bodies = seed_people()
        for app in DEMO_APPS:
            if importlib.util.find_spec(f"{app}.demo") is None:
                continue
            module = importlib.import_module(f"{app}.demo")
            module.seed(bodies, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Dữ liệu mẫu tỉnh Sơn La đã sẵn sàng."))
        self.stdout.write(f"Mật khẩu của mọi tài khoản mẫu: {DEMO_PASSWORD}")
        for username, role in LOGINS:
            self.stdout.write(f"  {username:<36} {role}")

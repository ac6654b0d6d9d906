"""Bring every body's members group in step with memberships that start or end today."""

from django.core.management.base import BaseCommand

from accounts.actions import sync_all_body_groups


class Command(BaseCommand):
    help = "Sync each body's members group with its current memberships (run daily)."

    def handle(self, *args, **options):
        count = sync_all_body_groups()
        self.stdout.write(f"Checked {count} bodies.")

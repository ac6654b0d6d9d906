"""Discard an open vote's round, uncounted, when it cannot be closed."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from meetings.actions import votes
from nghisu.errors import ActionError, NotFound


class Command(BaseCommand):
    help = (
        "Discard the casts and ballots of an open vote that cannot be closed (a "
        "secret vote whose key file is lost) and return it to draft, so that the "
        "chair can open a new round. Audited with the reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("vote", type=int, help="vote id")
        parser.add_argument("--reason", required=True, help="why (audited)")

    def handle(self, *args, vote: int, reason: str, **options):
        try:
            done = votes.discard_round(vote, reason=reason)
        except (ActionError, NotFound) as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"#{vote}: đã hủy lượt biểu quyết, bỏ {done['discarded']} phiếu; "
            "cuộc biểu quyết trở về trạng thái chuẩn bị."
        )

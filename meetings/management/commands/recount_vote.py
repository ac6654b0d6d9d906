"""Recount closed votes from their stored ballots and compare with the result."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from meetings import voting
from meetings.room_models import Vote, VoteStatus


class Command(BaseCommand):
    help = (
        "Recompute the tally of closed votes from the stored ballots and compare it "
        "with the result frozen at closing. Exits with status 1 on any mismatch."
    )

    def add_arguments(self, parser):
        parser.add_argument("votes", nargs="*", type=int, help="vote ids")
        parser.add_argument(
            "--meeting", type=int, help="every closed vote of this meeting"
        )

    def handle(self, *args, votes: list[int], meeting: int | None, **options):
        qs = Vote.objects.filter(status=VoteStatus.CLOSED).select_related(
            "meeting", "meeting__body"
        )
        if meeting is not None:
            qs = qs.filter(meeting_id=meeting)
        elif votes:
            qs = qs.filter(pk__in=votes)
        else:
            raise CommandError("Give vote ids or --meeting ID.")
        rows = list(qs.order_by("closed_at", "id"))
        missing = set(votes) - {v.pk for v in rows}
        if missing and meeting is None:
            raise CommandError(
                "Not closed or not found: " + ", ".join(map(str, sorted(missing)))
            )
        bad = 0
        for vote in rows:
            report = voting.recount(vote)
            fresh = report["recomputed"]
            labels = {o["key"]: o["label"] for o in vote.options}
            counts = ", ".join(f"{labels[k]} {n}" for k, n in fresh["counts"].items())
            verdict = "khớp" if report["match"] else "KHÔNG KHỚP"
            bad += not report["match"]
            self.stdout.write(
                f"#{vote.pk} {vote.question} [{vote.get_kind_display()}]: "
                f"phát ra {fresh['issued']}, thu về {fresh['returned']}, "
                f"hợp lệ {fresh['valid']}; {counts}; "
                f"{'thông qua' if fresh['passed'] else 'không thông qua'} — {verdict}"
            )
            if not report["match"]:
                stored = report["stored"]
                self.stdout.write(
                    f"    kết quả đã lưu: {stored.get('counts')}, "
                    f"thu về {stored.get('returned')}, "
                    f"thông qua={stored.get('passed')}"
                )
        if bad:
            raise CommandError(f"{bad} vote(s) do not match their ballots.")

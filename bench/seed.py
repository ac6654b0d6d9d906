"""Seed benchmark data through the project's actions; JSON in (stdin), JSON out.

Run by :class:`bench.servers.Stack` as ``python -m bench.seed`` in the stack's
environment, so it writes to the same database the servers use.

Operations (``{"op": ...}``):

- ``rooms``: ``rooms`` meetings in progress, each of its own HĐND with
  ``members`` members (the first is the chair), ``items`` agenda items, all
  members invited; optionally all checked in and a small ready document
  attached to the first item (for page turns).
- ``ballots``: the ballots stored for a vote, counted per option.
"""

from __future__ import annotations

import datetime
import json
import sys
import tempfile
import time
from pathlib import Path

import django

PASSWORD = "pw-Bench-123!"


def _document(chair, body, item, pages: int) -> tuple[int, int]:
    from django.core.files import File

    from documents import actions as doc_actions
    from documents import pdf, processing
    from meetings import actions

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tai-lieu.pdf"
        pdf.make_demo_pdf(
            path,
            title="BÁO CÁO TÌNH HÌNH KINH TẾ - XÃ HỘI",
            paragraphs=[
                "Hội đồng nhân dân tỉnh xem xét báo cáo của Ủy ban nhân dân tỉnh "
                "về tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội."
            ]
            * 6,
            pages=pages,
        )
        with path.open("rb") as fh:
            document = doc_actions.create_document(
                chair,
                body=body,
                title="Báo cáo tình hình kinh tế - xã hội",
                uploaded_file=File(fh, name="bao-cao.pdf"),
            )
    processing.process_version(document.latest_version_id)
    actions.attach_documents(chair, item, [document])
    return document.pk, pages


def rooms(spec: dict) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from accounts import actions as acc
    from accounts.models import BodyKind, Position, UnitLevel
    from meetings import actions, queries
    from meetings.models import MeetingKind, Participant

    prefix = spec["prefix"]
    level, _ = UnitLevel.objects.get_or_create(
        code="tinh", defaults={"name": "Tỉnh", "rank": 1}
    )
    start = datetime.date(2021, 7, 1)
    out = []
    for r in range(spec["rooms"]):
        unit = acc.create_unit(f"Tỉnh {prefix} {r}", code=f"{prefix}{r}", level=level)
        body = acc.create_body(unit, kind=BodyKind.HDND, name=f"HĐND {prefix} {r}")
        names = []
        chair = None
        with transaction.atomic():
            for i in range(spec["members"]):
                username = f"{prefix}r{r}u{i}"
                user = acc.create_user(
                    username, full_name=f"Đại biểu {prefix} {r}-{i}", password=PASSWORD
                )
                acc.add_membership(
                    body,
                    user,
                    position=Position.CHAIR if i == 0 else Position.MEMBER,
                    start_date=start,
                )
                if i == 0:
                    chair = user
                else:
                    names.append(username)
        begin = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=5)
        meeting = actions.create_meeting(
            chair,
            body=body,
            title=f"Kỳ họp thứ {r + 1} HĐND {prefix}",
            kind=MeetingKind.HDND_REGULAR,
            starts_at=begin,
            ends_at=begin + datetime.timedelta(hours=4),
            place="Hội trường tỉnh",
        )
        items = [
            actions.add_item(
                chair,
                meeting,
                title=f"Nội dung {k + 1} của kỳ họp",
                duration_minutes=20,
            )
            for k in range(spec.get("items", 4))
        ]
        document = pages = None
        if spec.get("document"):
            document, pages = _document(chair, body, items[0], spec.get("pages", 4))
        actions.invite_members(chair, meeting)
        actions.publish_meeting(chair, meeting)
        # A session starts with a quorum: everyone checks in, or, without
        # "checkin", the first voting members up to the quorum.
        everyone = bool(spec.get("checkin"))
        rows = Participant.objects.filter(meeting=meeting).order_by("id")
        for participant in rows if everyone else rows.filter(voting_right=True):
            if not everyone and queries.quorum(meeting).reached:
                break
            actions.check_in(chair, participant)
        actions.start_meeting(chair, meeting)
        out.append(
            {
                "meeting": meeting.pk,
                "chair": chair.username,
                "members": names,
                "items": [i.pk for i in items],
                "document": document,
                "pages": pages,
            }
        )
    return {"rooms": out}


def ballots(spec: dict) -> dict:
    from django.db.models import Count

    from meetings.models import Ballot, Vote, VoteCast

    vote = Vote.objects.get(pk=spec["vote"])
    counts = dict(
        Ballot.objects.filter(vote=vote)
        .values_list("option")
        .annotate(n=Count("id"))
        .values_list("option", "n")
    )
    return {
        "counts": counts,
        "ballots": sum(counts.values()),
        "casts": VoteCast.objects.filter(vote=vote).count(),
        "status": vote.status,
        "result_counts": (vote.result or {}).get("counts"),
    }


OPS = {"rooms": rooms, "ballots": ballots}


def main() -> None:
    spec = json.loads(sys.stdin.read())
    django.setup()
    started = time.monotonic()
    result = OPS[spec["op"]](spec)
    result["seconds"] = round(time.monotonic() - started, 2)
    from documents import pdf

    pdf.shutdown()
    print(json.dumps(result))


if __name__ == "__main__":
    main()

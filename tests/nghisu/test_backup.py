"""Backup and restore: a demo dumped, wiped and restored keeps every record.

The demo (``seed_demo``: processed documents, annotations, approved minutes)
plus its two prepared votes opened, cast and closed through the real actions,
then ``manage.py backup``; the database schema is dropped and the media folder
deleted; ``manage.py restore`` brings back every document page, annotation,
ballot and approved minutes file, each file's SHA-256 still the recorded one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from nghisu import backup


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _close_the_demo_votes() -> None:
    """Open, cast and close the running UBND meeting's prepared votes."""
    from meetings.actions import ballots
    from meetings.actions import votes as vote_actions
    from meetings.models import Participant
    from meetings.room_models import Vote
    from nghisu.errors import ActionError

    votes = list(Vote.objects.filter(status="draft").select_related("meeting"))
    assert votes, "the demo prepares votes"
    for vote in votes:
        chair = vote.meeting.body.memberships.get(position="chair").user
        vote_actions.do_open(chair, vote.meeting_id, vote_id=vote.pk)
        voters = Participant.objects.filter(
            meeting=vote.meeting, checked_in_at__isnull=False
        ).select_related("user")
        for n, seat in enumerate(voters):
            with contextlib.suppress(ActionError):  # a guest, a seat without a vote
                ballots.do_cast(
                    seat.user,
                    vote.meeting_id,
                    vote_id=vote.pk,
                    option=("yes", "no", "abstain")[n % 3],
                )
        vote_actions.do_close(chair, vote.meeting_id, vote_id=vote.pk)


def _state(media: Path) -> dict:
    from documents.models import Annotation, DocumentPage, DocumentVersion
    from meetings.models import Minutes
    from meetings.room_models import Ballot, Vote

    return {
        "pages": sorted(
            DocumentPage.objects.values_list("version_id", "number", "text")
        ),
        "files": sorted(
            (v.pk, v.sha256, _sha(media / v.file))
            for v in DocumentVersion.objects.exclude(file="")
        ),
        "annotations": sorted(
            (str(a.pk), a.version_id, a.page, json.dumps(a.geometry, sort_keys=True))
            for a in Annotation.objects.all()
        ),
        "ballots": sorted(
            (str(b.pk), b.vote_id, b.option) for b in Ballot.objects.all()
        ),
        "results": sorted(
            (v.pk, json.dumps(v.result, sort_keys=True))
            for v in Vote.objects.filter(status="closed")
        ),
        "minutes": sorted(
            (m.pk, m.sha256, _sha(media / m.pdf.name))
            for m in Minutes.objects.filter(status="approved")
        ),
    }


@pytest.mark.postgres
def test_a_demo_is_dumped_wiped_and_restored_whole(
    transactional_db, settings, tmp_path, django_capture_on_commit_callbacks
):
    if connection.vendor != "postgresql":
        pytest.skip("the backup test runs in the PostgreSQL pass")
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    settings.VOTE_KEY_DIR = tmp_path / "vote-keys"
    settings.DEBUG = True
    call_command("seed_demo")
    _close_the_demo_votes()
    before = _state(media)
    for kind in ("pages", "files", "annotations", "ballots", "results", "minutes"):
        assert before[kind], f"the demo has no {kind}"
    for _pk, recorded, actual in before["files"] + before["minutes"]:
        assert recorded == actual

    target = tmp_path / "backup"
    call_command("backup", str(target))
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == "postgresql"
    assert "VOTE_KEY_DIR" in manifest["not_backed_up"]
    assert not any(p.startswith("documents/renders/") for p in manifest["media"])
    with pytest.raises(CommandError):  # never over an existing backup
        call_command("backup", str(target))

    # Wipe: every table gone, every file gone.
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    shutil.rmtree(media)

    call_command("restore", str(target), interactive=False)
    assert _state(media) == before


def test_a_damaged_backup_is_refused_before_anything_changes(tmp_path, settings):
    """Checked whole first: one flipped byte, and nothing is restored."""
    media = tmp_path / "media"
    (media / "minutes" / "1").mkdir(parents=True)
    (media / "minutes" / "1" / "v1.pdf").write_bytes(b"%PDF-1.7 bien ban")
    (media / "documents" / "renders" / "ab").mkdir(parents=True)
    (media / "documents" / "renders" / "ab" / "p1-w160.png").write_bytes(b"png")
    live = tmp_path / "live.sqlite3"
    with sqlite3.connect(live) as db:
        db.execute("CREATE TABLE t (v TEXT)")
        db.execute("INSERT INTO t VALUES ('trước')")
    database = backup.Database("sqlite", {"NAME": str(live)})
    manifest = backup.backup(database, media, tmp_path / "b")
    assert list(manifest["media"]) == ["minutes/1/v1.pdf"]  # renders are skipped

    blob = next((tmp_path / "b" / "media").rglob("*"))
    while blob.is_dir():
        blob = next(blob.iterdir())
    blob.write_bytes(b"%PDF-1.7 bien ban!")
    with sqlite3.connect(live) as db:
        db.execute("UPDATE t SET v = 'sau'")
    with pytest.raises(backup.BackupError, match="differs from its hash"):
        backup.restore(database, media, tmp_path / "b")
    with sqlite3.connect(live) as db:
        assert db.execute("SELECT v FROM t").fetchone() == ("sau",)

    blob.write_bytes(b"%PDF-1.7 bien ban")  # repaired: the SQLite copy restores
    shutil.rmtree(media)
    backup.restore(database, media, tmp_path / "b")
    with sqlite3.connect(live) as db:
        assert db.execute("SELECT v FROM t").fetchone() == ("trước",)
    assert (media / "minutes" / "1" / "v1.pdf").read_bytes() == b"%PDF-1.7 bien ban"

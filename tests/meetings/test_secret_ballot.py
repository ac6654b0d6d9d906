"""A secret ballot cannot be linked to its voter from the database: not by the
transaction ids of live rows during the vote, not by the live and dead tuples
of the tables' pages after it, not even with the server's secrets once the
vote's private key is destroyed."""

from __future__ import annotations

import os
import stat

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from meetings.actions import ballots as _ballots
from meetings.actions import commands as _command_store
from meetings.actions import votes as _votes
from nghisu.errors import ActionError
from tests.meetings.commands import handler
from tests.meetings.test_vote_batches import _room_with
from tests.services import require_postgres

OPTIONS = ("yes", "no", "abstain")


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """A key directory of the test's own; no progress signal outlives it."""
    settings.VOTE_KEY_DIR = tmp_path / "vote-keys"
    yield
    from meetings import events

    events.cancel_pending()


def _cast_each(meeting, vote_id, voters) -> dict[int, tuple[str, str]]:
    """Each voter casts alone (one transaction each, as a single tablet does):
    ``{voter id: (option, receipt)}``."""

    cast = {}
    for n, voter in enumerate(voters):
        option = OPTIONS[n % 3]
        answer = _ballots.do_cast(
            voter, meeting.pk, vote_id=vote_id, option=option, client_id=f"c{n}"
        )
        cast[voter.pk] = (option, answer["receipt"])
    return cast


def _table(model) -> str:
    return model._meta.db_table


def _pages(cursor, table: str) -> int:
    cursor.execute(
        "SELECT pg_relation_size(%s) / current_setting('block_size')::int", [table]
    )
    return cursor.fetchone()[0]


def _tuples(table: str) -> list[tuple[int, int, bytes]]:
    """Every tuple, live and dead, in the table's pages: ``(xmin, xmax, data)``."""
    with connection.cursor() as cursor:
        rows = []
        for page in range(_pages(cursor, table)):
            cursor.execute(
                "SELECT t_xmin::text::bigint, t_xmax::text::bigint, t_data "
                "FROM heap_page_items(get_raw_page(%s, %s)) WHERE t_data IS NOT NULL",
                [table, page],
            )
            rows += [(x, y, bytes(d)) for x, y, d in cursor.fetchall()]
    return rows


def _raw(table: str) -> bytes:
    """The table's whole file, page by page."""
    raw = b""
    with connection.cursor() as cursor:
        for page in range(_pages(cursor, table)):
            cursor.execute("SELECT get_raw_page(%s, %s)", [table, page])
            raw += bytes(cursor.fetchone()[0])
    return raw


def _cast_xmins(vote_id) -> dict[int, int]:
    from meetings.models import VoteCast

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT xmin::text::bigint, voter_id FROM {_table(VoteCast)} "  # noqa: S608
            "WHERE vote_id = %s",
            [vote_id],
        )
        return dict(cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_during_a_secret_vote_no_transaction_id_links_a_voter_to_a_choice(cast):
    """The review's query: ballots joined to casts on ``xmin``. It linked every
    voter to their choice while the ballots were written beside the casts."""
    from meetings.models import Ballot, VoteCast

    require_postgres()
    meeting, vote_id, voters = _room_with(cast, 4, kind="secret")
    chosen = _cast_each(meeting, vote_id, voters)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.voter_id, b.option, b.receipt FROM {_table(Ballot)} b "  # noqa: S608
            f"JOIN {_table(VoteCast)} c ON c.xmin = b.xmin WHERE c.vote_id = %s",
            [vote_id],
        )
        linked = cursor.fetchall()
    assert linked == []
    # What the cast's transaction did write beside the voter says nothing.
    from meetings.models import SealedBallot

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.voter_id, s.data FROM {_table(SealedBallot)} s "  # noqa: S608
            f"JOIN {_table(VoteCast)} c ON c.xmin = s.xmin WHERE c.vote_id = %s",
            [vote_id],
        )
        rows = [(voter, bytes(data)) for voter, data in cursor.fetchall()]
    assert len(rows) == 4 and len({len(data) for _v, data in rows}) == 1
    for voter, data in rows:
        assert chosen[voter][1].encode() not in data
    assert set(
        VoteCast.objects.filter(vote_id=vote_id).values_list("option", "receipt")
    ) == {("", "")}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_after_the_close_no_live_or_dead_tuple_links_a_voter_to_a_choice(cast):
    """Every tuple of the ballot and sealed-ballot tables' pages, live and dead
    (read with pageinspect), after a secret vote of ten closed."""
    from meetings.models import Ballot, VoteCast

    require_postgres()
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
    meeting, vote_id, voters = _room_with(cast, 10, kind="secret")
    chosen = _cast_each(meeting, vote_id, voters)
    _votes.do_close(cast.chair, meeting.pk, vote_id=vote_id)

    xmins = _cast_xmins(vote_id)
    assert len(xmins) == 10  # one transaction per voter
    receipts = [receipt.encode() for _option, receipt in chosen.values()]
    ballots = _tuples(_table(Ballot))
    assert len(ballots) == 10  # no dead copies: written once, at the close
    assert len({xmin for xmin, _xmax, _data in ballots}) == 1
    assert not {xmin for xmin, _xmax, _data in ballots} & set(xmins)
    for receipt in receipts:  # every receipt is published, without a voter
        assert sum(receipt in data for _x, _y, data in ballots) == 1

    from meetings.models import SealedBallot

    sealed = _tuples(_table(SealedBallot))
    assert len(sealed) == 10 and all(xmax for _x, xmax, _d in sealed)  # all dead
    assert {xmin for xmin, _xmax, _data in sealed} == set(xmins)  # linked, but:
    assert len({len(data) for _x, _y, data in sealed}) == 1
    for _xmin, _xmax, data in sealed:
        assert not any(receipt in data for receipt in receipts)

    # The whole files: neither the sealed ballots nor the casts hold a receipt
    # or a choice next to a voter.
    raw_sealed = _raw(_table(SealedBallot))
    raw_casts = _raw(_table(VoteCast))
    for receipt in receipts:
        assert receipt not in raw_sealed and receipt not in raw_casts
    for _xmin, _xmax, data in _tuples(_table(VoteCast)):
        assert not any(option.encode() in data for option in OPTIONS)


def test_the_key_lives_outside_the_database_and_is_destroyed_at_the_close(
    cast, django_capture_on_commit_callbacks
):
    from meetings import ballot_seal
    from meetings.models import SealedBallot, Vote

    meeting, vote_id, voters = _room_with(cast, 3, kind="secret")
    path = ballot_seal.key_path(vote_id)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    public = bytes(Vote.objects.get(pk=vote_id).seal_key)
    assert len(public) == 32 and path.read_bytes() != public
    _cast_each(meeting, vote_id, voters)
    sealed = [bytes(b) for b in SealedBallot.objects.values_list("data", flat=True)]
    private = ballot_seal.load_key(vote_id, public)
    assert sorted(i for i, _r in ballot_seal.open_sealed(vote_id, private, sealed)) == [
        0,
        1,
        2,
    ]

    with django_capture_on_commit_callbacks(execute=True):
        _votes.do_close(cast.chair, meeting.pk, vote_id=vote_id)
    assert not path.exists()
    assert Vote.objects.get(pk=vote_id).seal_key is None
    assert ballot_seal.load_key(vote_id, public) is None
    # What a backup kept cannot be opened with any other key.
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    with pytest.raises(ballot_seal.SealError):
        ballot_seal.open_sealed(vote_id, X25519PrivateKey.generate(), sealed)


def test_equal_choices_seal_to_different_ciphertexts_of_one_length(cast):
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from meetings import ballot_seal

    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    same = ballot_seal.seal(7, public, [(0, "AAAAA-AAAAA")] * 2)
    same += ballot_seal.seal(7, public, [(0, "AAAAA-AAAAA")])
    assert len(set(same)) == 3
    assert {len(b) for b in same} == {ballot_seal.SEALED_BYTES}
    assert ballot_seal.open_sealed(7, private, same) == [(0, "AAAAA-AAAAA")] * 3
    with pytest.raises(ballot_seal.SealError):  # bound to its vote
        ballot_seal.open_sealed(8, private, same)


@pytest.mark.django_db(transaction=True)
def test_without_its_key_a_secret_vote_is_not_counted_and_the_refusal_is_audited(
    cast,
):
    from accounts.models import AuditEvent
    from meetings import ballot_seal
    from meetings.models import Ballot, SealedBallot, Vote, VoteStatus

    meeting, vote_id, voters = _room_with(cast, 2, kind="secret")
    _cast_each(meeting, vote_id, voters)
    ballot_seal.key_path(vote_id).unlink()
    for attempt in range(2):
        with pytest.raises(ActionError) as refused:
            if attempt == 0:
                _votes.do_close(cast.chair, meeting.pk, vote_id=vote_id)
            else:  # as the room's socket does: inside the command's transaction
                _command_store.run_once(
                    meeting.pk,
                    cast.chair.pk,
                    "close-1",
                    "vote.close",
                    handler("vote.close"),
                    cast.chair,
                    meeting.pk,
                    {"vote": vote_id},
                )
        assert refused.value.code == "ballot_key_missing"
        assert "Không tìm thấy khóa niêm phong phiếu kín" in refused.value.message
    vote = Vote.objects.get(pk=vote_id)
    assert vote.status == VoteStatus.OPEN and vote.result is None
    assert not Ballot.objects.filter(vote_id=vote_id).exists()
    assert SealedBallot.objects.filter(vote_id=vote_id).count() == 2
    audits = AuditEvent.objects.filter(action="vote.close_refused")
    assert audits.count() == 2
    assert audits.first().detail == {"reason": "ballot_key_missing"}

    # The way out: an administrator discards the round; the chair runs it again.
    with pytest.raises(CommandError):
        call_command("discard_vote", str(vote_id), "--reason", " ")
    call_command("discard_vote", str(vote_id), "--reason", "Mất khóa niêm phong")
    vote.refresh_from_db()
    assert vote.status == VoteStatus.DRAFT and vote.seal_key is None
    assert not SealedBallot.objects.filter(vote_id=vote_id).exists()
    assert AuditEvent.objects.get(action="vote.discard").detail == {
        "reason": "Mất khóa niêm phong",
        "casts": 2,
    }
    _votes.do_open(cast.chair, meeting.pk, vote_id=vote_id)
    _cast_each(meeting, vote_id, voters)
    result = _votes.do_close(cast.chair, meeting.pk, vote_id=vote_id)["result"]
    assert result["returned"] == result["valid"] == 2


def test_a_damaged_sealed_ballot_stops_the_count(cast):
    from meetings.models import SealedBallot, Vote, VoteStatus

    meeting, vote_id, voters = _room_with(cast, 2, kind="secret")
    _cast_each(meeting, vote_id, voters)
    row = SealedBallot.objects.first()
    data = bytearray(bytes(row.data))
    data[-1] ^= 1
    SealedBallot.objects.filter(pk=row.pk).update(data=bytes(data))
    with pytest.raises(ActionError) as refused:
        _votes.do_close(cast.chair, meeting.pk, vote_id=vote_id)
    assert refused.value.code == "ballot_damaged"
    assert Vote.objects.get(pk=vote_id).status == VoteStatus.OPEN


def test_the_scheduler_destroys_keys_no_open_vote_needs(cast, tmp_path):
    from meetings import ballot_seal
    from meetings.models import Vote
    from work import actions

    meeting, vote_id, voters = _room_with(cast, 1, kind="secret")
    _cast_each(meeting, vote_id, voters)
    path = ballot_seal.key_path(vote_id)
    assert actions.run_due_jobs()["vote_keys"] == 0  # open: kept
    assert path.exists()
    # A close whose process died after the commit, before the unlink.
    kept = path.read_bytes()
    _votes.do_close(cast.chair, meeting.pk, vote_id=vote_id)
    path.write_bytes(kept)
    gone = ballot_seal.key_path(vote_id + 1000)  # a vote deleted since
    gone.write_bytes(kept)
    draft = Vote.objects.create(
        meeting=meeting, question="Chưa mở", kind="secret", created_by=cast.chair
    )
    fresh = ballot_seal.key_path(draft.pk)  # an opening in progress
    fresh.write_bytes(kept)
    assert actions.run_due_jobs()["vote_keys"] == 2
    assert not path.exists() and not gone.exists() and fresh.exists()
    # An opening that rolled back long ago leaves an orphan: destroyed.
    old = fresh.stat().st_mtime - ballot_seal.ORPHAN_SECONDS - 1
    os.utime(fresh, (old, old))
    assert ballot_seal.sweep_keys() == 1 and not fresh.exists()


def test_a_key_directory_that_cannot_be_written_keeps_the_vote_closed(
    cast, settings, tmp_path
):
    from meetings.models import Vote, VoteStatus

    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.VOTE_KEY_DIR = blocker / "keys"
    with pytest.raises(ActionError) as refused:
        _room_with(cast, 1, kind="secret")
    assert refused.value.code == "ballot_key_unavailable"
    assert not Vote.objects.filter(status=VoteStatus.OPEN).exists()


def test_a_secret_vote_opened_before_ballots_were_sealed_still_closes(cast):
    """Deployed during an open secret vote (no key on it): its ballots are
    stored and counted as before, rewritten in random order at the close."""
    from meetings.models import Ballot, SealedBallot, Vote

    meeting, vote_id, voters = _room_with(cast, 3, kind="secret")
    Vote.objects.filter(pk=vote_id).update(seal_key=None)
    _cast_each(meeting, vote_id, voters)
    assert not SealedBallot.objects.exists()
    result = _votes.do_close(cast.chair, meeting.pk, vote_id=vote_id)["result"]
    assert result["counts"] == {"yes": 1, "no": 1, "abstain": 1}
    assert Ballot.objects.filter(vote_id=vote_id).count() == 3

"""Sealed secret ballots under load and failure: concurrent casts, a close
racing them, a process killed mid-cast, a vote closed by another process
after a restart. Zero ballots lost, zero counted twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from meetings.actions import ballots as _ballots
from meetings.actions import votes as _votes
from nghisu.errors import ActionError
from tests.meetings.test_vote_batches import _room_with
from tests.services import require_postgres

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.VOTE_KEY_DIR = tmp_path / "vote-keys"
    yield
    from meetings import events

    events.cancel_pending()


def _threads(targets) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _stored(vote_id) -> dict[str, int]:
    from meetings.models import Ballot, SealedBallot, VoteCast

    counts: dict[str, int] = {}
    for option in Ballot.objects.filter(vote_id=vote_id).values_list(
        "option", flat=True
    ):
        counts[option] = counts.get(option, 0) + 1
    return {
        "casts": VoteCast.objects.filter(vote_id=vote_id).count(),
        "sealed": SealedBallot.objects.filter(vote_id=vote_id).count(),
        **counts,
    }


def test_concurrent_casts_resends_and_second_tries_leave_one_sealed_ballot_each(cast):
    from meetings import ballot_seal, voting

    require_postgres()
    meeting, vote_id, voters = _room_with(cast, 24, kind="secret")
    barrier = threading.Barrier(48)
    outcomes: list[tuple[int, str, object]] = []
    lock = threading.Lock()

    def run(voter, option: str, client_id: str):
        def go() -> None:
            from django.db import connections

            try:
                barrier.wait()
                try:
                    outcome = _ballots.do_cast(
                        voter,
                        meeting.pk,
                        vote_id=vote_id,
                        option=option,
                        client_id=client_id,
                    )
                except ActionError as exc:
                    outcome = exc.code
            finally:
                connections.close_all()
            with lock:
                outcomes.append((voter.pk, option, outcome))

        return go

    targets = []
    for n, voter in enumerate(voters):
        option = ("yes", "no", "abstain")[n % 3]
        targets.append(run(voter, option, f"c{n}"))
        if n % 2:  # the same command re-sent (a lost answer)
            targets.append(run(voter, option, f"c{n}"))
        else:  # a second, different try: a secret ballot never changes
            targets.append(run(voter, "no" if option == "yes" else "yes", f"d{n}"))
    _threads(targets)

    stored = [(v, o, out) for v, o, out in outcomes if isinstance(out, dict)]
    winners = {v: o for v, o, out in stored if not out.get("duplicate")}
    assert len(winners) == 24 == len({v for v, _o, _out in stored if "receipt" in _out})
    duplicates = [out for _v, _o, out in stored if out.get("duplicate")]
    assert len(duplicates) == 12 and all("receipt" not in d for d in duplicates)
    assert (
        sorted(out for _v, _o, out in outcomes if isinstance(out, str))
        == ["already_voted"] * 12
    )
    assert _stored(vote_id) == {"casts": 24, "sealed": 24}

    result = _votes.do_close(cast.chair, meeting.pk, vote_id=vote_id)["result"]
    expected: dict[str, int] = {}
    for option in winners.values():
        expected[option] = expected.get(option, 0) + 1
    assert _stored(vote_id) == {"casts": 24, "sealed": 0, **expected}
    assert {k: v for k, v in result["counts"].items() if v} == expected
    assert result["returned"] == result["valid"] == 24
    receipts = {out["receipt"] for _v, _o, out in stored if "receipt" in out}
    from meetings.models import Vote

    vote = Vote.objects.get(pk=vote_id)
    assert set(voting.result_lists(vote)["receipts"]) == receipts
    assert not ballot_seal.key_path(vote_id).exists()


def test_a_close_racing_sealed_batches_counts_each_batch_whole_or_not_at_all(cast):
    from meetings import ballot_seal
    from meetings.actions.ballots import CastRequest, do_cast_many

    require_postgres()
    meeting, vote_id, voters = _room_with(cast, 40, kind="secret")
    barrier = threading.Barrier(6)
    answers: list[list] = []
    closes: list[dict] = []
    lock = threading.Lock()

    def batch(t: int):
        def go() -> None:
            from django.db import connections

            try:
                barrier.wait()
                outcomes = do_cast_many(
                    meeting.pk,
                    vote_id=vote_id,
                    casts=[
                        CastRequest(v, ("yes", "no")[t % 2], f"t{t}")
                        for v in voters[t * 10 : t * 10 + 10]
                    ],
                )
            finally:
                connections.close_all()
            with lock:
                answers.append(outcomes)

        return go

    def close() -> None:
        from django.db import connections

        try:
            barrier.wait()
            result = _votes.do_close(cast.chair, meeting.pk, vote_id=vote_id)
        finally:
            connections.close_all()
        with lock:
            closes.append(result["result"])

    _threads([batch(t) for t in range(4)] + [close, close])
    stored = 0
    for outcomes in answers:
        kinds = {type(o).__name__ for o in outcomes}
        assert len(kinds) == 1, outcomes
        stored += len(outcomes) if kinds == {"dict"} else 0
    assert closes[0] == closes[1]  # the second close found it closed
    assert closes[0]["returned"] == closes[0]["valid"] == stored
    counts = _stored(vote_id)
    assert counts["casts"] == stored and counts["sealed"] == 0
    assert counts.get("yes", 0) + counts.get("no", 0) == stored
    assert not ballot_seal.key_path(vote_id).exists()


def _process(script: str, *args) -> subprocess.Popen:
    """A fresh server process on the same database and key directory."""
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DEBUG": "1",
        "SECRET_KEY": "another-process-" + "x" * 40,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "VOTE_KEY_DIR": str(settings.VOTE_KEY_DIR),
        "TASK_BACKEND": "immediate",
        "DJANGO_SETTINGS_MODULE": "nghisu.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    code = (
        "import json, sys, time, django\n"
        "django.setup()\n"
        "from django.db import transaction\n"
        "from accounts.models import User\n"
        "from meetings.actions import ballots as _ballots\n"
        "from meetings.actions import votes as _votes\n"
        "a = json.loads(sys.argv[1])\n" + script
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, json.dumps(list(args))],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


KILLED_MID_CAST = """
with transaction.atomic():
    _ballots.do_cast(User.objects.get(pk=a[0]), a[1], vote_id=a[2], option="yes")
    print("cast", flush=True)
    time.sleep(60)
"""

CAST_AND_CLOSE = """
_ballots.do_cast(User.objects.get(pk=a[0]), a[1], vote_id=a[2], option="abstain")
print(json.dumps(_votes.do_close(User.objects.get(pk=a[3]), a[1], vote_id=a[2])))
"""


def test_a_vote_opened_before_a_restart_closes_in_a_new_process(cast):
    """A process killed inside a cast's transaction leaves nothing; the key
    file outlives the process that opened the vote, so another process casts
    and closes it, counting every ballot once."""
    from meetings import ballot_seal

    require_postgres()
    assert connection.vendor == "postgresql"
    meeting, vote_id, voters = _room_with(cast, 3, kind="secret")
    _ballots.do_cast(voters[0], meeting.pk, vote_id=vote_id, option="yes")

    killed = _process(KILLED_MID_CAST, voters[1].pk, meeting.pk, vote_id)
    assert killed.stdout.readline().strip() == "cast", killed.stderr.read()
    killed.kill()
    killed.wait(timeout=30)
    assert _stored(vote_id) == {"casts": 1, "sealed": 1}
    _ballots.do_cast(voters[1], meeting.pk, vote_id=vote_id, option="no")

    restarted = _process(
        CAST_AND_CLOSE, voters[2].pk, meeting.pk, vote_id, cast.chair.pk
    )
    out, err = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, err
    result = json.loads(out.strip().splitlines()[-1])["result"]
    assert result["counts"] == {"yes": 1, "no": 1, "abstain": 1}
    assert result["returned"] == result["valid"] == 3
    assert _stored(vote_id) == {
        "casts": 3,
        "sealed": 0,
        "yes": 1,
        "no": 1,
        "abstain": 1,
    }
    assert not ballot_seal.key_path(vote_id).exists()

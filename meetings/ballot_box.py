"""Where a vote's ballots are written: in clear (open votes), sealed (a
secret vote while it is open), opened and written in clear at a secret vote's
close. The cryptography and the key files are :mod:`meetings.ballot_seal`;
the rules of casting and closing are :mod:`meetings.voting`, which calls these
inside its transactions.
"""

from __future__ import annotations

import logging
import random
import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from meetings import ballot_seal
from meetings.room_models import Ballot, SealedBallot, Vote
from nghisu.errors import ActionError

logger = logging.getLogger(__name__)


def new_key(vote: Vote) -> bytes:
    """A secret vote's new key pair: the private key to its file, the public
    key returned (for ``Vote.seal_key``); refused if the file cannot be written."""
    try:
        return ballot_seal.new_key(vote.pk)
    except OSError:
        logger.exception("vote %s: cannot write the ballot key", vote.pk)
        raise ActionError(
            _(
                "Không ghi được khóa niêm phong phiếu kín nên chưa mở được "
                "cuộc biểu quyết; hãy báo quản trị hệ thống kiểm tra thư mục "
                "khóa (VOTE_KEY_DIR)."
            ),
            code="ballot_key_unavailable",
        ) from None


def insert(vote: Vote, rows: list[tuple[str, str]]) -> None:
    """Insert ballots ``(option, receipt)`` in random order (one statement).

    A secret vote's are sealed to its public key (one key agreement for the
    batch) and stored as :class:`SealedBallot` rows of equal length: the
    transaction that stores a voter's ``VoteCast`` writes nothing readable
    that depends on the choice."""
    if vote.is_secret and vote.seal_key is not None:
        random.SystemRandom().shuffle(rows)
        index = {key: n for n, key in enumerate(vote.option_keys())}
        sealed = ballot_seal.seal(
            vote.pk, vote.seal_key, [(index[o], r) for o, r in rows]
        )
        SealedBallot.objects.bulk_create(
            [SealedBallot(vote=vote, data=blob) for blob in sealed], batch_size=500
        )
        return
    write(vote, rows)


def unseal(actor: User, vote: Vote) -> None:
    """Open a secret vote's sealed ballots (inside the close's transaction):
    insert them as ballots in random order, all in this one transaction (one
    ``xmin``, no time), delete the sealed rows, forget the public key, and
    destroy the private key file once the transaction commits.

    Refuses (``ActionError`` carrying its audit) when the key file is missing
    or does not match, or a sealed ballot does not open. A vote opened before
    ballots were sealed (no key) has its clear ballots rewritten in random
    order, as it was then."""
    if vote.seal_key is None:
        _rewrite_ballots(vote)
        return
    private = ballot_seal.load_key(vote.pk, vote.seal_key)
    if private is None:
        logger.error("vote %s: the ballot key file is missing", vote.pk)
        raise _unseal_refusal(
            actor,
            vote,
            "ballot_key_missing",
            _(
                "Không tìm thấy khóa niêm phong phiếu kín của cuộc biểu quyết "
                "này nên không kiểm được phiếu; kết quả chưa được ghi. Hãy báo "
                "quản trị hệ thống kiểm tra thư mục khóa (VOTE_KEY_DIR)."
            ),
        )
    sealed = list(SealedBallot.objects.filter(vote=vote).values_list("data", flat=True))
    try:
        opened = ballot_seal.open_sealed(vote.pk, private, sealed)
    except ballot_seal.SealError:
        logger.error("vote %s: a sealed ballot does not open", vote.pk)
        raise _unseal_refusal(
            actor,
            vote,
            "ballot_damaged",
            _(
                "Có phiếu kín đã niêm phong bị hỏng hoặc bị sửa nên không kiểm "
                "được phiếu; kết quả chưa được ghi."
            ),
        ) from None
    keys = vote.option_keys()
    write(vote, [(keys[index], receipt) for index, receipt in opened])
    SealedBallot.objects.filter(vote=vote).delete()
    vote.seal_key = None
    vote_id = vote.pk
    transaction.on_commit(lambda: ballot_seal.destroy_key(vote_id))


def write(vote: Vote, rows: list[tuple[str, str]]) -> None:
    """Insert clear ballots ``(option, receipt)`` in random order."""
    random.SystemRandom().shuffle(rows)
    Ballot.objects.bulk_create(
        [Ballot(id=uuid.uuid4(), vote=vote, option=o, receipt=r) for o, r in rows],
        batch_size=500,
    )


def _rewrite_ballots(vote: Vote) -> None:
    rows = list(Ballot.objects.filter(vote=vote).values_list("option", "receipt"))
    Ballot.objects.filter(vote=vote).delete()
    write(vote, rows)


def _unseal_refusal(actor: User, vote: Vote, code: str, message: str) -> ActionError:
    return ActionError(
        message,
        code=code,
        audit={
            "user": actor,
            "action": "vote.close_refused",
            "obj": vote,
            "detail": {"reason": code},
        },
    )

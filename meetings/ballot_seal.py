"""Sealed secret ballots: a per-vote key pair, its private half outside the
database, and the sealing and opening of ballots.

Why: PostgreSQL stamps every row with the transaction that wrote it (``xmin``)
and keeps deleted rows in the table's pages until they are vacuumed (and in the
WAL and backups for ever). A voter's :class:`~meetings.models.VoteCast` and the
ballot written in the same transaction are therefore linked for anyone holding
the database, whatever the schema says. So while a secret vote is open its
ballots are stored only sealed to the vote's public key: the option's index and
the receipt code, encrypted with AES-256-GCM under a key agreed (X25519, HKDF)
between the vote's public key and an ephemeral key of the cast's transaction,
with a random nonce per ballot. Every sealed ballot has the same length and
equal choices give different ciphertexts. The private key is a file in
``settings.VOTE_KEY_DIR`` (mode 0600), never in the database; the close opens
the ballots, writes them in clear in random order in one transaction, and
destroys the file after the commit (overwritten, then unlinked). What was
sealed can then never be opened again, by anyone.
"""

from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

logger = logging.getLogger(__name__)

KEY_BYTES = 32
NONCE_BYTES = 12
RECEIPT_BYTES = 11  # "XXXXX-XXXXX"
PLAIN_BYTES = 1 + RECEIPT_BYTES  # option index, receipt code
SEALED_BYTES = KEY_BYTES + NONCE_BYTES + PLAIN_BYTES + 16  # + the GCM tag
#: A key file of a vote still in draft after this long belongs to an opening
#: that rolled back: the scheduler destroys it.
ORPHAN_SECONDS = 3600
_NAME = re.compile(r"^vote-(\d+)\.key$")


class SealError(Exception):
    """A sealed ballot that does not open: a wrong key, or a damaged row."""


# ---------------------------------------------------------------------------
# the key directory
# ---------------------------------------------------------------------------
def key_dir() -> Path:
    return Path(settings.VOTE_KEY_DIR)


def key_path(vote_id: int) -> Path:
    return key_dir() / f"vote-{int(vote_id)}.key"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def new_key(vote_id: int) -> bytes:
    """Make a vote's key pair; write the private key to its file (mode 0600,
    replacing any earlier one, durably); return the 32-byte public key.

    Raises ``OSError`` when the directory cannot be written.
    """
    directory = key_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    private = X25519PrivateKey.generate()
    final = key_path(vote_id)
    temp = directory / f".{final.name}.{os.getpid()}.{time.monotonic_ns()}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, private.private_bytes_raw())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, final)
    _fsync_dir(directory)
    return private.public_key().public_bytes_raw()


def load_key(vote_id: int, public: bytes | None) -> X25519PrivateKey | None:
    """The vote's private key, or ``None`` when its file is missing, unreadable
    or does not match the vote's public key."""
    try:
        raw = key_path(vote_id).read_bytes()
        private = X25519PrivateKey.from_private_bytes(raw)
    except (OSError, ValueError):
        return None
    if public is None or private.public_key().public_bytes_raw() != bytes(public):
        return None
    return private


def destroy_key(vote_id: int) -> bool:
    """Overwrite the vote's key file with random bytes, then unlink it.
    True if a file was destroyed; never raises (the scheduler retries)."""
    path = key_path(vote_id)
    try:
        with open(path, "r+b", buffering=0) as handle:
            size = os.fstat(handle.fileno()).st_size
            handle.write(os.urandom(max(size, KEY_BYTES)))
            os.fsync(handle.fileno())
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError:
        logger.exception("vote %s: could not destroy the ballot key %s", vote_id, path)
        return False
    _fsync_dir(path.parent)
    return True


def key_files() -> dict[int, Path]:
    """The key files in the directory, by vote id."""
    try:
        entries = list(key_dir().iterdir())
    except FileNotFoundError:
        return {}
    return {
        int(match.group(1)): entry
        for entry in entries
        if (match := _NAME.match(entry.name))
    }


# ---------------------------------------------------------------------------
# sealing and opening
# ---------------------------------------------------------------------------
def _aad(vote_id: int) -> bytes:
    return b"nghisu-ballot-v1:%d" % int(vote_id)


def _aead(shared: bytes, ephemeral: bytes, public: bytes, vote_id: int) -> AESGCM:
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral + public,
        info=_aad(vote_id),
    ).derive(shared)
    return AESGCM(key)


def seal(vote_id: int, public: bytes, ballots: list[tuple[int, str]]) -> list[bytes]:
    """Seal ballots ``(option index, receipt)`` to the vote's public key: one
    key agreement per call (a batch), a random nonce per ballot; every result
    is :data:`SEALED_BYTES` long."""
    if not ballots:
        return []
    public = bytes(public)
    ephemeral = X25519PrivateKey.generate()
    epk = ephemeral.public_key().public_bytes_raw()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
    aead = _aead(shared, epk, public, vote_id)
    aad = _aad(vote_id)
    out = []
    for index, receipt in ballots:
        plain = bytes([index]) + receipt.encode("ascii")
        if len(plain) != PLAIN_BYTES:
            raise ValueError("a receipt code has 11 characters")
        nonce = os.urandom(NONCE_BYTES)
        out.append(epk + nonce + aead.encrypt(nonce, plain, aad))
    return out


def open_sealed(
    vote_id: int, private: X25519PrivateKey, sealed: list[bytes]
) -> list[tuple[int, str]]:
    """Open sealed ballots: ``(option index, receipt)`` each, or
    :class:`SealError` if any does not open."""
    public = private.public_key().public_bytes_raw()
    aad = _aad(vote_id)
    ciphers: dict[bytes, AESGCM] = {}
    out = []
    for blob in sealed:
        blob = bytes(blob)
        if len(blob) != SEALED_BYTES:
            raise SealError("a sealed ballot has the wrong length")
        epk = blob[:KEY_BYTES]
        nonce = blob[KEY_BYTES : KEY_BYTES + NONCE_BYTES]
        aead = ciphers.get(epk)
        if aead is None:
            try:
                shared = private.exchange(X25519PublicKey.from_public_bytes(epk))
            except ValueError as exc:
                raise SealError("a sealed ballot has a bad key") from exc
            aead = ciphers[epk] = _aead(shared, epk, public, vote_id)
        try:
            plain = aead.decrypt(nonce, blob[KEY_BYTES + NONCE_BYTES :], aad)
        except InvalidTag as exc:
            raise SealError("a sealed ballot does not open") from exc
        out.append((plain[0], plain[1:].decode("ascii")))
    return out


# ---------------------------------------------------------------------------
# the scheduler's sweep
# ---------------------------------------------------------------------------
def sweep_keys(now: float | None = None) -> int:
    """Destroy the key files no open vote needs: of votes closed (a process
    died between the close's commit and the unlink) or gone (a meeting
    deleted), and of votes still in draft for over :data:`ORPHAN_SECONDS` (an
    opening that rolled back). Returns how many were destroyed."""
    from meetings.room_models import Vote, VoteStatus

    files = key_files()
    if not files:
        return 0
    now = time.time() if now is None else now
    status = dict(Vote.objects.filter(pk__in=list(files)).values_list("pk", "status"))
    destroyed = 0
    for vote_id, path in files.items():
        state = status.get(vote_id)
        if state == VoteStatus.OPEN:
            continue
        if state == VoteStatus.DRAFT:
            try:
                if now - path.stat().st_mtime < ORPHAN_SECONDS:
                    continue
            except FileNotFoundError:
                continue
        if destroy_key(vote_id):
            logger.info("vote %s: destroyed a leftover ballot key", vote_id)
            destroyed += 1
    return destroyed

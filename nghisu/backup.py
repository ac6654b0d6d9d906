"""Backup and restore of one deployment: the database and the media folder.

``python manage.py backup DIR`` writes::

    DIR/manifest.json       what is in the backup, with a SHA-256 of every part
    DIR/database.pgdump     PostgreSQL: pg_dump --format=custom
    DIR/database.sqlite3    or SQLite: a consistent copy (the sqlite backup API)
    DIR/media/ab/<sha256>   every kept media file, named by its content's hash

and ``python manage.py restore DIR`` checks every part against the manifest
before it changes anything, then replaces the database with the backup's and
writes every media file back to its path (docs/deployment.md, "Backup and
restore").

Media files are stored under the hash of their content, so a file kept by two
versions (or two backups made into one folder over the days) is stored once,
and a damaged or changed file is found by hashing it. Left out on purpose:
``documents/renders/`` (page images, clean and watermarked copies: the
pipeline makes them again on request) and ``documents/incoming/`` (uploads
being converted). Not in a backup at all, and said so in the manifest: the
keys of open secret votes (``VOTE_KEY_DIR``: a copy of a key next to the
ballots sealed to it would undo what sealing them protects; a secret vote open
at backup time cannot be counted after a restore and must be discarded,
``manage.py discard_vote``), the signing keys (``NGHISU_SIGNING_KEYS`` and the
PKCS#12 files it names: private keys belong to their own, safer copy) and the
environment file (``SECRET_KEY``, passwords).

No app is imported here: the database and the media folder are the whole
state (DESIGN.md: nothing lives only in Redis or in a process).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = 1
MANIFEST = "manifest.json"
#: Media subfolders not backed up (made again from what is backed up).
SKIPPED_MEDIA = ("documents/renders", "documents/incoming")
NOT_BACKED_UP = {
    "VOTE_KEY_DIR": "private keys of open secret votes: never copied next to "
    "the ballots sealed to them; discard a secret vote that was open at backup "
    "time (manage.py discard_vote)",
    "NGHISU_SIGNING_KEYS": "signing keys and their passphrases: keep their own "
    "copy apart from this backup",
    "environment": "SECRET_KEY, database and e-mail passwords: the operator's "
    "environment file",
}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


@dataclass
class Database:
    """The parts of a Django database setting that backup and restore use."""

    vendor: str  # "postgresql" or "sqlite"
    settings: dict[str, Any]

    @property
    def filename(self) -> str:
        return "database.pgdump" if self.vendor == "postgresql" else "database.sqlite3"

    def pg_args(self) -> tuple[list[str], dict[str, str]]:
        s = self.settings
        args = ["--dbname", s["NAME"]]
        if s.get("HOST"):
            args += ["--host", str(s["HOST"])]
        if s.get("PORT"):
            args += ["--port", str(s["PORT"])]
        if s.get("USER"):
            args += ["--username", str(s["USER"])]
        env = dict(os.environ)
        if s.get("PASSWORD"):
            env["PGPASSWORD"] = str(s["PASSWORD"])
        return args, env


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(
            f"Chưa cài {command[0]} (Debian: gói postgresql-client)."
        ) from None
    if done.returncode != 0:
        raise BackupError(f"{command[0]} lỗi: {done.stderr.strip()[-2000:]}")


# ---------------------------------------------------------------------------
# backup
# ---------------------------------------------------------------------------
def dump_database(db: Database, target: Path) -> None:
    """Write a consistent copy of the database to ``target``."""
    if db.vendor == "postgresql":
        args, env = db.pg_args()
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(target),
                *args,
            ],
            env,
        )
        return
    source = sqlite3.connect(db.settings["NAME"])
    copy = sqlite3.connect(target)
    try:
        with copy:
            source.backup(copy)
    finally:
        copy.close()
        source.close()


def _media_files(media_root: Path) -> list[Path]:
    files = []
    for path in sorted(media_root.rglob("*")):
        rel = path.relative_to(media_root).as_posix()
        if not path.is_file() or path.is_symlink():
            continue
        if any(rel == s or rel.startswith(s + "/") for s in SKIPPED_MEDIA):
            continue
        if path.name.startswith(".tmp-"):
            continue  # a write in progress (storage.write_atomically)
        files.append(path)
    return files


def copy_media(media_root: Path, target: Path) -> dict[str, dict[str, Any]]:
    """Store every kept media file under its hash; return path -> sha256, size."""
    kept: dict[str, dict[str, Any]] = {}
    for path in _media_files(media_root):
        sha = sha256_of(path)
        blob = target / sha[:2] / sha
        if not blob.exists():
            blob.parent.mkdir(parents=True, exist_ok=True)
            tmp = blob.with_name(f".{sha}.tmp")
            shutil.copyfile(path, tmp)
            os.replace(tmp, blob)
        kept[path.relative_to(media_root).as_posix()] = {
            "sha256": sha,
            "size": path.stat().st_size,
        }
    return kept


def backup(db: Database, media_root: Path, directory: Path) -> dict[str, Any]:
    """Write a backup into ``directory`` (new or empty); return its manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / MANIFEST).exists():
        raise BackupError(
            f"Thư mục {directory} đã chứa một bản sao lưu; hãy chọn thư mục mới."
        )
    started = dt.datetime.now(dt.UTC)
    database = directory / db.filename
    dump_database(db, database)
    media = copy_media(media_root, directory / "media") if media_root.exists() else {}
    manifest = {
        "format": FORMAT,
        "created": started.isoformat(timespec="seconds"),
        "database": {
            "vendor": db.vendor,
            "file": db.filename,
            "sha256": sha256_of(database),
        },
        "media": media,
        "skipped_media": list(SKIPPED_MEDIA),
        "not_backed_up": NOT_BACKED_UP,
    }
    tmp = directory / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    os.replace(tmp, directory / MANIFEST)  # the manifest last: a complete backup
    return manifest


# ---------------------------------------------------------------------------
# restore
# ---------------------------------------------------------------------------
def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(
            f"Thư mục {directory} không chứa bản sao lưu (thiếu {MANIFEST})."
        ) from None
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"Không nhận ra định dạng sao lưu {manifest.get('format')!r}."
        )
    return manifest


def verify(directory: Path, manifest: dict[str, Any]) -> list[str]:
    """Every part that is missing or differs from the manifest (empty: sound)."""
    problems = []
    database = directory / manifest["database"]["file"]
    if not database.exists():
        problems.append(f"thiếu {database.name}")
    elif sha256_of(database) != manifest["database"]["sha256"]:
        problems.append(f"{database.name} sai mã băm (differs from its hash)")
    seen: set[str] = set()
    for rel, entry in manifest["media"].items():
        sha = entry["sha256"]
        if sha in seen:
            continue
        seen.add(sha)
        blob = directory / "media" / sha[:2] / sha
        if not blob.exists():
            problems.append(f"thiếu tệp {rel}")
        elif sha256_of(blob) != sha:
            problems.append(f"tệp {rel} sai mã băm (differs from its hash)")
    return problems


def restore_database(db: Database, source: Path) -> None:
    """Replace the database's contents with the backup's."""
    if db.vendor == "postgresql":
        args, env = db.pg_args()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                *args,
                str(source),
            ],
            env,
        )
        return
    backup_copy = sqlite3.connect(source)
    live = sqlite3.connect(db.settings["NAME"])
    try:
        with live:
            backup_copy.backup(live)
    finally:
        live.close()
        backup_copy.close()


def restore_media(directory: Path, manifest: dict[str, Any], media_root: Path) -> int:
    """Write every media file of the backup to its path; return how many."""
    written = 0
    root = media_root.resolve()
    for rel, entry in manifest["media"].items():
        target = (media_root / rel).resolve()
        if root not in target.parents:
            raise BackupError(f"Đường dẫn {rel!r} nằm ngoài thư mục media.")
        sha = entry["sha256"]
        if target.exists() and sha256_of(target) == sha:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        os.close(fd)
        shutil.copyfile(directory / "media" / sha[:2] / sha, tmp)
        os.chmod(tmp, 0o640)
        os.replace(tmp, target)
        written += 1
    return written


def restore(db: Database, media_root: Path, directory: Path) -> dict[str, Any]:
    """Check the backup whole, then restore the database and the media."""
    manifest = read_manifest(directory)
    if manifest["database"]["vendor"] != db.vendor:
        raise BackupError(
            f"Bản sao lưu là của cơ sở dữ liệu {manifest['database']['vendor']}; "
            f"hệ thống này dùng {db.vendor}."
        )
    problems = verify(directory, manifest)
    if problems:
        raise BackupError(
            "Bản sao lưu bị hỏng, chưa khôi phục gì: " + "; ".join(problems[:10]) + "."
        )
    restore_database(db, directory / manifest["database"]["file"])
    written = restore_media(directory, manifest, media_root)
    return {"manifest": manifest, "media_written": written}

"""Settings for the test run: the project's settings with development defaults.

pytest-django imports this before any conftest, so the defaults are set here.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("TASK_BACKEND", "immediate")
# The pool tests hang, crash and exhaust workers on purpose with test-only operations.
os.environ.setdefault("NGHISU_PDF_TEST_OPS", "1")

from nghisu.settings import *  # noqa: E402,F403

# Hash test passwords quickly; the real hasher stays Django's PBKDF2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Secret votes' private keys: a directory of this run, removed at its end.
VOTE_KEY_DIR = Path(tempfile.mkdtemp(prefix="nghisu-vote-keys-"))
atexit.register(shutil.rmtree, VOTE_KEY_DIR, True)

# Body signing keys: none unless a test configures them (never the developer's var/).
SIGNING_KEYS_FILE = Path(tempfile.mkdtemp(prefix="nghisu-signing-")) / "keys.json"
atexit.register(shutil.rmtree, SIGNING_KEYS_FILE.parent, True)
SIGNING_TSA_URL = ""

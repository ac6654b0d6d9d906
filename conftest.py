"""Root pytest set-up: tests run with development defaults unless told otherwise."""

import os

# Loaded before Django: a test run needs no SECRET_KEY or ALLOWED_HOSTS of its own.
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("TASK_BACKEND", "immediate")
os.environ.setdefault(
    "NGHISU_PDF_TEST_OPS", "1"
)  # the pool tests crash workers on purpose

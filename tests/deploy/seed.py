"""Seed the stack's database (run as ``python -m``): what tests.realtime.daphne_seed
seeds, with its agenda document, plus an outsider account. Prints one line of JSON."""

from __future__ import annotations

import contextlib
import io
import json
import sys

from tests.realtime import daphne_seed


def main() -> None:
    password = sys.argv[1]
    sys.argv = [sys.argv[0], "--document", "--password", password, "--voters", "1"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        daphne_seed.main()
    seed = json.loads(out.getvalue().strip().splitlines()[-1])

    from accounts import actions
    from documents.models import Document

    document = Document.objects.get()
    version = document.latest_version
    outsider = actions.create_user("ngoai", full_name="Người ngoài", password=password)
    seed |= {
        "document": document.pk,
        "version": version.number,
        "pages": version.page_count,
        "sha": version.sha256,
        "outsider": outsider.pk,
    }
    print(json.dumps(seed))


if __name__ == "__main__":
    main()

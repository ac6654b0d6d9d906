"""Every file of the shared corpus through the real pipeline: upload → task →
ready or failed with a reason, while page renders for others keep being served.

The reader runs the same function the page-image view runs
(``processing.render_page``, uncached each time so it needs the pool) in a
thread; an HTTP reader against live_server is not possible here because SQLite's
shared in-memory test database locks tables across threads. The browser test
(tests/e2e/test_documents_browser.py) checks the HTTP side after a hostile upload.

Reads ../shared/pdf-corpus in place (NGHISU_PDF_CORPUS overrides); never copies it.
"""

from __future__ import annotations

import threading
import time

import pytest

from documents import actions, processing, storage
from documents.models import VersionStatus
from documents.pdf import MESSAGES
from nghisu.errors import ActionError
from tests.documents import pdf_builders as B
from tests.documents.conftest import upload_file
from tests.documents.test_pdf_corpus import FILES, MUST_ACCEPT, MUST_REFUSE

#: Refused by the PDF layer but valid by content here: a real PNG renamed .pdf is
#: an image upload, turned into a one-page PDF.
ACCEPTED_BY_CONTENT = {"malformed__pypdf__smile-png-renamed.pdf"}


def _create(cast, path):
    with open(path, "rb") as fh:
        data = fh.read()
    return actions.create_document(
        cast.secretary,
        body=cast.hdnd,
        title=path.stem,
        uploaded_file=upload_file(path.name, data),
    )


@pytest.mark.skipif(not FILES, reason="PDF corpus not found")
def test_the_whole_corpus_is_processed_or_refused_while_others_are_served(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.DOCUMENT_PRERENDER_WIDTHS = ()  # thumbnails only: keep the run short
    with django_capture_on_commit_callbacks(execute=True):
        reader_doc = actions.create_document(
            cast.secretary,
            body=cast.hdnd,
            title="Đang đọc",
            uploaded_file=upload_file("r.pdf", B.text_pdf(1)),
        )
    reader_version = reader_doc.versions.get()
    answers: list[tuple[bool, float]] = []
    current = ""
    stop = threading.Event()

    def read_forever():
        widths = (400, 800, 1200)
        while not stop.is_set():
            width = widths[len(answers) % 3]
            cached = storage.find_render(
                storage.render_dir(reader_version.sha256), 1, width
            )
            if cached:
                cached.unlink()
            started = time.monotonic()
            try:
                path, _ctype = processing.render_page(reader_version, 1, width)
            except Exception as exc:  # recorded, asserted below
                answers.append(
                    (f"{exc!r} during {current}", time.monotonic() - started)
                )
            else:
                answers.append((path.exists(), time.monotonic() - started))
            time.sleep(0.05)

    reader = threading.Thread(target=read_forever, daemon=True)
    reader.start()
    outcomes = {}
    try:
        for path in FILES:
            current = path.name
            try:
                with django_capture_on_commit_callbacks(execute=True):
                    document = _create(cast, path)
            except ActionError as exc:
                outcomes[path.name] = ("refused", exc.code, exc.message)
                continue
            version = document.versions.get()
            outcomes[path.name] = (
                version.status,
                version.failure_code,
                version.failure_reason,
            )
            if version.status == VersionStatus.READY:
                assert version.pages.count() == version.page_count == version.pages_done
                thumbs = storage.render_dir(version.sha256)
                assert storage.find_render(thumbs, 1, 160) is not None, path.name
            else:
                assert version.status == VersionStatus.FAILED, path.name
                assert version.failure_code in MESSAGES, path.name
                assert version.failure_reason, path.name
    finally:
        stop.set()
        reader.join(timeout=30)

    for name, (status, code, message) in outcomes.items():
        if name in MUST_ACCEPT or name in ACCEPTED_BY_CONTENT:
            assert status == "ready", (name, code, message)
        elif name in MUST_REFUSE:
            assert status in ("failed", "refused"), (name, status)
            assert message, name
    failures = [a for a in answers if a[0] is not True]
    assert answers and not failures, failures
    print(
        f"\ncorpus: {len(outcomes)} files, "
        f"{sum(s == 'ready' for s, *_ in outcomes.values())} ready, "
        f"{len(answers)} reads meanwhile, slowest {max(t for _, t in answers) * 1000:.0f} ms"
    )

"""Processing of an uploaded version: validate, extract, render ahead.

Plain functions, callable from a benchmark, and the tasks that run them in the
background (:func:`process_version_task`, :func:`prerender_version_task`),
defined here so that enqueueing never imports a module above this one. Every PyMuPDF call goes to the sandboxed pool of :mod:`documents.pdf`
(this process never imports PyMuPDF); a crash, hang or limit there becomes a
``PdfError`` that marks this version failed with its Vietnamese reason and
touches nothing else.

Progress: ``pages_done`` is saved after each chunk of pages
(``DOCUMENT_CHUNK_PAGES``) so the upload page can poll it, with that chunk's pages
and a heartbeat, while this attempt holds the version (:mod:`documents.leases`):
an attempt after a dead one resumes after the pages stored. A version becomes
ready once every page has its text, word boxes and thumbnail; the larger common
widths are rendered afterwards by :func:`prerender_version` (a page asked for
before that is rendered by the pool on request).
"""

from __future__ import annotations

import logging
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskContext, task

from documents import leases, pdf, signatures, storage
from documents.models import DocumentPage, DocumentVersion, VersionStatus
from nghisu.text import fold

logger = logging.getLogger(__name__)

THUMBNAIL_WIDTH = 160


def _update(version: DocumentVersion, lease: leases.Lease, **fields) -> None:
    """Save ``fields`` (and the heartbeat) while ``lease`` holds the version."""
    lease.beat(**fields)
    for name, value in fields.items():
        setattr(version, name, value)


def _convert_images(version: DocumentVersion, lease: leases.Lease) -> None:
    """Turn an uploaded JPEG/PNG into a one-page PDF stored under its hash."""
    incoming = storage.root() / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=incoming, prefix="img-", suffix=".pdf")
    os.close(fd)
    try:
        pdf.images_to_pdf([storage.absolute(version.source_file)], tmp)
        sha = storage.sha256_of_file(Path(tmp))
        rel = storage.relative_file_path(sha, "pdf")
        target = storage.absolute(rel)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    _update(version, lease, sha256=sha, file=rel)


def process_version(
    version_id: int, *, worker_id: str | None = None
) -> DocumentVersion:
    """Validate and index one version, reporting progress; return it.

    Idempotent: a ready or failed version, or one another live attempt holds,
    is left alone. An attempt after a dead one resumes after the pages it
    stored (see :mod:`documents.leases`); an attempt declared dead that comes
    back stops at its next chunk without writing.
    """
    lease = leases.claim(version_id, worker_id=worker_id)
    version = DocumentVersion.objects.get(pk=version_id)
    if lease is None:
        return version
    try:
        if version.source_kind != "pdf" and not version.file:
            _convert_images(version, lease)
        _index(version, lease)
    except leases.LeaseLost:
        logger.warning(
            "version %s: attempt %s was taken over; it stops here",
            version.pk,
            lease.attempt,
        )
    except pdf.PdfError as exc:
        logger.info("version %s failed: %s (%s)", version.pk, exc.code, exc.message)
        leases.fail(version.pk, lease, exc.code, exc.message)
    except Exception:
        logger.exception("version %s: unexpected error while processing", version.pk)
        leases.fail(version.pk, lease, "internal", pdf.MESSAGES["internal"])
    version.refresh_from_db()
    return version


def _resume_from(version: DocumentVersion, lease: leases.Lease) -> int:
    """Return the first page to process: after the pages an earlier attempt
    stored (with their thumbnails), or 1 with the pages cleared."""
    done = version.pages_done if version.page_count else 0
    with transaction.atomic():
        lease.beat()
        DocumentPage.objects.filter(version=version, number__gt=done).delete()
        if DocumentPage.objects.filter(version=version).count() != done:
            DocumentPage.objects.filter(version=version).delete()
            done = 0
    if done:
        logger.info(
            "version %s: attempt %s resumes after page %s",
            version.pk,
            lease.attempt,
            done,
        )
    version.pages_done = done
    return done + 1


def _inspect(version: DocumentVersion, lease: leases.Lease) -> None:
    info = pdf.inspect(
        storage.absolute(version.file), max_pages=settings.DOCUMENT_MAX_PAGES
    )
    active = {
        key: info.get(key)
        for key in (
            "has_javascript",
            "has_embedded_files",
            "has_rich_media",
            "has_launch",
            "has_xfa",
            "has_auto_actions",
        )
        if info.get(key)
    }
    _update(
        version,
        lease,
        page_count=info["page_count"],
        page_sizes=info["page_sizes"],
        is_scanned=bool(info.get("is_scanned")),
        active_content=active,
        pages_done=0,
    )


def _index(version: DocumentVersion, lease: leases.Lease) -> None:
    start = _resume_from(version, lease)
    if start == 1:
        _inspect(version, lease)
        signatures.verify_version(version, user=version.uploaded_by)
    path = storage.absolute(version.file)
    total = version.page_count
    out_dir = storage.render_dir(version.sha256)
    chunk = max(1, settings.DOCUMENT_CHUNK_PAGES)
    chunks = [
        (first, min(first + chunk - 1, total))
        for first in range(start, total + 1, chunk)
    ]

    def work(bounds: tuple[int, int]) -> list[dict]:
        first, last = bounds
        return pdf.process_chunk(
            path, first=first, last=last, widths=[THUMBNAIL_WIDTH], out_dir=out_dir
        )

    # Chunks go to every worker of the pool at once (the pool is thread-safe);
    # results come back in page order and are written from this thread only,
    # each chunk's pages and progress in one transaction with the heartbeat.
    # A failure or a lost lease cancels the chunks not started yet.
    executor = ThreadPoolExecutor(max_workers=settings.DOCUMENT_PDF_WORKERS)
    try:
        for (_first, last), extracted in zip(
            chunks, executor.map(work, chunks), strict=True
        ):
            with transaction.atomic():
                _update(version, lease, pages_done=last)
                _store_pages(version, extracted)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    _update(
        version,
        lease,
        status=VersionStatus.READY,
        processed_at=timezone.now(),
    )
    transaction.on_commit(lambda: enqueue_prerender(version.pk))


def _store_pages(version: DocumentVersion, extracted: list[dict]) -> None:
    DocumentPage.objects.bulk_create(
        [
            DocumentPage(
                version=version,
                number=item["page"],
                text=item["text"],
                text_folded=item.get("text_folded") or fold(item["text"]),
                words=item["words"],
            )
            for item in extracted
        ]
    )


@task(queue_name="pdf", takes_context=True)
def process_version_task(context: TaskContext, version_id: int) -> str:
    """Validate, extract and thumbnail one uploaded version.

    The attempt is named after this task run, so that the scheduler can close
    the task row of a worker that died (see :mod:`documents.leases`).
    """
    worker_id = leases.worker_identity(task_id=context.task_result.id)
    return process_version(version_id, worker_id=worker_id).status


@task(queue_name="pdf")
def prerender_version_task(version_id: int) -> list[int]:
    """Render a ready version ahead at the common widths not cached yet."""
    return prerender_version(version_id)


def enqueue_processing(version_id: int) -> None:
    process_version_task.enqueue(version_id)


def enqueue_prerender(version_id: int) -> None:
    prerender_version_task.enqueue(version_id)


def recover_stale_versions(now=None) -> dict[str, int]:
    """The scheduler's recovery of dead attempts (:mod:`documents.leases`),
    re-enqueueing through :func:`enqueue_processing`."""
    return leases.recover_stale_versions(now, requeue=enqueue_processing)


def prerender_version(
    version_id: int, widths: tuple[int, ...] | None = None
) -> list[int]:
    """Render every page of a ready version at the widths not cached yet.

    Return the widths rendered. Failures are logged, not raised: a page that
    cannot be rendered ahead is tried again on request.
    """
    version = DocumentVersion.objects.get(pk=version_id)
    if version.status != VersionStatus.READY:
        return []
    widths = widths or tuple(settings.DOCUMENT_PRERENDER_WIDTHS)
    missing = storage.missing_widths(version.sha256, version.page_count, widths)
    if not missing:
        return []
    path = storage.absolute(version.file)
    out_dir = storage.render_dir(version.sha256)
    chunk = max(1, settings.DOCUMENT_CHUNK_PAGES)
    try:
        for first in range(1, version.page_count + 1, chunk):
            last = min(first + chunk - 1, version.page_count)
            pdf.render_many(path, list(range(first, last + 1)), missing, out_dir)
    except pdf.PdfError as exc:
        logger.warning("prerender of version %s stopped: %s", version.pk, exc.code)
    return missing


def render_page(
    version: DocumentVersion,
    page: int,
    width: int,
    *,
    watermark: list[str] | None = None,
    viewer_key: str | None = None,
) -> tuple[Path, str]:
    """Return (path, content type) of a page image, rendering it if not cached.

    Watermarked renders are cached per ``viewer_key``. Raises ``PdfError``.
    """
    directory = storage.render_dir(version.sha256, viewer_key=viewer_key)
    cached = storage.find_render(directory, page, width)
    if cached is not None:
        return cached, storage.IMAGE_TYPES[cached.suffix[1:]]
    path = storage.absolute(version.file)
    if watermark:
        data, ctype = pdf.render_watermarked(path, page, width, lines=watermark)
    else:
        data, ctype = pdf.render(path, page, width)
    target = storage.render_path(directory, page, width, ctype)
    storage.write_atomically(target, [data])
    return target, ctype


def clean_copy(
    version: DocumentVersion,
    *,
    watermark: list[str] | None = None,
    viewer_key: str | None = None,
) -> Path:
    """Return the path of the cleaned (and, if asked, watermarked) PDF to give out.

    The clean copy is made once per content (``pdf.sanitize`` removes scripts,
    actions, embedded files and rich media and re-scans); a watermarked copy is
    made once per viewer and day from it.

    A digitally signed file is given out bit for bit, its signatures intact,
    unless it carries active content: then it is withheld (``PdfError``
    ``signed_active``), since cleaning it would destroy the signatures. A
    confidential signed file is watermarked like any other (the watermark
    breaks the signatures; the viewer's panel still shows them).
    """
    if version.signatures and not watermark:
        if version.active_content:
            raise pdf.PdfError("signed_active")
        return storage.absolute(version.file)
    base = storage.render_dir(version.sha256)
    clean = base / "clean.pdf"
    if not clean.exists():
        base.mkdir(parents=True, exist_ok=True)
        tmp = base / f".clean-{os.getpid()}.pdf"
        pdf.sanitize(storage.absolute(version.file), tmp)
        os.replace(tmp, clean)
    if not watermark:
        return clean
    marked_dir = storage.render_dir(version.sha256, viewer_key=viewer_key)
    marked = marked_dir / "download.pdf"
    if not marked.exists():
        marked_dir.mkdir(parents=True, exist_ok=True)
        tmp = marked_dir / f".download-{os.getpid()}.pdf"
        pdf.watermark_pdf(clean, tmp, lines=watermark)
        os.replace(tmp, marked)
    return marked

"""Search over titles and page text, ignoring case and Vietnamese diacritics.

Text and queries are NFC-normalised, then folded (:func:`nghisu.text.fold`):
"nghi quyet" finds "Nghị quyết", "đ" matches "d". The folded columns are
matched with ``LIKE '%...%'``; PostgreSQL serves that from the pg_trgm GIN
indexes of migration 0002, SQLite scans. Only the latest version of documents
the user may view is searched.

Confidential ("Mật") pages give page numbers only: their text never leaves the
database here (the viewer withholds their text layer too), and each search
that finds such pages is audited as ``document.search_hit``, one event per
document, with the folded query and the page numbers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Case, F, TextField, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from documents.models import Classification, Document, DocumentPage
from documents.queries import viewable_documents
from nghisu.text import fold, nfc

SNIPPET_CHARS = 80
MAX_PAGE_HITS = 50
MAX_TITLE_HITS = 20


@dataclass
class PageHit:
    document: Document
    page: int
    snippet: SafeString  # empty for a confidential page

    @property
    def confidential(self) -> bool:
        return self.document.is_confidential


@dataclass
class Results:
    query: str
    titles: list[Document]
    pages: list[PageHit]

    @property
    def empty(self) -> bool:
        return not self.titles and not self.pages


def _fold_char(ch: str) -> str:
    """Fold one character to exactly one character (keeps offsets aligned)."""
    if ch.isspace():
        return " "
    base = "".join(
        c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)
    )
    base = base.replace("đ", "d").replace("Đ", "D").lower()
    return base[:1] or ch


def snippet(text: str, folded_query: str) -> SafeString:
    """Return an escaped excerpt of ``text`` around the match, marked with <mark>."""
    text = nfc(text)
    aligned = "".join(_fold_char(ch) for ch in text)
    words = folded_query.split()
    match = (
        re.search(r"\s+".join(re.escape(w) for w in words), aligned) if words else None
    )
    if match is None:
        head = text[: 2 * SNIPPET_CHARS]
        return mark_safe(escape(" ".join(head.split())))  # noqa: S308
    start, end = match.span()
    lo, hi = max(0, start - SNIPPET_CHARS), min(len(text), end + SNIPPET_CHARS)
    before = " ".join(text[lo:start].split())
    after = " ".join(text[end:hi].split())
    found = " ".join(text[start:end].split())
    html = (
        ("… " if lo > 0 else "")
        + escape(before)
        + (" " if before and text[start - 1 : start].isspace() else "")
        + f"<mark>{escape(found)}</mark>"
        + (" " if after and text[end : end + 1].isspace() else "")
        + escape(after)
        + (" …" if hi < len(text) else "")
    )
    return mark_safe(html)  # noqa: S308 - every part is escaped above


def search(user, query: str, *, ip: str | None = None) -> Results:
    """Return the title and page hits of ``query`` for ``user``.

    3 queries, and one more (the audit) when confidential pages are found.
    """
    folded = fold(query)
    if len(folded) < 2:
        return Results(query=query, titles=[], pages=[])
    docs = viewable_documents(user)
    titles = list(docs.filter(title_folded__contains=folded)[:MAX_TITLE_HITS])
    pages = list(
        DocumentPage.objects.filter(
            version__document__in=docs.values("pk"),
            version_id=F("version__document__latest_version_id"),
            text_folded__contains=folded,
        )
        .select_related("version__document__body")
        .annotate(
            # A confidential page's text is not even read from the database.
            shown_text=Case(
                When(
                    version__document__classification=Classification.CONFIDENTIAL,
                    then=Value(""),
                ),
                default=F("text"),
                output_field=TextField(),
            )
        )
        .only(
            "number",
            "version__number",
            "version__document__title",
            "version__document__classification",
            "version__document__body__name",
        )
        .order_by("-version__document__created_at", "version__document_id", "number")[
            :MAX_PAGE_HITS
        ]
    )
    hits = [
        PageHit(
            document=p.version.document,
            page=p.number,
            snippet=mark_safe("")  # noqa: S308 - empty
            if p.version.document.is_confidential
            else snippet(p.shown_text, folded),
        )
        for p in pages
    ]
    _audit_confidential(user, pages, folded, ip=ip)
    return Results(query=query, titles=titles, pages=hits)


def _audit_confidential(user, pages: list[DocumentPage], folded: str, *, ip) -> None:
    """One ``document.search_hit`` event per confidential document found."""
    from accounts.actions import record_audits

    found: dict[int, tuple[Document, int, list[int]]] = {}
    for p in pages:
        document = p.version.document
        if document.is_confidential:
            found.setdefault(document.pk, (document, p.version.number, []))[2].append(
                p.number
            )
    record_audits(
        user,
        "document.search_hit",
        [
            (document, {"query": folded, "version": number, "pages": numbers})
            for document, number, numbers in found.values()
        ],
        ip=ip,
    )

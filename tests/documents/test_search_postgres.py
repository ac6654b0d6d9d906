"""PostgreSQL: trigram indexes serve the folded-text search."""

from __future__ import annotations

import pytest
from django.db import connection

from documents.models import DocumentPage

pytestmark = pytest.mark.postgres


def test_trigram_indexes_exist_and_serve_the_search(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'documents_%%_trgm'"
        )
        names = {row[0] for row in cursor.fetchall()}
    assert names == {"documents_title_folded_trgm", "documents_page_text_folded_trgm"}
    query = DocumentPage.objects.filter(text_folded__contains="nghi quyet")
    # Without scans that read everything (a sequential scan, or a whole btree
    # index in order, which the planner chose on some statistics), only the
    # trigram index can answer the filter: the plan must name it.
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_indexscan = off")
        plan = query.explain()
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_indexscan")
    assert "documents_page_text_folded_trgm" in plan


def test_confidential_pages_give_no_snippet_on_postgresql(
    cast, make_document, tmp_path
):
    """The PostgreSQL path (trigram indexes, its CASE) withholds the text too."""
    from accounts.models import AuditEvent
    from documents import pdf
    from documents.search import search

    path = tmp_path / "mat.pdf"
    pdf.make_demo_pdf(
        path, title="Mật", paragraphs=["Phương án di dời khu dân cư ven suối."], pages=1
    )
    secret = make_document(
        cast.secretary,
        body=cast.hdnd,
        data=path.read_bytes(),
        classification="confidential",
    )
    hits = search(cast.secretary, "phuong an di doi").pages
    assert [(h.document.pk, h.page, h.snippet) for h in hits] == [(secret.pk, 1, "")]
    assert AuditEvent.objects.filter(
        action="document.search_hit", object_id=str(secret.pk)
    ).exists()

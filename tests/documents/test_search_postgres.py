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
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = query.explain()
        cursor.execute("RESET enable_seqscan")
    assert "documents_page_text_folded_trgm" in plan

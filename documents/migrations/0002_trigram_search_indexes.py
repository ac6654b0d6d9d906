"""Trigram indexes serving the folded-text search, on PostgreSQL only.

Search filters ``title_folded`` and ``text_folded`` with ``LIKE '%...%'`` (the
columns are already lower-cased and stripped of diacritics); pg_trgm's GIN
indexes serve exactly that. SQLite has no such index and scans the columns.
"""

from django.db import migrations

INDEXES = (
    ("documents_title_folded_trgm", "documents_document", "title_folded"),
    ("documents_page_text_folded_trgm", "documents_documentpage", "text_folded"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]

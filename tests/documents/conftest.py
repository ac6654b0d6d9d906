"""Fixtures of the documents tests: isolated media, uploads made from bytes."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test stores its files in its own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


def upload_file(name: str, data: bytes, content_type: str = "application/pdf"):
    """Return an uploaded file as a view or action receives it."""
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def make_document(django_capture_on_commit_callbacks):
    """Create a document through the real action and run its processing."""
    from documents import actions

    def make(actor, *, body, data: bytes, title="Tài liệu", name="tai-lieu.pdf", **kw):
        with django_capture_on_commit_callbacks(execute=True):
            document = actions.create_document(
                actor,
                body=body,
                title=title,
                uploaded_file=upload_file(name, data),
                **kw,
            )
        document.refresh_from_db()
        return document

    return make

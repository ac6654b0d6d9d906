from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Documents: files, versions, pages, search, sharing, watermarks."""

    name = "documents"
    verbose_name = "Tài liệu"

from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Documents: files, versions, pages, search, sharing, watermarks."""

    name = "documents"
    verbose_name = "Tài liệu"

    def ready(self) -> None:
        """Size this process's sandboxed PDF pool from settings (started lazily)."""
        from django.conf import settings

        from documents import pdf

        pdf.configure(
            pdf.PoolConfig(
                workers=settings.DOCUMENT_PDF_WORKERS,
                cpu_seconds=settings.DOCUMENT_PDF_CPU_SECONDS,
                memory_bytes=settings.DOCUMENT_PDF_MEMORY_MB * 1024 * 1024,
                wall_seconds=float(settings.DOCUMENT_PDF_WALL_SECONDS),
                max_jobs=settings.DOCUMENT_PDF_MAX_JOBS,
            )
        )

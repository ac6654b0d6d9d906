from django.apps import AppConfig


def pool_config(**overrides):
    """The PDF pool configuration from settings, with ``overrides`` applied."""
    from dataclasses import replace

    from django.conf import settings

    from documents import pdf

    config = pdf.PoolConfig(
        workers=settings.DOCUMENT_PDF_WORKERS,
        cpu_seconds=settings.DOCUMENT_PDF_CPU_SECONDS,
        memory_bytes=settings.DOCUMENT_PDF_MEMORY_MB * 1024 * 1024,
        wall_seconds=float(settings.DOCUMENT_PDF_WALL_SECONDS),
        max_jobs=settings.DOCUMENT_PDF_MAX_JOBS,
    )
    return replace(config, **overrides) if overrides else config


class DocumentsConfig(AppConfig):
    """Documents: files, versions, pages, search, sharing, watermarks."""

    name = "documents"
    verbose_name = "Tài liệu"

    def ready(self) -> None:
        """Size this process's sandboxed PDF pool from settings (started lazily)
        and report its gauges at /metrics."""
        from documents import pdf
        from documents.pdf import pool
        from nghisu import metrics

        pdf.configure(pool_config())
        metrics.register(pool.collect)

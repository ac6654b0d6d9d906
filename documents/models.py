"""Documents, their versions and pages, and the object permissions on them.

Files live under ``MEDIA_ROOT/documents/`` named by their SHA-256 (see
:mod:`documents.storage`); rows only hold the hash and the relative path.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from nghisu.text import fold, nfc

#: Every object permission a document has, in the order the UI lists them.
DOCUMENT_PERMS = (
    "view_document",
    "download_document",
    "annotate_document",
    "change_document",
    "share_document",
)


class Classification(models.TextChoices):
    PUBLIC = "public", _("Công khai")
    INTERNAL = "internal", _("Nội bộ")
    CONFIDENTIAL = "confidential", _("Mật")


class Document(models.Model):
    """A document of a body (an agenda pack, a draft resolution, a report).

    ``latest_version`` points at the newest version (whatever its status); it is
    set in the same transaction that creates the version.
    """

    title = models.CharField(_("Tiêu đề"), max_length=300)
    title_folded = models.CharField(max_length=300, editable=False, db_index=True)
    body = models.ForeignKey(
        "accounts.Body",
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("Cơ quan"),
    )
    classification = models.CharField(
        _("Độ mật"),
        max_length=16,
        choices=Classification.choices,
        default=Classification.INTERNAL,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Người tạo"),
    )
    created_at = models.DateTimeField(_("Ngày tạo"), default=timezone.now)
    latest_version = models.ForeignKey(
        "DocumentVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("Phiên bản mới nhất"),
    )
    #: Whether readers may keep an offline copy on their tablets (the briefcase,
    #: docs/offline.md). None follows the classification: allowed, except for
    #: confidential (Mật) documents.
    offline_copies = models.BooleanField(
        _("Cho phép lưu bản offline"), null=True, blank=True, default=None
    )

    class Meta:
        verbose_name = _("tài liệu")
        verbose_name_plural = _("tài liệu")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("download_document", _("Tải xuống tài liệu")),
            ("annotate_document", _("Ghi chú trên tài liệu")),
            ("share_document", _("Chia sẻ tài liệu")),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.title = nfc(self.title).strip()
        self.title_folded = fold(self.title)[:300]
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "title_folded"}
        super().save(*args, **kwargs)

    @property
    def is_confidential(self) -> bool:
        return self.classification == Classification.CONFIDENTIAL

    @property
    def offline_allowed(self) -> bool:
        """May a reader keep this document in the offline briefcase?"""
        if self.offline_copies is None:
            return not self.is_confidential
        return self.offline_copies


class VersionStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ xử lý")
    PROCESSING = "processing", _("Đang xử lý")
    READY = "ready", _("Sẵn sàng")
    FAILED = "failed", _("Lỗi")


class SignatureStatus(models.TextChoices):
    NONE = "", _("Không có chữ ký số")
    VALID = "valid", _("Đã ký số")
    INVALID = "invalid", _("Chữ ký không hợp lệ")


class DocumentVersion(models.Model):
    """One uploaded file of a document; numbered from 1, the newest supersedes.

    ``file`` is the PDF the viewer shows (for an image upload, the PDF made from
    it once processed); ``source_file`` is the upload as received.
    """

    document = models.ForeignKey(
        Document,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("Tài liệu"),
    )
    number = models.PositiveIntegerField(_("Phiên bản"))
    source_kind = models.CharField(_("Loại tệp tải lên"), max_length=8)
    source_sha256 = models.CharField(max_length=64)
    source_file = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    file = models.CharField(max_length=200, blank=True)
    original_name = models.CharField(_("Tên tệp gốc"), max_length=255)
    size = models.PositiveBigIntegerField(_("Dung lượng (byte)"))
    page_count = models.PositiveIntegerField(_("Số trang"), default=0)
    page_sizes = models.JSONField(_("Kích thước trang"), default=list, blank=True)
    is_scanned = models.BooleanField(_("Bản quét"), default=False)
    active_content = models.JSONField(_("Nội dung hoạt động"), default=dict, blank=True)
    status = models.CharField(
        _("Trạng thái"),
        max_length=16,
        choices=VersionStatus.choices,
        default=VersionStatus.PENDING,
    )
    failure_code = models.CharField(max_length=32, blank=True)
    failure_reason = models.CharField(_("Lý do lỗi"), max_length=400, blank=True)
    pages_done = models.PositiveIntegerField(_("Số trang đã xử lý"), default=0)
    # Who processes it (documents/leases.py): the number of attempts started,
    # the current attempt's worker and its last sign of life.
    attempt = models.PositiveSmallIntegerField(_("Lần xử lý"), default=0)
    worker_id = models.CharField(max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Người tải lên"),
    )
    uploaded_at = models.DateTimeField(_("Thời điểm tải lên"), default=timezone.now)
    processed_at = models.DateTimeField(_("Xử lý xong lúc"), null=True, blank=True)
    # Digital signatures found in the file, as documents.pdf.signatures.verify
    # describes them, and their verdict (documents/signatures.py).
    signatures = models.JSONField(_("Chữ ký số"), default=list, blank=True)
    signature_status = models.CharField(
        _("Tình trạng chữ ký số"),
        max_length=16,
        choices=SignatureStatus.choices,
        default=SignatureStatus.NONE,
        blank=True,
    )
    signatures_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phiên bản tài liệu")
        verbose_name_plural = _("phiên bản tài liệu")
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="document_version_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document} (v{self.number})"

    @property
    def is_ready(self) -> bool:
        return self.status == VersionStatus.READY

    @property
    def is_busy(self) -> bool:
        return self.status in (VersionStatus.PENDING, VersionStatus.PROCESSING)

    @property
    def is_signed(self) -> bool:
        return bool(self.signatures)

    @property
    def annotated_after_signing(self) -> bool:
        """Were annotations (notes, highlights) appended after a signature?"""
        return any(s.get("modification") == "annotations" for s in self.signatures)

    @property
    def progress_percent(self) -> int:
        if not self.page_count:
            return 0
        return min(100, round(100 * self.pages_done / self.page_count))


class DocumentPage(models.Model):
    """The text of one page, folded for search, and its word boxes (0..1)."""

    version = models.ForeignKey(
        DocumentVersion, on_delete=models.CASCADE, related_name="pages"
    )
    number = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    text_folded = models.TextField(blank=True)
    words = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("trang tài liệu")
        verbose_name_plural = _("trang tài liệu")
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "number"], name="document_page_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} p{self.number}"


class DocumentUserObjectPermission(UserObjectPermissionBase):
    """A permission on a document granted to one user (guardian, direct FK)."""

    content_object = models.ForeignKey(Document, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("quyền của người dùng trên tài liệu")
        verbose_name_plural = _("quyền của người dùng trên tài liệu")


class DocumentGroupObjectPermission(GroupObjectPermissionBase):
    """A permission on a document granted to a group (a body's members, ...)."""

    content_object = models.ForeignKey(Document, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("quyền của nhóm trên tài liệu")
        verbose_name_plural = _("quyền của nhóm trên tài liệu")


class AnnotationKind(models.TextChoices):
    HIGHLIGHT = "highlight", _("Đánh dấu")
    INK = "ink", _("Nét bút")
    NOTE = "note", _("Ghi chú")
    FREETEXT = "freetext", _("Hộp chữ")


class AnnotationVisibility(models.TextChoices):
    PRIVATE = "private", _("Riêng tôi")
    MEETING = "meeting", _("Người dự họp")
    USERS = "users", _("Người được chọn")


class Annotation(models.Model):
    """A mark one user made on one page of a document version.

    The primary key is made by the client, so a replayed save finds its row.
    ``geometry`` holds page-normalised coordinates (0..1 of the displayed page):
    ``{"quads": [[x0, y0, x1, y1], ...]}`` for a highlight,
    ``{"strokes": [[[x, y], ...], ...], "width": w}`` for ink,
    ``{"point": [x, y]}`` for a note and ``{"rect": [x0, y0, x1, y1],
    "size": pt}`` for a text box. ``rev`` is the client's edit counter: an
    older or equal revision never overwrites a newer one. See
    docs/annotations.md.
    """

    id = models.UUIDField(primary_key=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="annotations",
        verbose_name=_("Người ghi"),
    )
    version = models.ForeignKey(
        DocumentVersion,
        on_delete=models.CASCADE,
        related_name="annotations",
        verbose_name=_("Phiên bản"),
    )
    page = models.PositiveIntegerField(_("Trang"))
    kind = models.CharField(_("Loại"), max_length=16, choices=AnnotationKind.choices)
    color = models.CharField(_("Màu"), max_length=7, default="#ffd400")
    text = models.TextField(_("Nội dung"), blank=True)
    quoted_text = models.TextField(_("Đoạn được đánh dấu"), blank=True)
    geometry = models.JSONField(_("Hình học"), default=dict)
    visibility = models.CharField(
        _("Ai xem được"),
        max_length=16,
        choices=AnnotationVisibility.choices,
        default=AnnotationVisibility.PRIVATE,
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="annotations",
        verbose_name=_("Cuộc họp"),
    )
    shared_with = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="shared_annotations",
        verbose_name=_("Chia sẻ với"),
    )
    rev = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("Tạo lúc"), default=timezone.now)
    updated_at = models.DateTimeField(_("Sửa lúc"), default=timezone.now)
    deleted_at = models.DateTimeField(_("Xóa lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("ghi chú trên tài liệu")
        verbose_name_plural = _("ghi chú trên tài liệu")
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["version", "page"], name="annotation_version_page"),
            models.Index(
                fields=["author", "version", "page"], name="annotation_author"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} p{self.page} ({self.version})"


class TrustRoot(models.Model):
    """A root certificate the administrator trusts for signature verification
    (the Government CA roots): nothing is fetched, only these are trusted."""

    name = models.CharField(_("Tên"), max_length=300)
    der = models.BinaryField(editable=False)
    sha256 = models.CharField(_("Dấu vân tay SHA-256"), max_length=64, unique=True)
    subject = models.CharField(_("Chủ thể"), max_length=500)
    not_after = models.DateTimeField(_("Hết hạn"))
    added_at = models.DateTimeField(_("Thêm lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("chứng thư gốc tin cậy")
        verbose_name_plural = _("chứng thư gốc tin cậy")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RevocationList(models.Model):
    """A certificate revocation list (CRL) the administrator uploaded."""

    issuer = models.CharField(_("Cơ quan cấp"), max_length=500)
    der = models.BinaryField(editable=False)
    sha256 = models.CharField(max_length=64, unique=True)
    this_update = models.DateTimeField(_("Ban hành lúc"))
    next_update = models.DateTimeField(_("Cập nhật tiếp theo"), null=True, blank=True)
    entries = models.PositiveIntegerField(_("Số chứng thư bị thu hồi"), default=0)
    added_at = models.DateTimeField(_("Thêm lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("danh sách thu hồi chứng thư")
        verbose_name_plural = _("danh sách thu hồi chứng thư")
        ordering = ["issuer", "-this_update"]

    def __str__(self) -> str:
        return self.issuer


class SignerCertificate(models.Model):
    """A user's own signing certificate (token), registered once by the user or
    an administrator: an uploaded personal signature must be made with one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="signer_certificates",
        verbose_name=_("Người dùng"),
    )
    der = models.BinaryField(editable=False)
    sha256 = models.CharField(_("Dấu vân tay SHA-256"), max_length=64, unique=True)
    name = models.CharField(_("Tên trên chứng thư"), max_length=300)
    organisation = models.CharField(_("Cơ quan"), max_length=300, blank=True)
    serial = models.CharField(_("Số hiệu"), max_length=80)
    not_after = models.DateTimeField(_("Hết hạn"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("Thêm lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("chứng thư ký của người dùng")
        verbose_name_plural = _("chứng thư ký của người dùng")
        ordering = ["user", "-added_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.serial})"

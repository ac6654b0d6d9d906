"""Admin: documents and their versions, read-mostly (changes go through actions)."""

from django.contrib import admin

from documents.models import (
    Document,
    DocumentGroupObjectPermission,
    DocumentUserObjectPermission,
    DocumentVersion,
)


class VersionInline(admin.TabularInline):
    model = DocumentVersion
    extra = 0
    can_delete = False
    fields = (
        "number",
        "original_name",
        "size",
        "page_count",
        "status",
        "failure_reason",
    )
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("title", "body", "classification", "created_by", "created_at")
    list_filter = ("classification", "body")
    search_fields = ("title", "title_folded")
    readonly_fields = ("body", "created_by", "created_at", "latest_version")
    inlines = [VersionInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(DocumentVersion)
class DocumentVersionAdmin(admin.ModelAdmin):
    list_display = ("document", "number", "status", "page_count", "size", "uploaded_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in DocumentVersion._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyGrants(admin.ModelAdmin):
    """Grants change only through the share dialog (actions audit them)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DocumentUserObjectPermission)
class DocumentUserPermissionAdmin(ReadOnlyGrants):
    list_display = ("content_object", "user", "permission")
    list_select_related = ("content_object", "user", "permission")
    raw_id_fields = ("content_object", "user")


@admin.register(DocumentGroupObjectPermission)
class DocumentGroupPermissionAdmin(ReadOnlyGrants):
    list_display = ("content_object", "group", "permission")
    list_select_related = ("content_object", "group", "permission")
    raw_id_fields = ("content_object", "group")


from documents import signature_admin  # noqa: E402,F401 (registers the trust store)

"""Django admin for people and bodies, in Vietnamese, searching without diacritics."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts import actions
from accounts.models import AuditEvent, Body, Membership, Unit, UnitLevel, User
from nghisu.errors import ActionError
from nghisu.text import fold

admin.site.site_header = _("Quản trị Nghị Sự")
admin.site.site_title = _("Quản trị Nghị Sự")
admin.site.index_title = _("Quản trị hệ thống")


class FoldedSearchMixin:
    """Search the folded ``search_text`` columns, so "nguyen" finds "Nguyễn".

    Set ``search_fields`` to folded columns (``search_text``,
    ``user__search_text``, …); the term is folded the same way before Django's
    usual search runs.
    """

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, fold(search_term))


class UnitAdminForm(forms.ModelForm):
    """Refuse a parent that would make a cycle or invert the levels."""

    class Meta:
        model = Unit
        fields = ["name", "code", "level", "parent"]

    def clean(self):
        data = super().clean()
        if data.get("level"):
            try:
                actions.check_unit_parent(
                    self.instance, level=data["level"], parent=data.get("parent")
                )
            except ActionError as exc:
                raise forms.ValidationError(exc.message) from None
        return data


class MembershipAdminForm(forms.ModelForm):
    """Refuse an end before the start and a seat overlapping another."""

    class Meta:
        model = Membership
        fields = ["user", "body", "position", "start_date", "end_date"]

    def clean(self):
        data = super().clean()
        body = data.get("body") or (
            self.instance.body if self.instance.body_id else None
        )
        if data.get("user") and body and data.get("start_date"):
            try:
                actions.check_membership_dates(
                    body,
                    data["user"],
                    start=data["start_date"],
                    end=data.get("end_date"),
                    exclude_pk=self.instance.pk,
                )
            except ActionError as exc:
                raise forms.ValidationError(exc.message) from None
        return data


@admin.register(User)
class UserAdmin(FoldedSearchMixin, DjangoUserAdmin):
    list_display = ["username", "full_name", "title", "email", "is_active", "is_staff"]
    search_fields = ["search_text"]
    ordering = ["sort_key", "username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Thông tin cá nhân"), {"fields": ["full_name", "title", "email", "phone"]}),
        (
            _("Quyền"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups"]},
        ),
        (_("Thời gian"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "full_name", "password1", "password2"],
            },
        )
    ]


@admin.register(UnitLevel)
class UnitLevelAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "rank"]


@admin.register(Unit)
class UnitAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["search_text"]
    list_select_related = ["level", "parent"]
    autocomplete_fields = ["parent"]

    form = UnitAdminForm


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipAdminForm
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "position", "start_date", "end_date"]
    ordering = ["position", "start_date"]


@admin.register(Body)
class BodyAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "unit", "parent"]
    list_filter = ["kind", "unit__level"]
    search_fields = ["search_text"]
    list_select_related = ["unit", "parent"]
    autocomplete_fields = ["unit", "parent"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            actions.record_audit(
                request.user, "body.update", obj, fields=sorted(form.changed_data)
            )
            return
        created = actions.create_body(
            obj.unit,
            kind=obj.kind,
            name=obj.name,
            short_name=obj.short_name,
            parent=obj.parent,
            member_count_override=obj.member_count_override,
            allows_delegation=obj.allows_delegation,
        )
        Body.objects.filter(pk=created.pk).update(
            quorum_rule=obj.quorum_rule,
            passing_rule=obj.passing_rule,
            chair_decides_tie=obj.chair_decides_tie,
        )
        obj.pk, obj.group_id = created.pk, created.group_id

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            actions.delete_membership(obj, actor=request.user)
        for obj in instances:
            obj.body = form.instance
            save_membership(request, obj, change=obj.pk is not None)
        return None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        actions.sync_body_group(form.instance)


def save_membership(request, obj: Membership, *, change: bool) -> Membership:
    """Add or change a membership through the actions (audited; an end date
    takes the person's seats away)."""
    if change:
        return actions.update_membership(
            obj,
            position=obj.position,
            start_date=obj.start_date,
            end_date=obj.end_date,
            actor=request.user,
        )
    created = actions.add_membership(
        obj.body,
        obj.user,
        position=obj.position,
        start_date=obj.start_date,
        end_date=obj.end_date,
        actor=request.user,
    )
    obj.pk = created.pk
    return created


@admin.register(Membership)
class MembershipAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["user", "body", "position", "start_date", "end_date"]
    list_filter = ["position", "body__kind"]
    search_fields = ["user__search_text", "body__search_text"]
    list_select_related = ["user", "body"]
    autocomplete_fields = ["user", "body"]

    form = MembershipAdminForm

    def save_model(self, request, obj, form, change):
        save_membership(request, obj, change=change)

    def delete_model(self, request, obj):
        actions.delete_membership(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            actions.delete_membership(obj, actor=request.user)


@admin.register(AuditEvent)
class AuditEventAdmin(FoldedSearchMixin, admin.ModelAdmin):
    """Read-only: the audit trail can be read, never edited or deleted."""

    list_display = ["time", "username", "action", "object_type", "object_id", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["username", "action", "object_id"]
    date_hierarchy = "time"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

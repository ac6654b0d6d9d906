"""Admin: the agencies and their officials (changes go through actions)."""

from django.contrib import admin

from oversight import actions
from oversight.models import Agency, AgencyOfficial


class OfficialInline(admin.TabularInline):
    model = AgencyOfficial
    extra = 0
    can_delete = False
    fields = ("user", "title", "active")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "kind", "unit")
    list_filter = ("kind",)
    search_fields = ("name", "short_name", "search_text")
    inlines = [OfficialInline]

    def save_model(self, request, obj, form, change) -> None:
        actions.save_agency(request.user, obj)


@admin.register(AgencyOfficial)
class AgencyOfficialAdmin(admin.ModelAdmin):
    """Registering an official goes through ``register_official``; an entry
    is read-only once registered."""

    list_display = ("user", "title", "agency", "active")
    list_filter = ("active",)
    autocomplete_fields = ("user",)
    fields = ("agency", "user", "title")

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None else ()

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            saved = actions.register_official(
                request.user, obj.agency, obj.user, title=obj.title
            )
            obj.pk = saved.pk

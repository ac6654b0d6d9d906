"""Admin: the agencies and their officials (changes go through actions)."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nghisu.errors import ActionError
from oversight import actions
from oversight.models import Agency, AgencyOfficial


class OfficialInline(admin.TabularInline):
    model = AgencyOfficial
    extra = 0
    can_delete = False
    fields = ("user", "title", "active", "ended_on")
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

    list_display = ("user", "title", "agency", "active", "ended_on")
    list_filter = ("active",)
    autocomplete_fields = ("user",)
    fields = ("agency", "user", "title")
    actions = ["end_terms"]

    def get_readonly_fields(self, request, obj=None):
        return (*self.fields, "active", "ended_on") if obj is not None else ()

    @admin.action(description=gettext_lazy("Kết thúc đảm nhiệm (từ hôm nay)"))
    def end_terms(self, request, queryset) -> None:
        """End each selected official's term through ``end_official``."""
        for official in queryset.filter(active=True):
            try:
                actions.end_official(request.user, official)
            except ActionError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Đã kết thúc đảm nhiệm: %(who)s.") % {"who": official},
                )

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            saved = actions.register_official(
                request.user, obj.agency, obj.user, title=obj.title
            )
            obj.pk = saved.pk

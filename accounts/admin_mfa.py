"""Staff authenticators in admin: listed, never edited; deleting one (a lost phone) is audited.

Replaces allauth's own registration, which would let a superuser edit the stored secret.
"""

from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffAuthenticator
from core import audit

# Registered under the proxy: allauth's model names no Chinese (issue 19).
admin.site.unregister(Authenticator)

TYPE_LABELS = {
    Authenticator.Type.RECOVERY_CODES: _("Recovery codes"),
    Authenticator.Type.TOTP: _("Authenticator app (TOTP)"),
    Authenticator.Type.WEBAUTHN: _("Security key (WebAuthn)"),
}


class TypeFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "type"

    def lookups(self, request, model_admin):
        return list(TYPE_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(type=self.value()) if self.value() else queryset


@admin.register(StaffAuthenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    fields = ("staff_member", "kind", "added_at", "last_used")
    readonly_fields = fields
    list_display = fields
    list_filter = (TypeFilter,)
    list_select_related = ("user",)
    search_fields = ("user__phone",)
    raw_id_fields = ("user",)

    @admin.display(description=_("staff member"), ordering="user__phone")
    def staff_member(self, obj):
        return obj.user

    @admin.display(description=_("kind"), ordering="type")
    def kind(self, obj):
        return TYPE_LABELS.get(obj.type, obj.type)

    @admin.display(description=_("added at"), ordering="created_at")
    def added_at(self, obj):
        return obj.created_at

    @admin.display(description=_("last used at"), ordering="last_used_at")
    def last_used(self, obj):
        return obj.last_used_at or _("never")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_model(self, request, obj: Authenticator) -> None:
        self.delete_queryset(request, Authenticator.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset) -> None:
        for authenticator in queryset.select_related("user"):
            audit.record(
                actor=request.user,
                action="mfa.removed_by_staff",
                target=authenticator.user,
                data={"type": authenticator.type},
            )
        queryset.delete()

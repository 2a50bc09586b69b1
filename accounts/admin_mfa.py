"""Staff authenticators in admin: listed, never edited; deleting one (a lost phone) is audited.

Replaces allauth's own registration, which would let a superuser edit the stored secret.
"""

from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin

from core import audit

admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(AllauthAuthenticatorAdmin):
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields
    list_select_related = ("user",)
    search_fields = ("user__phone",)

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

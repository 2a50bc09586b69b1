from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.actions import enqueue_delivery
from notifications.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "channel", "kind", "subject", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "kind")
    list_select_related = ("recipient",)
    search_fields = ("recipient__phone", "recipient__real_name", "subject")
    show_full_result_count = False
    actions = ("resend",)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Message._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Enqueue the selected pending messages again"))
    def resend(self, request, queryset):
        ids = list(queryset.filter(status=Message.Status.PENDING).values_list("pk", flat=True))
        enqueue_delivery(ids)
        self.message_user(
            request,
            ngettext("%(count)d message enqueued.", "%(count)d messages enqueued.", len(ids))
            % {"count": len(ids)},
            messages.SUCCESS,
        )

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_tools import CappedCountPaginator, Refuses, UnionSearchAdmin, choices_filter
from core.phone import normalize_mobile_or_keep
from notifications import messages as catalogue
from notifications.actions import enqueue_by_channel
from notifications.models import Message

# Personal messages are read by their recipient and the support role only (README, "who may
# read what"): the message admin is the support role's (notifications.view_message), and
# even there the text needs notifications.view_message_body.
BODY_HIDDEN = _("(hidden: only the support role reads personal messages)")


@admin.register(Message)
class MessageAdmin(Refuses, UnionSearchAdmin, admin.ModelAdmin):
    refuse = ("add", "delete")
    list_display = (
        "created_at",
        "recipient",
        "channel",
        "kind",
        "subject",
        "status",
        "delivery_status",
        "attempts",
        "sent_at",
    )
    # The kinds from the catalogue, not Django's field filter: that asks the outbox for its
    # distinct kinds on every page, a full scan of a table of millions (issue 23).
    list_filter = (
        "status",
        "delivery_status",
        "channel",
        choices_filter(
            title=_("kind"),
            parameter_name="kind",
            choices=lambda: [(kind.key, kind.key) for kind in catalogue.kinds()],
            lookup="kind",
        ),
    )
    list_select_related = ("recipient",)
    search_fields = ("recipient__phone", "recipient__real_name", "subject")
    show_full_result_count = False
    paginator = CappedCountPaginator
    actions = ("resend",)
    # secret_body is never among them: it is not shown to anybody.
    FIELDS = (
        "created_at",
        "recipient",
        "channel",
        "to_address",
        "kind",
        "subject",
        "body",
        "link",
        "status",
        "attempts",
        "last_error",
        "claimed_at",
        "sent_at",
        "provider",
        "provider_message_id",
        "delivery_status",
        "delivery_error",
        "delivery_reported_at",
        "read_at",
        "expires_at",
    )

    @admin.display(description=_("text"))
    def body_hidden(self, obj: Message) -> str:
        return str(BODY_HIDDEN)

    def get_fields(self, request, obj=None):
        if request.user.has_perm("notifications.view_message_body"):
            return list(self.FIELDS)
        return [("body_hidden" if name == "body" else name) for name in self.FIELDS]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def get_search_results(self, request, queryset, search_term):
        # "13800000001" and "138 0000 0001" find +8613800000001.
        return super().get_search_results(request, queryset, normalize_mobile_or_keep(search_term))

    @admin.action(description=_("Enqueue the selected pending messages again"), permissions=["change"])
    def resend(self, request, queryset):
        rows = list(queryset.filter(status=Message.Status.PENDING).values_list("pk", "channel", "kind"))
        enqueue_by_channel(rows)
        ids = [row[0] for row in rows]
        self.message_user(
            request,
            ngettext("%(count)d message enqueued.", "%(count)d messages enqueued.", len(ids))
            % {"count": len(ids)},
            messages.SUCCESS,
        )

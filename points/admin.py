"""The ledger and its rules in Django admin. Points change only through points/actions.py.

The rules are registered here. The ledger admin is defined here but registered by stations
(stations/admin.py), the layer that holds the station-scope door: station staff read the lines
their stations' work wrote, and the ledger, below stations, cannot import that door itself.
"""

from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.forms import ModelForm
from django.http import StreamingHttpResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.admin_people import PhoneMaskedAdmin
from accounts.models import Street
from accounts.selectors import csv_phone
from accounts.typing import AuthenticatedHttpRequest
from core.admin_tools import (
    ActionAdmin,
    CappedCountPaginator,
    Refuses,
    UnionSearchAdmin,
    changelist_queryset,
    choices_filter,
    csv_response,
    month_filter,
)
from core.typing import StrOrPromise
from points import actions, registry
from points.models import PointRule

CSV_HEADER = [
    _("number"),
    _("time"),
    _("name"),
    _("mobile number"),
    _("points"),
    _("balance after"),
    _("reason code"),
    _("reason"),
    _("note"),
    _("source number"),
]


@admin.register(PointRule)
class PointRuleAdmin(ActionAdmin, admin.ModelAdmin):
    list_display = ("event_label", "amount", "description")

    @admin.display(description=_("event"), ordering="event")
    def event_label(self, obj: PointRule) -> StrOrPromise:
        return registry.label(obj.event)

    def save_by_action(
        self, request: AuthenticatedHttpRequest, obj: PointRule, form: ModelForm, formsets: Any, change: bool
    ) -> PointRule:
        return actions.pointrule_save(
            rule_id=obj.pk if change else None, values=form.cleaned_data, acting_user=request.user
        )


def reason_choices() -> list[tuple[str, Any]]:
    # The registered kinds: the code knows every reason, so the filter never asks the ledger.
    return [(known.value, known.label) for known in registry.kinds()]


class PointEntryAdmin(Refuses, PhoneMaskedAdmin, UnionSearchAdmin, admin.ModelAdmin):
    """The ledger: read-only, people masked for staff without the phone permission, a CSV export
    of the filtered list. Who reads which lines is the registering admin's (stations/admin.py).

    Built for a ledger of millions of lines: the month and reason filters come from the calendar
    and the registry (no DISTINCT over the ledger), the count is capped, the order is
    pointentry_recent_idx's and each search field is its own indexed subquery."""

    person_fields = {"user": "user", "created_by": "created_by"}
    phone_paths = ("user__phone",)
    list_display = (
        "created_at",
        "user",
        "amount",
        "reason_label",
        "balance_after",
        "source_type",
        "source_id",
    )
    list_filter = (
        month_filter("created_at", title=_("month")),
        choices_filter(title=_("reason"), parameter_name="reason", choices=reason_choices, lookup="reason"),
        choices_filter(
            title=_("street"),
            parameter_name="street",
            choices=Street.choices,
            lookup="user__profile__street",
        ),
    )
    list_select_related = ("user", "source_type")
    search_fields = ("user__phone", "user__real_name", "source_id")
    show_full_result_count = False
    paginator = CappedCountPaginator

    @admin.display(description=_("reason"), ordering="reason")
    def reason_label(self, entry: Any) -> Any:
        return entry.reason_display

    def get_urls(self) -> list[URLPattern]:
        return [
            path("export.csv", self.admin_site.admin_view(self.export_csv), name="points_pointentry_export"),
            *super().get_urls(),
        ]

    def export_csv(self, request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
        """The ledger lines of the filtered list (e.g. one month, one street), for the records."""
        if not self.has_view_permission(request):
            raise DjangoPermissionDenied
        queryset = changelist_queryset(self, request).select_related("user").order_by("created_at", "pk")
        phone = csv_phone(request.user)

        def rows() -> Iterator[list[Any]]:
            for entry in queryset.iterator(chunk_size=1000):
                yield [
                    entry.pk,
                    timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M"),
                    entry.user.real_name,
                    phone(entry.user.phone),
                    entry.amount,
                    entry.balance_after,
                    entry.reason,
                    str(entry.reason_display),
                    entry.note,
                    entry.source_id,
                ]

        return csv_response("points-ledger.csv", [str(column) for column in CSV_HEADER], rows())

"""Staff work in Django admin: rewards, stock per station, vouchers and hand-overs, leaderboard choices.

Stock quantities and voucher statuses are never form fields: they change through actions.py.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

from accounts.admin_people import PhoneMaskedAdmin
from accounts.selectors import csv_phone
from core.admin_decisions import decide_each
from core.admin_tools import (
    ActionAdmin,
    CappedCountPaginator,
    Refuses,
    changelist_queryset,
    csv_response,
    month_filter,
)
from rewards import actions
from rewards.constants import CODE_LENGTH, LOW_STOCK
from rewards.models import LeaderboardOptIn, Reward, RewardStock, Voucher
from stations.admin_scope import StationScopedAdmin

# Station staff see the stock and the vouchers of the stations they run (stations.admin_scope),
# with masked phones (accounts.admin_people); district staff and holders of the rewards'
# any-station permissions see them all. Phones in full only with accounts.see_phone_number.


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ("position", "name_zh", "name_en", "price", "is_active", "total_stock")
    list_display_links = ("name_zh",)
    list_filter = ("is_active",)
    search_fields = ("name_zh", "name_en")
    ordering = ("position", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(stock_total=Sum("stocks__quantity"))

    @admin.display(description=_("in stock (all stations)"), ordering="stock_total")
    def total_stock(self, obj: Reward) -> int:
        return obj.stock_total or 0  # type: ignore[attr-defined]  # annotated by get_queryset


class LowStockFilter(admin.SimpleListFilter):
    title = _("stock level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("low", _("Low (%(count)s or fewer)") % {"count": LOW_STOCK}), ("out", _("Out of stock"))]

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.filter(quantity__lte=LOW_STOCK)
        if self.value() == "out":
            return queryset.filter(quantity=0)
        return queryset


MAX_STOCK_CHANGE = 1_000_000


class StockAdjustForm(forms.ModelForm):
    """The stock changes by a number of items, with the reason that goes to the audit log."""

    # Bounded, so that a mistyped 100000000000000000000 is a form error, not an overflow.
    change = forms.IntegerField(
        label=_("change"),
        min_value=-MAX_STOCK_CHANGE,
        max_value=MAX_STOCK_CHANGE,
        help_text=_(
            "Items added (e.g. 20 after a delivery) or, with a minus sign, removed (e.g. -2 broken)."
        ),
    )
    reason = forms.CharField(label=_("reason"), max_length=200, help_text=_("Kept in the audit log."))

    class Meta:
        model = RewardStock
        fields = ("station", "reward")


@admin.register(RewardStock)
class RewardStockAdmin(Refuses, ActionAdmin, StationScopedAdmin):
    refuse = ("delete",)
    every_station_permissions = ("rewards.confirm_handover", "rewards.adjust_any_stock")
    form = StockAdjustForm
    list_display = ("station", "reward", "quantity", "updated_at")
    list_filter = ("station", "reward", LowStockFilter)
    list_select_related = ("station", "reward")
    search_fields = ("station__name", "reward__name_zh", "reward__name_en")
    show_full_result_count = False
    paginator = CappedCountPaginator

    def get_readonly_fields(self, request, obj=None):
        return ("station", "reward", "quantity", "updated_at") if obj is not None else ()

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("station", "reward", "change", "reason")
        return ("station", "reward", "quantity", "updated_at", "change", "reason")

    def save_by_action(self, request, obj, form, formsets, change):
        # No change, below zero, not your station: the action refuses, the form shows it.
        return actions.rewardstock_adjust(
            station=obj.station,
            reward=obj.reward,
            change=form.cleaned_data["change"],
            reason=form.cleaned_data["reason"],
            acting_user=request.user,
        )


def _confirm(model_admin, request, queryset) -> None:
    vouchers = {voucher.pk: voucher for voucher in queryset.select_related("station")}
    decide_each(
        model_admin,
        request,
        vouchers,
        lambda pk, user, _reason: actions.voucher_handover_confirm(
            voucher_code=vouchers[pk].code, station=vouchers[pk].station, acting_user=user
        ),
        "",
        ngettext_lazy("%(count)d hand-over confirmed.", "%(count)d hand-overs confirmed.", "count"),
        row=lambda pk: vouchers[pk].code_display,
    )


VOUCHER_HEADER = [
    _("voucher code"),
    pgettext_lazy("rewards", "worker"),
    pgettext_lazy("rewards", "phone"),
    _("reward"),
    _("station"),
    _("points paid"),
    _("status"),
    pgettext_lazy("rewards", "issued at"),
    _("collect by"),
    _("collected at"),
]


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


@admin.register(Voucher)
class VoucherAdmin(Refuses, PhoneMaskedAdmin, StationScopedAdmin):
    every_station_permissions = ("rewards.confirm_handover",)
    # Station staff see people as "张伟 138****0001" and find them by name, code or the last
    # four digits; the full number (and a search by it) stays with those who may see phones.
    person_fields = {"user": "user", "handed_over_by": "handed_over_by"}
    phone_paths = ("user__phone",)
    list_display = (
        "code",
        "user",
        "reward",
        "station",
        "price",
        "status",
        "issued_at",
        "expires_at",
        "handed_over_at",
    )
    # A month of the calendar, not date_hierarchy's distinct dates of every voucher.
    list_filter = ("status", month_filter("issued_at", title=_("month")), "station", "reward")
    list_select_related = ("user", "reward", "station")
    search_fields = ("code", "user__phone", "user__real_name")
    readonly_fields = (
        "code",
        "user",
        "reward",
        "station",
        "price",
        "status",
        "issued_at",
        "expires_at",
        "handed_over_at",
        "handed_over_by",
        "closed_at",
    )
    show_full_result_count = False
    paginator = CappedCountPaginator
    actions = ("confirm_handover",)

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    def get_search_results(self, request, queryset, search_term):
        # Staff type the code as the worker reads it ("abcd efgh"): match the stored form too.
        code = actions.normalise_code(search_term)
        results, distinct = super().get_search_results(request, queryset, search_term)
        if len(code) == CODE_LENGTH:
            results = results | queryset.filter(code=code)
        return results, distinct

    @admin.action(description=_("Confirm the hand-over of the selected vouchers"), permissions=["view"])
    def confirm_handover(self, request, queryset):
        _confirm(self, request, queryset)

    def get_urls(self):
        return [
            path("export.csv", self.admin_site.admin_view(self.export_csv), name="rewards_voucher_export"),
            *super().get_urls(),
        ]

    def export_csv(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        queryset = changelist_queryset(self, request).select_related("user", "reward", "station")
        phone = csv_phone(request.user)

        def rows():
            for voucher in queryset.iterator(chunk_size=1000):
                yield [
                    voucher.code,
                    voucher.user.real_name,
                    phone(voucher.user.phone),
                    voucher.reward.name_zh,
                    voucher.station.name,
                    voucher.price,
                    voucher.get_status_display(),
                    _local(voucher.issued_at),
                    _local(voucher.expires_at),
                    _local(voucher.handed_over_at),
                ]

        return csv_response("vouchers.csv", [str(column) for column in VOUCHER_HEADER], rows())


@admin.register(LeaderboardOptIn)
class LeaderboardOptInAdmin(Refuses, PhoneMaskedAdmin, admin.ModelAdmin):
    # Not bound to a station: a worker's choice. Station staff see the person masked.
    person_fields = {"user": "user"}
    phone_paths = ("user__phone",)
    list_display = ("user", "opted_in", "updated_at")
    list_filter = ("opted_in",)
    list_select_related = ("user",)
    search_fields = ("user__phone", "user__real_name")
    readonly_fields = ("user", "opted_in", "updated_at")
    fields = ("user", "opted_in", "updated_at")
    show_full_result_count = False

"""Staff work in Django admin: rewards, stock per station, vouchers and hand-overs, leaderboard choices.

Stock quantities and voucher statuses are never form fields: they change through actions.py.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, Sum
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from core.admin_tools import CappedCountPaginator, changelist_queryset, csv_response
from core.exceptions import ApplicationError
from rewards import actions
from rewards.constants import CODE_LENGTH, LOW_STOCK
from rewards.models import LeaderboardOptIn, Reward, RewardStock, Voucher
from stations.models import Station

# --- Who sees which station --------------------------------------------------------------
# Station staff see the stock and the vouchers of the stations they run, with masked phones;
# district staff (the permission to confirm hand-overs anywhere) and superusers see them all.


def sees_every_station(user) -> bool:
    return user.has_perm("rewards.confirm_handover")  # superusers have every permission


def own_stations(user):
    return Station.objects.filter(Q(lead=user) | Q(staff=user)).values("pk")


def masked_phone(e164: str) -> str:
    """+8613800000001 -> 138****0001: enough to tell people apart at the counter."""
    local_number = (e164 or "").removeprefix("+86")
    if len(local_number) != 11:
        return "****"
    return f"{local_number[:3]}****{local_number[7:]}"


def person_masked(user) -> str:
    if user is None:
        return "—"
    return f"{user.real_name} {masked_phone(user.phone)}".strip()


class StationScopedAdmin(admin.ModelAdmin):
    """The rows of the stations the staff member runs, unless they see every station."""

    def sees_every_station(self, request) -> bool:
        return sees_every_station(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.sees_every_station(request):
            return queryset
        # A subquery, not a join: a person both lead and staff of a station must not double rows.
        return queryset.filter(station_id__in=own_stations(request.user))


class OwnStationsFilter(admin.RelatedFieldListFilter):
    """The station filter offers only the stations the staff member runs."""

    def field_choices(self, field, request, model_admin):
        if model_admin.sees_every_station(request):
            return super().field_choices(field, request, model_admin)
        return field.get_choices(
            include_blank=False,
            limit_choices_to={"pk__in": own_stations(request.user)},
            ordering=self.field_admin_ordering(field, request, model_admin),
        )


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
        return obj.stock_total or 0


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

    def clean(self):
        data = super().clean()
        change = data.get("change")
        if change == 0:
            self.add_error("change", str(actions.NO_CHANGE))
        current = self.instance.quantity if self.instance.pk else 0
        if change and current + change < 0:
            self.add_error("change", str(actions.STOCK_BELOW_ZERO) % {"quantity": current, "change": change})
        station = self.instance.station if self.instance.pk else data.get("station")
        if station is not None and not actions.can_adjust_stock(user=self.acting_user, station=station):
            raise forms.ValidationError(str(actions.NOT_YOUR_STATION))
        return data


@admin.register(RewardStock)
class RewardStockAdmin(StationScopedAdmin):
    form = StockAdjustForm
    list_display = ("station", "reward", "quantity", "updated_at")
    list_filter = (("station", OwnStationsFilter), "reward", LowStockFilter)
    list_select_related = ("station", "reward")
    search_fields = ("station__name", "reward__name_zh", "reward__name_en")
    show_full_result_count = False
    paginator = CappedCountPaginator

    def sees_every_station(self, request) -> bool:
        return sees_every_station(request.user) or request.user.has_perm("rewards.adjust_any_stock")

    def get_readonly_fields(self, request, obj=None):
        return ("station", "reward", "quantity", "updated_at") if obj is not None else ()

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("station", "reward", "change", "reason")
        return ("station", "reward", "quantity", "updated_at", "change", "reason")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.acting_user = request.user
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "station" and not request.user.has_perm("rewards.adjust_any_stock"):
            kwargs["queryset"] = Station.objects.filter(pk__in=own_stations(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        try:
            stock = actions.rewardstock_adjust(
                station=obj.station,
                reward=obj.reward,
                change=form.cleaned_data["change"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except ApplicationError as error:  # another change came first (the form checked before the lock)
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.pk, obj.quantity = stock.pk, stock.quantity

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _confirm(model_admin, request, queryset) -> None:
    done = 0
    for voucher in queryset.select_related("station"):
        try:
            actions.voucher_handover_confirm(
                voucher_code=voucher.code, station=voucher.station, acting_user=request.user
            )
        except ApplicationError as error:
            model_admin.message_user(request, f"{voucher.code_display}: {error.message}", messages.ERROR)
        else:
            done += 1
    if done:
        model_admin.message_user(
            request,
            ngettext("%(count)d hand-over confirmed.", "%(count)d hand-overs confirmed.", done)
            % {"count": done},
            messages.SUCCESS,
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
class VoucherAdmin(StationScopedAdmin):
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
    list_filter = ("status", ("station", OwnStationsFilter), "reward")
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
    date_hierarchy = "issued_at"
    show_full_result_count = False
    paginator = CappedCountPaginator
    actions = ("confirm_handover",)

    # Station staff see people as "张伟 138****0001" and find them by name, code or the last
    # four digits; the full number (and a search by it) stays with district staff.
    masked = {"user": "worker_masked", "handed_over_by": "handed_over_by_masked"}

    def _mask(self, request, names):
        if self.sees_every_station(request):
            return names
        return tuple(self.masked.get(name, name) for name in names)

    def get_list_display(self, request):
        return self._mask(request, super().get_list_display(request))

    def get_readonly_fields(self, request, obj=None):
        return self._mask(request, super().get_readonly_fields(request, obj))

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    def get_search_fields(self, request):
        if self.sees_every_station(request):
            return self.search_fields
        return ("code", "user__real_name")

    @admin.display(description=pgettext_lazy("rewards", "worker"), ordering="user__real_name")
    def worker_masked(self, obj: Voucher) -> str:
        return person_masked(obj.user)

    @admin.display(description=_("handed over by"))
    def handed_over_by_masked(self, obj: Voucher) -> str:
        return person_masked(obj.handed_over_by)

    def get_search_results(self, request, queryset, search_term):
        # Staff type the code as the worker reads it ("abcd efgh"): match the stored form too.
        code = actions.normalise_code(search_term)
        results, distinct = super().get_search_results(request, queryset, search_term)
        if len(code) == CODE_LENGTH:
            results = results | queryset.filter(code=code)
        last_four = search_term.strip()
        if not self.sees_every_station(request) and len(last_four) == 4 and last_four.isdigit():
            results = results | queryset.filter(user__phone__endswith=last_four)
        return results, distinct

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

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
        phone = (lambda e164: e164) if self.sees_every_station(request) else masked_phone

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
class LeaderboardOptInAdmin(admin.ModelAdmin):
    list_display = ("user", "opted_in", "updated_at")
    list_filter = ("opted_in",)
    list_select_related = ("user",)
    search_fields = ("user__phone", "user__real_name")
    show_full_result_count = False

    def get_list_display(self, request):
        if sees_every_station(request.user):
            return self.list_display
        return ("worker_masked", "opted_in", "updated_at")

    def get_search_fields(self, request):
        return self.search_fields if sees_every_station(request.user) else ("user__real_name",)

    def get_readonly_fields(self, request, obj=None):
        if sees_every_station(request.user):
            return super().get_readonly_fields(request, obj)
        return ("worker_masked", "opted_in", "updated_at")

    def get_fields(self, request, obj=None):
        if sees_every_station(request.user):
            return super().get_fields(request, obj)
        return self.get_readonly_fields(request, obj)

    @admin.display(description=pgettext_lazy("rewards", "worker"), ordering="user__real_name")
    def worker_masked(self, obj: LeaderboardOptIn) -> str:
        return person_masked(obj.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

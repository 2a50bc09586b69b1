"""Staff run their courier stations in Django admin (the station scope door: stations.admin_scope).

The deliberation app adds the open topics to this list (deliberation/admin.py). The points
ledger's admin is registered here, behind the door: the ledger sits below stations and cannot
import it.
"""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.admin_people import PhoneMaskedAdmin
from accounts.selectors import person_masked
from points import registry
from points.admin import PointEntryAdmin
from points.models import PointEntry
from stations.admin_scope import StationScopedAdmin, scoped_to, station_path_of
from stations.models import Station


@admin.register(Station)
class StationAdmin(PhoneMaskedAdmin, StationScopedAdmin):
    station_path = "pk"
    person_fields = {"lead": "lead"}
    own_twins = ("staff",)
    list_display = ["name", "host_name", "host_kind", "street", "lead", "is_active"]
    list_filter = ["street", "host_kind", "is_active"]
    search_fields = ["name", "host_name", "service_point__name"]
    autocomplete_fields = ["lead", "staff"]
    raw_id_fields = ["service_point"]
    list_select_related = ["lead"]

    @admin.display(description=_("station staff"))
    def staff_masked(self, obj: Station) -> str:
        people = obj.staff.order_by("real_name", "pk")
        return "、".join(person_masked(p) for p in people) or "—"


@admin.register(PointEntry)
class StationScopedLedgerAdmin(PointEntryAdmin, StationScopedAdmin):
    """The ledger: district staff read all of it; station staff the lines their stations' work
    wrote (check-ins, contest results, vouchers, volunteer tasks, topics), people masked."""

    station_path = None  # no station of its own: station_scope follows each line's source
    every_station_permissions = ("points.view_all_points",)

    def station_scope(self, request: HttpRequest, queryset: QuerySet[PointEntry]) -> QuerySet[PointEntry]:
        if self.sees_every_station(request):
            return queryset
        # One subquery per station-bound source model (the models the earning apps registered with
        # the ledger whose own admin is station-scoped), over the ids of its rows at the person's
        # stations. Lines of any other source (a street report) or of none: district staff only.
        lines = Q(pk__in=[])
        for model in registry.source_models():
            if station_path_of(model) is None:
                continue
            own = scoped_to(model._default_manager.all(), user=request.user)
            ids = own.annotate(key=Cast("pk", CharField())).values("key")
            lines |= Q(source_type=ContentType.objects.get_for_model(model), source_id__in=ids)
        return queryset.filter(lines)

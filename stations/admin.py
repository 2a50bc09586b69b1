"""Staff run their courier stations in Django admin (the station scope door: stations.admin_scope).

The deliberation app adds the open topics to this list (deliberation/admin.py).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin_people import PhoneMaskedAdmin
from accounts.selectors import person_masked
from stations.admin_scope import StationScopedAdmin
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

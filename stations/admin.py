from django.contrib import admin

from stations.models import Station


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["name", "host_name", "host_kind", "street", "lead", "is_active"]
    list_filter = ["street", "host_kind", "is_active"]
    search_fields = ["name", "host_name", "service_point__name"]
    autocomplete_fields = ["lead", "staff"]
    raw_id_fields = ["service_point"]
    list_select_related = ["lead"]

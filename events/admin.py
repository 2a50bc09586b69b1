from django.contrib import admin

from events.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "station", "kind", "starts_at", "seat_limit", "status"]
    list_filter = ["kind", "status", "station"]
    search_fields = ["title", "station__name"]
    list_select_related = ["station"]

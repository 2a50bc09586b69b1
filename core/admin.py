from django.contrib import admin

from core.admin_tools import Refuses
from core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(Refuses, admin.ModelAdmin):
    list_display = ("created_at", "actor", "action", "target_type", "target_id", "note")
    list_filter = ("action", "target_type")
    list_select_related = ("actor",)
    search_fields = ("target_id", "actor__phone", "note")
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in AuditEntry._meta.fields]

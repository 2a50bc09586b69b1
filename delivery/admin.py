"""Admin of the delivery map: sites with their parts on one page, buildings with units and lifts,
and the queue of riders' corrections (decided through delivery.actions, never saved here).

Site managers (delivery.Site.managers) see only their own sites and those sites' corrections:
delivery.selectors.sites_managed_by / corrections_reviewable_by are the one door.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_decisions import DecisionAdmin
from core.admin_tools import CappedCountPaginator, ReadOnlyInline, Refuses, ShowOnlyAdmin
from core.geo import haversine_km
from delivery import actions, selectors
from delivery.imports import geojson_import
from delivery.models import (
    Building,
    Correction,
    CorrectionDecision,
    DropPoint,
    Gate,
    Lift,
    Parking,
    Site,
    SiteChange,
    SiteNote,
    UnitEntrance,
)


class GateInline(admin.StackedInline):
    model = Gate
    extra = 0
    fields = (
        ("name", "is_active"),
        ("latitude", "longitude"),
        ("on_foot", "ebike"),
        ("opens_at", "closes_at"),
        ("guard", "phone"),
        "notes",
    )


class ParkingInline(admin.TabularInline):
    model = Parking
    extra = 0
    fields = ("name", "latitude", "longitude", "capacity", "charging", "notes", "is_active")


class DropPointInline(admin.TabularInline):
    model = DropPoint
    extra = 0
    fields = ("name", "kind", "latitude", "longitude", "notes", "is_active")


class BuildingInline(admin.TabularInline):
    model = Building
    extra = 0
    fields = ("number", "name", "latitude", "longitude", "floors", "best_gate", "is_active")
    show_change_link = True


class SiteNoteInline(admin.TabularInline):
    model = SiteNote
    extra = 0
    fields = ("text", "is_active")


class SiteChangeInline(ReadOnlyInline):
    model = SiteChange
    fields = ("created_at", "summary", "correction")


class ManagedSitesAdmin(admin.ModelAdmin):
    site_path = ""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.filter(
            **{
                f"{self.site_path}__in" if self.site_path else "pk__in": selectors.sites_managed_by(
                    request.user
                )
            }
        )


@admin.register(Site)
class SiteAdmin(ManagedSitesAdmin):
    list_display = ("name", "kind", "street", "address", "is_active", "updated_at")
    list_filter = ("kind", "street", "is_active")
    search_fields = ("name", "aliases", "address")
    filter_horizontal = ("managers",)
    inlines = (GateInline, ParkingInline, DropPointInline, BuildingInline, SiteNoteInline, SiteChangeInline)
    readonly_fields = ("map_preview",)
    fieldsets = (
        (None, {"fields": ("name", "kind", "aliases", "address", "street", "is_active")}),
        (_("Where"), {"fields": (("latitude", "longitude"), "map_preview", "outline")}),
        (_("Site managers"), {"fields": ("managers",)}),
    )

    change_list_template = "admin/delivery/site/change_list.html"

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="delivery_site_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """GeoJSON of the initial survey: a dry run first (the default), then the import."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            report = geojson_import(
                data=form.cleaned_data["file"].read(),
                acting_user=request.user,
                dry_run=form.cleaned_data["dry_run"],
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import the survey (GeoJSON or CSV)"),
            "opts": self.model._meta,
            "form": form,
            "report": report,
        }
        return TemplateResponse(
            request,
            "admin/delivery/site/import.html",
            context,
            status=400 if report and report.errors else 200,
        )

    class Media:
        # The service points' point picker (services/admin_point_map.js): a click sets the site's point.
        css = {"all": ("vendor/leaflet/leaflet.css",)}
        js = ("vendor/leaflet/leaflet.js", "services/admin_point_map.js")

    @admin.display(description=_("map"))
    def map_preview(self, obj):
        if not settings.MAP_TILE_URL:
            return gettext("No map tiles configured: check the coordinates on another map.")
        return format_html(
            '<div id="point-map" data-tiles="{}" data-attribution="{}" class="admin-point-map"></div><p>{}</p>',
            settings.MAP_TILE_URL,
            settings.MAP_TILE_ATTRIBUTION,
            gettext("Click the map to set the latitude and longitude."),
        )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("GeoJSON or CSV file"),
        help_text=_(
            "A FeatureCollection in the format of the export, or a CSV file with the columns "
            "feature, id, site, name, latitude, longitude, kind, address, number."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: only report what would change"), required=False, initial=True
    )


class UnitInline(admin.TabularInline):
    model = UnitEntrance
    extra = 0
    fields = ("number", "latitude", "longitude", "notes")


class LiftInline(admin.TabularInline):
    model = Lift
    extra = 0
    fields = ("unit", "kind", "riders_allowed", "opens_at", "closes_at", "rules")


@admin.register(Building)
class BuildingAdmin(ManagedSitesAdmin):
    site_path = "site"
    list_display = ("__str__", "site", "floors", "is_active")
    list_select_related = ("site",)
    search_fields = ("site__name", "=number")
    autocomplete_fields = ("site",)
    inlines = (UnitInline, LiftInline)
    fields = (
        "site",
        "number",
        "name",
        ("latitude", "longitude"),
        "floors",
        "best_gate",
        "notes",
        "is_active",
    )


class DecisionInline(ReadOnlyInline):
    model = CorrectionDecision
    fields = ("created_at", "from_status", "to_status", "actor", "reason")


DECIDERS = {
    "accept": lambda pk, user, reason: actions.correction_accept(
        correction_id=pk, acting_user=user, note=reason
    ),
    "reject": lambda pk, user, reason: actions.correction_reject(
        correction_id=pk, acting_user=user, reason=reason
    ),
}


@admin.register(Correction)
class CorrectionAdmin(Refuses, DecisionAdmin, ShowOnlyAdmin, admin.ModelAdmin):
    refuse = ("add", "delete")
    transitions = actions.TRANSITIONS
    decisions = DECIDERS
    decision_page = True
    reason_field = "decision_reason"  # "reason" is the model's own field, shown read-only
    change_form_template = "admin/delivery/correction/change_form.html"
    list_display = ("number", "site", "kind", "status", "created_at")
    list_filter = ("status", "kind")
    list_select_related = ("site",)
    search_fields = ("=id", "site__name", "text")
    show_full_result_count = False
    paginator = CappedCountPaginator
    ordering = ("status", "-created_at")
    inlines = (DecisionInline,)
    fields = (
        "site_link",
        "kind",
        "gate",
        "building",
        "building_number",
        "text",
        "photo_and_place",
        "status",
        "reason",
        "decided_at",
        "created_at",
    )

    def get_queryset(self, request):
        return selectors.corrections_reviewable_by(request.user).select_related("gate", "building")

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(description=_("No."), ordering="id")
    def number(self, obj: Correction) -> str:
        return f"#{obj.pk}"

    @admin.display(description=_("site"))
    def site_link(self, obj: Correction) -> str:
        return format_html(
            '<a href="{}">{}</a> · {}', obj.site.get_absolute_url(), obj.site.name, obj.site.address
        )

    @admin.display(description=_("photo and place"))
    def photo_and_place(self, obj: Correction) -> str:
        distance = haversine_km(obj.latitude, obj.longitude, obj.site.latitude, obj.site.longitude) * 1000
        return format_html(
            '<div style="display:flex;gap:16px;flex-wrap:wrap"><img src="{}" alt="" style="max-width:320px">'
            "<p>{}<br>{}, {}<br>{}</p></div>",
            reverse("delivery:photo", args=[obj.pk]),
            _("Where the rider stood"),
            f"{obj.latitude:.6f}",
            f"{obj.longitude:.6f}",
            _("%(metres)d m from the site's point") % {"metres": round(distance)},
        )

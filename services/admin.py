from django import forms
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.admin_decisions import DecisionAdmin, bulk_decision
from core.admin_tools import (
    HTTPS_URL_FIELDS,
    CappedCountPaginator,
    ReadOnlyInline,
    Refuses,
    UnionSearchAdmin,
    csv_of,
)
from core.maps import map_settings
from services import selectors
from services.actions import (
    HANDLE,
    TAKE_OVER_FROM,
    TRANSITIONS,
    service_request_add_note,
    service_request_assign,
    service_request_close,
    service_request_resolve,
    service_request_start,
)
from services.models import (
    Organization,
    Scenario,
    Schedule,
    ScheduleException,
    Service,
    ServiceAtPoint,
    ServicePoint,
    ServiceRequest,
    ServiceRequestEvent,
)


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ("order", "icon", "name_zh", "name_en", "code", "is_active")
    list_display_links = ("name_zh",)
    list_editable = ("order", "is_active")
    search_fields = ("name_zh", "name_en", "code")
    readonly_fields = ("uuid",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ("name", "phone", "website", "updated_at")
    search_fields = ("name",)
    readonly_fields = ("uuid",)


class ServiceAtPointInline(admin.TabularInline):
    model = ServiceAtPoint
    extra = 0
    autocomplete_fields = ("point",)
    fields = ("point", "description")


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ("name", "scenario", "organization", "status", "updated_at")
    list_filter = ("scenario", "status")
    list_select_related = ("scenario", "organization")
    search_fields = ("name", "description", "organization__name")
    autocomplete_fields = ("organization",)
    readonly_fields = ("uuid",)
    inlines = (ServiceAtPointInline,)
    show_full_result_count = False


class ScheduleInline(admin.TabularInline):
    model = Schedule
    extra = 0


class ScheduleExceptionInline(admin.TabularInline):
    model = ScheduleException
    extra = 0


class PointServiceInline(admin.TabularInline):
    model = ServiceAtPoint
    extra = 0
    autocomplete_fields = ("service",)
    fields = ("service", "description")
    verbose_name_plural = _("services offered here")


@admin.register(ServicePoint)
class ServicePointAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "street", "latitude", "longitude", "is_active")
    list_filter = ("is_active", "street", "organization")
    list_select_related = ("organization",)
    search_fields = ("name", "address")
    autocomplete_fields = ("organization",)
    readonly_fields = ("uuid", "map_preview")
    fields = (
        "uuid",
        "organization",
        "name",
        "address",
        "street",
        "postal_code",
        ("latitude", "longitude"),
        "map_preview",
        "phone",
        "amenities",
        "notes",
        "is_active",
    )
    inlines = (ScheduleInline, ScheduleExceptionInline, PointServiceInline)
    show_full_result_count = False

    class Media:
        css = {"all": ("vendor/leaflet/leaflet.css",)}
        js = ("vendor/leaflet/leaflet.js", "core/mapcoords.js", "services/admin_point_map.js")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "amenities":
            from services.models import Amenity

            return forms.MultipleChoiceField(
                label=db_field.verbose_name,
                choices=Amenity.choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("map preview"))
    def map_preview(self, obj):
        if not settings.MAP_TILE_URL:
            return gettext("No map tiles configured: check the coordinates on another map.")
        config = map_settings()
        return format_html(
            '<div id="point-map" data-tiles="{}" data-attribution="{}" data-labels="{}" data-subdomains="{}"'
            ' data-coords="{}" class="admin-point-map"></div><p>{}</p>',
            config["tiles"],
            config["attribution"],
            config["labels"],
            config["subdomains"],
            config["coords"],
            gettext("Click the map to set the latitude and longitude."),
        )


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue (not taken on in time)"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return selectors.requests_overdue(queryset)
        return queryset


class MineFilter(admin.SimpleListFilter):
    title = _("handled by")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("yes", _("Assigned to me")), ("nobody", _("Nobody yet"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(assignee=request.user)
        if self.value() == "nobody":
            return queryset.filter(assignee__isnull=True)
        return queryset


class ServiceRequestForm(forms.ModelForm):
    """Status is never a field: staff choose a step (core.admin_decisions), and its action does the work."""

    note = forms.CharField(
        label=_("internal note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only staff see notes."),
    )

    class Meta:
        model = ServiceRequest
        fields = ()


class ServiceRequestEventInline(ReadOnlyInline):
    model = ServiceRequestEvent
    fields = ("created_at", "from_status", "to_status", "actor", "note")


DECISIONS = {
    "assign": lambda pk, user, reply: service_request_assign(request_id=pk, acting_user=user),
    "start": lambda pk, user, reply: service_request_start(request_id=pk, acting_user=user),
    "resolve": lambda pk, user, reply: service_request_resolve(request_id=pk, acting_user=user, reply=reply),
    "close": lambda pk, user, reply: service_request_close(request_id=pk, acting_user=user, reply=reply),
}


@admin.register(ServiceRequest)
class ServiceRequestAdmin(Refuses, DecisionAdmin, UnionSearchAdmin, admin.ModelAdmin):
    refuse = ("add", "delete")  # workers ask for help on their phones
    form = ServiceRequestForm
    transitions = TRANSITIONS
    decisions = DECISIONS
    decision_field, decision_label = "step", _("next step")
    reason_field, reason_label = "reply", _("reply to the worker")
    reason_help = _("The worker reads this. Needed to resolve, and to close a request that was not resolved.")
    inlines = (ServiceRequestEventInline,)
    list_display = (
        "reference",
        "kind",
        "worker_name",
        "status_text",
        "overdue_flag",
        "assignee",
        "created_at",
    )
    list_filter = ("status", OverdueFilter, MineFilter, "kind", "created_at")
    list_select_related = ("worker", "assignee")
    search_fields = ("worker__phone", "worker__real_name", "description")
    show_full_result_count = False
    paginator = CappedCountPaginator
    actions = ("assign_to_me", "export_csv")
    assign_to_me = bulk_decision(
        "assign",
        _("Take the selected requests on myself"),
        done=_("%(count)d requests taken on."),
        row=lambda pk: f"FW{pk:06d}",
    )
    readonly_fields = (
        "reference",
        "worker",
        "kind",
        "service",
        "description",
        "contact_time",
        "photo_links",
        "status",
        "assignee",
        "created_at",
        "assigned_at",
        "started_at",
        "resolved_at",
        "closed_at",
        "current_reply",
        "rating",
        "rating_comment",
        "notes_so_far",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "reference",
                    "worker",
                    "kind",
                    "service",
                    "description",
                    "contact_time",
                    "photo_links",
                )
            },
        ),
        (
            _("Handling"),
            {
                "fields": (
                    "status",
                    "assignee",
                    ("created_at", "assigned_at", "started_at", "resolved_at", "closed_at"),
                    "current_reply",
                    ("rating", "rating_comment"),
                )
            },
        ),
        (_("What to do now"), {"fields": ("notes_so_far", "step", "reply", "note")}),
    )

    @admin.display(description=_("reference"), ordering="id")
    def reference(self, obj):
        return obj.reference

    @admin.display(description=_("worker"), ordering="worker__real_name")
    def worker_name(self, obj):
        return obj.worker.get_full_name()

    @admin.display(description=_("status"), ordering="status")
    def status_text(self, obj):
        return obj.get_status_display()

    @admin.display(description=_("overdue"))
    def overdue_flag(self, obj):
        if selectors.request_is_overdue(obj):
            return format_html('<strong class="admin-overdue">⚠ {}</strong>', gettext("Overdue"))
        return ""

    @admin.display(description=_("reply to the worker"))
    def current_reply(self, obj):
        return obj.reply or "—"

    @admin.display(description=_("notes so far"))
    def notes_so_far(self, obj):
        notes = obj.notes.select_related("author")
        if not notes:
            return "—"
        return format_html_join(
            "",
            "<p><strong>{}</strong> {}<br>{}</p>",
            (
                (
                    timezone.localtime(n.created_at).strftime("%Y-%m-%d %H:%M"),
                    n.author.get_full_name(),
                    n.text,
                )
                for n in notes
            ),
        )

    @admin.display(description=_("photos"))
    def photo_links(self, obj):
        photos = obj.photos.all()
        if not photos:
            return "—"
        return format_html_join(
            " ",
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="" width="96" height="96" class="admin-photo-square"></a>',
            ((reverse("services:request_photo", args=[obj.pk, p.pk]),) * 2 for p in photos),
        )

    def decision_choices(self, request, obj):
        choices = super().decision_choices(request, obj)
        # Taking a request over from a colleague is no status change, but a step of this page.
        taken_by_other = (
            obj is not None and obj.status in TAKE_OVER_FROM and obj.assignee_id != request.user.pk
        )
        if taken_by_other and request.user.has_perm(HANDLE):
            choices.insert(0, ("assign", TRANSITIONS.by_name["assign"].label))
        return choices

    def save_more(self, request, obj, form) -> None:
        # After the step: when the step is refused (say, no reply to resolve) the form comes back
        # with the note still typed and not yet saved, so sending it again saves it once.
        if form.cleaned_data.get("note"):
            service_request_add_note(
                request_id=obj.pk, acting_user=request.user, text=form.cleaned_data["note"]
            )

    @admin.action(description=_("Export the selected requests as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        now = timezone.now()
        selected = queryset.select_related("worker", "assignee", "service").order_by("id")
        return csv_of(
            f"service-requests-{timezone.localtime(now):%Y%m%d-%H%M}.csv",
            request_columns(now),
            selected.iterator(chunk_size=500),
        )


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def request_columns(now) -> list:
    return [
        (_("reference"), lambda r: r.reference),
        (_("created at"), lambda r: _when(r.created_at)),
        (_("kind"), lambda r: r.get_kind_display()),
        (_("status"), lambda r: r.get_status_display()),
        (_("overdue"), lambda r: gettext("yes") if selectors.request_is_overdue(r, now) else ""),
        (pgettext_lazy("service request", "worker"), lambda r: r.worker.get_full_name()),
        (_("worker's mobile number"), lambda r: r.worker.phone),
        (_("service"), lambda r: r.service.name if r.service else ""),
        (_("handled by"), lambda r: r.assignee.get_full_name() if r.assignee else ""),
        (_("assigned at"), lambda r: _when(r.assigned_at)),
        (_("resolved at"), lambda r: _when(r.resolved_at)),
        (_("closed at"), lambda r: _when(r.closed_at)),
        (_("rating"), lambda r: r.rating or ""),
    ]

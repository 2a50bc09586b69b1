from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from oauth2_provider.admin import ApplicationAdmin as OAuthToolkitApplicationAdmin
from oauth2_provider.models import AccessToken, Application, Grant, IDToken, RefreshToken

from academy import actions
from academy.models import (
    ApiClient,
    Enrolment,
    EnrolmentEvent,
    Intake,
    OAuthApplication,
    Offering,
    Programme,
    University,
)
from accounts.models import Occupation, Street
from core.admin_decisions import DecisionAdmin, bulk_decide_action
from core.admin_tools import (
    HTTPS_URL_FIELDS,
    CappedCountPaginator,
    ReadOnlyInline,
    Refuses,
    UnionSearchAdmin,
    changelist_queryset,
    choices_filter,
    csv_response,
)
from core.phone import normalize_mobile_or_keep


@admin.register(University)
class UniversityAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ("name", "short_name", "code")
    search_fields = ("name", "short_name", "code")


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("major", "level", "university", "tuition", "duration_years", "is_active")
    list_filter = ("level", "university", "is_active")
    list_select_related = ("university",)
    search_fields = ("major",)


@admin.register(Intake)
class IntakeAdmin(admin.ModelAdmin):
    list_display = ("name", "applications_open_at", "applications_close_at", "starts_on")
    search_fields = ("name",)


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = ("programme", "intake", "seat_limit", "seats_taken")
    list_filter = ("intake", "programme__level")
    list_select_related = ("programme__university", "intake")
    readonly_fields = ("seats_taken",)
    autocomplete_fields = ("programme", "intake")


class EnrolmentEventInline(ReadOnlyInline):
    model = EnrolmentEvent
    fields = ("created_at", "from_status", "to_status", "actor_role", "actor", "reason")


OccupationFilter = choices_filter(
    title=_("occupation"),
    parameter_name="occupation",
    choices=Occupation.choices,
    lookup="worker__profile__occupation",
)
StreetFilter = choices_filter(
    title=_("street"), parameter_name="street", choices=Street.choices, lookup="worker__profile__street"
)


DECIDERS = {
    "admit": lambda pk, user, reason: actions.enrolment_admit(enrolment_id=pk, acting_user=user, note=reason),
    "waitlist": lambda pk, user, reason: actions.enrolment_waitlist(
        enrolment_id=pk, acting_user=user, note=reason
    ),
    "reject": lambda pk, user, reason: actions.enrolment_reject(
        enrolment_id=pk, acting_user=user, reason=reason
    ),
}

CSV_HEADER = [
    _("Application"),
    _("Name"),
    _("Mobile number"),
    _("ID number"),
    _("Occupation"),
    _("Street"),
    _("Programme"),
    _("Intake"),
    _("Status"),
    _("Submitted at"),
    _("Decided at"),
    _("Reason"),
    _("Student number"),
]


@admin.register(Enrolment)
class EnrolmentAdmin(Refuses, DecisionAdmin, UnionSearchAdmin, admin.ModelAdmin):
    refuse = ("add", "delete")  # workers apply in the portal
    # The change page offers the decisions of academy.actions.TRANSITIONS as buttons.
    transitions = actions.TRANSITIONS
    decisions = DECIDERS
    decision_page = True
    bulk_decisions = ("admit", "waitlist", "reject")
    bulk_template = "admin/academy/enrolment/decide.html"
    bulk_select_related = ("worker", "offering__programme", "offering__intake", "intake")
    reason_label = _("Reason (the worker reads it; required when rejecting)")
    decide_selected = bulk_decide_action(_("Admit, waitlist or reject the selected applications"))
    list_display = (
        "id",
        "worker_name",
        "worker_phone",
        "masked_id_number",
        "occupation",
        "offering",
        "status",
        "submitted_at",
    )
    list_filter = ("status", "intake", "offering__programme", OccupationFilter, StreetFilter)
    list_select_related = ("worker__profile", "offering__programme", "offering__intake", "intake")
    search_fields = ("worker__real_name", "worker__phone")
    search_help_text = _("Name or mobile number")
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    ordering = (F("submitted_at").desc(nulls_last=True), "-id")  # type: ignore[assignment]  # Django takes expressions here; the stubs only names
    actions = ("decide_selected",)
    inlines = (EnrolmentEventInline,)
    fields = (
        "worker",
        "masked_id_number",
        "offering",
        "intake",
        "status",
        "certificate_link",
        "submitted_at",
        "decided_at",
        "decided_by",
        "decision_reason",
        "student_number",
    )
    readonly_fields = fields
    change_list_template = "admin/academy/enrolment/change_list.html"
    change_form_template = "admin/academy/enrolment/change_form.html"

    def get_search_results(self, request, queryset, search_term):
        # "138 0000 0001" finds +8613800000001, as staff read numbers off a phone.
        return super().get_search_results(request, queryset, normalize_mobile_or_keep(search_term))

    @admin.display(description=_("name"), ordering="worker__real_name")
    def worker_name(self, obj: Enrolment) -> str:
        return obj.worker.real_name

    @admin.display(description=_("mobile number"), ordering="worker__phone")
    def worker_phone(self, obj: Enrolment) -> str:
        return obj.worker.phone_display

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj: Enrolment) -> str:
        profile = getattr(obj.worker, "profile", None)
        return profile.id_number_masked if profile else ""

    @admin.display(description=_("occupation"))
    def occupation(self, obj: Enrolment) -> str:
        profile = getattr(obj.worker, "profile", None)
        return profile.get_occupation_display() if profile else ""

    @admin.display(description=_("prior-education certificate"))
    def certificate_link(self, obj: Enrolment) -> str:
        if not obj.certificate:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("academy:certificate_file", args=[obj.pk]),
            _("Open the certificate"),
        )

    def get_urls(self):
        return [
            path("export.csv", self.admin_site.admin_view(self.export_csv), name="academy_enrolment_export"),
            *super().get_urls(),
        ]

    def bulk_context(self, objects):
        return {"offerings": {enrolment.offering for enrolment in objects}}

    def export_csv(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        queryset = changelist_queryset(self, request).select_related(
            "worker__profile", "offering__programme", "offering__intake", "intake"
        )

        def rows():
            for enrolment in queryset.iterator(chunk_size=1000):
                profile = getattr(enrolment.worker, "profile", None)
                yield [
                    enrolment.pk,
                    enrolment.worker.real_name,
                    enrolment.worker.phone_display,
                    profile.id_number_masked if profile else "",
                    profile.get_occupation_display() if profile else "",
                    profile.get_street_display() if profile else "",
                    str(enrolment.offering.programme),
                    enrolment.intake.name,
                    enrolment.get_status_display(),
                    enrolment.submitted_at.isoformat() if enrolment.submitted_at else "",
                    enrolment.decided_at.isoformat() if enrolment.decided_at else "",
                    enrolment.decision_reason,
                    enrolment.student_number,
                ]

        return csv_response("applications.csv", [str(column) for column in CSV_HEADER], rows())


# The partner API's OAuth applications are managed here, under their Chinese name (issue 19);
# the tokens and grants are credentials no staff task reads (deactivate the API client instead).
for _model in (Application, AccessToken, RefreshToken, IDToken, Grant):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(OAuthApplication)
class OAuthApplicationAdmin(OAuthToolkitApplicationAdmin):
    list_display = ("name", "client_id", "client_type", "authorization_grant_type", "registration_source")
    raw_id_fields = ("user",)


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Which university an OAuth application acts for, and its scopes. Create the application
    (client type confidential, grant client credentials) first: its secret is shown once, then hashed."""

    list_display = ("application", "university", "can_read_sensitive", "can_write", "is_active")
    list_filter = ("university", "is_active")
    list_select_related = ("application", "university")
    raw_id_fields = ("application",)
    autocomplete_fields = ("university",)
    show_full_result_count = False

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from academy.actions import enrolment_record_credits
from accounts.models import Occupation, Street
from core.admin_decisions import DecisionAdmin, bulk_decide_action, decide_each
from core.admin_tools import (
    ActionAdmin,
    CappedCountPaginator,
    ReadOnlyInline,
    Refuses,
    UnionSearchAdmin,
    action_page,
    changelist_queryset,
    choices_filter,
    csv_response,
    formset_rows,
    posted,
)
from core.db_router import read_from_replica
from core.phone import normalize_mobile_or_keep
from subsidies import actions, selectors
from subsidies.eligibility import assess
from subsidies.forms import CreditsForm, PaymentForm
from subsidies.models import ApplicationEvent, Budget, Instalment, OccupationCap, Scheme, SubsidyApplication

Status = SubsidyApplication.Status


class OccupationCapInline(admin.TabularInline):
    model = OccupationCap
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(ActionAdmin, admin.ModelAdmin):
    """Rules, intakes and caps change only through subsidies.actions.scheme_save (audited)."""

    list_display = (
        "name",
        "year",
        "default_cap",
        "min_months_in_trade",
        "requires_union_membership",
        "is_open",
    )
    list_filter = ("year", "is_open")
    filter_horizontal = ("intakes",)
    inlines = (OccupationCapInline,)
    search_fields = ("name",)

    def save_by_action(self, request, obj, form, formsets, change):
        return actions.scheme_save(
            scheme_id=obj.pk if change else None,
            values={
                field: form.cleaned_data[field]
                for field in actions.SCHEME_FIELDS
                if field in form.cleaned_data
            },
            intakes=form.cleaned_data.get("intakes", obj.intakes.all() if change else []),
            caps={
                row["occupation"]: (row["cap"], row["priority"])
                for row in formset_rows(formsets, OccupationCap)
            },
            acting_user=request.user,
        )


class BudgetForm(forms.ModelForm):
    reason = forms.CharField(label=_("Reason for this change (kept in the audit log)"), max_length=500)

    class Meta:
        model = Budget
        fields = ("scheme", "total")


@admin.register(Budget)
class BudgetAdmin(Refuses, ActionAdmin, admin.ModelAdmin):
    """The total changes only through subsidies.actions.budget_set_total: who, when, why."""

    refuse = ("delete",)

    form = BudgetForm
    list_display = ("scheme", "total", "committed", "paid", "remaining")
    list_select_related = ("scheme",)
    readonly_fields = ("committed", "paid", "remaining")

    def get_readonly_fields(self, request, obj=None):
        # A budget being added has no committed, paid or remaining amount yet (remaining would be
        # total - committed of an empty form: a 500).
        return (*self.readonly_fields, "scheme") if obj else ()

    @admin.display(description=_("remaining (yuan)"))
    def remaining(self, obj: Budget):
        return obj.remaining

    def save_by_action(self, request, obj, form, formsets, change):
        # Never below what is committed: the action says so, as the form's error.
        return actions.budget_set_total(
            scheme_id=obj.scheme_id,
            total=form.cleaned_data["total"],
            acting_user=request.user,
            reason=form.cleaned_data["reason"],
        )


# Documents shown as a picture on the change page; the others (PDF) open from their link.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")

# Who acted, as staff read it (the worker's own pages say 你 for the applicant).
ROLE_LABELS = {
    "worker": _("Applicant"),
    "checker": _("Checker"),
    "approver": _("Approver"),
    "finance": _("Finance"),
}


class ApplicationEventInline(ReadOnlyInline):
    model = ApplicationEvent
    fields = ("created_at", "from_status", "to_status", "role_label", "actor", "amount", "reason")

    @admin.display(description=_("role"))
    def role_label(self, obj: ApplicationEvent):
        return ROLE_LABELS.get(obj.role, obj.role)


class InstalmentInline(ReadOnlyInline):
    model = Instalment
    fields = ("study_year", "amount", "status", "payable_at", "paid_on", "payment_reference")


class QueueFilter(admin.SimpleListFilter):
    """The two queues: waiting for a first check, and checked by someone else, waiting for approval."""

    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("check", _("Waiting for the first check")), ("approve", _("Waiting for my approval"))]

    def queryset(self, request, queryset):
        if self.value() == "check":
            return queryset.filter(status=Status.SUBMITTED)
        if self.value() == "approve":
            return queryset.filter(status=Status.CHECKED).exclude(checked_by=request.user)
        return queryset


OccupationFilter = choices_filter(
    title=_("occupation"), parameter_name="occupation", choices=Occupation.choices, lookup="occupation"
)
StreetFilter = choices_filter(
    title=_("street"), parameter_name="street", choices=Street.choices, lookup="applicant__profile__street"
)


DECIDERS = {
    "check": lambda pk, user, reason: actions.application_check(
        application_id=pk, acting_user=user, note=reason
    ),
    "return": lambda pk, user, reason: actions.application_return(
        application_id=pk, acting_user=user, reason=reason
    ),
    "approve": lambda pk, user, reason: actions.application_approve(
        application_id=pk, acting_user=user, note=reason
    ),
    "reject": lambda pk, user, reason: actions.application_reject(
        application_id=pk, acting_user=user, reason=reason
    ),
    "uphold_appeal": lambda pk, user, reason: actions.application_decide_appeal(
        application_id=pk, acting_user=user, uphold=True, reason=reason
    ),
    "dismiss_appeal": lambda pk, user, reason: actions.application_decide_appeal(
        application_id=pk, acting_user=user, uphold=False, reason=reason
    ),
}


@admin.register(SubsidyApplication)
class SubsidyApplicationAdmin(Refuses, DecisionAdmin, UnionSearchAdmin, admin.ModelAdmin):
    refuse = ("add", "delete")  # workers apply in the portal
    # The change page offers the decisions of subsidies.actions.TRANSITIONS as buttons (appeals
    # too); the change list the first four for many applications at once, with the budget in view.
    transitions = actions.TRANSITIONS
    decisions = DECIDERS
    decision_page = True
    bulk_decisions = ("check", "return", "approve", "reject")
    bulk_template = "admin/subsidies/subsidyapplication/decide.html"
    bulk_title = _("Decide on subsidy applications")
    bulk_select_related = ("applicant", "scheme__budget", "enrolment__offering__programme", "checked_by")
    reason_label = _("Reason (the worker reads it; required to return or reject)")
    decide_selected = bulk_decide_action(_("Check, return, approve or reject the selected applications"))
    list_display = (
        "id",
        "applicant_name",
        "applicant_phone",
        "occupation",
        "programme",
        "amount",
        "status",
        "checked_by",
        "submitted_at",
    )
    list_filter = (QueueFilter, "status", "scheme", OccupationFilter, "enrolment__intake", StreetFilter)
    list_select_related = ("applicant__profile", "enrolment__offering__programme", "checked_by")
    search_fields = ("applicant__real_name", "applicant__phone")
    search_help_text = _("Name or mobile number")
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    ordering = (F("submitted_at").desc(nulls_last=True), "-id")  # type: ignore[assignment]  # Django takes expressions here; the stubs only names
    actions = ("decide_selected",)
    inlines = (InstalmentInline, ApplicationEventInline)
    fields = (
        "applicant",
        "masked_id_number",
        "enrolment",
        "scheme",
        "status",
        "occupation",
        "tuition",
        "cap",
        "amount",
        "documents",
        "eligibility",
        "submitted_at",
        "checked_by",
        "checked_at",
        "decided_by",
        "decided_at",
        "reason",
        "appeal_reason",
    )
    readonly_fields = fields
    change_list_template = "admin/subsidies/subsidyapplication/change_list.html"
    change_form_template = "admin/subsidies/subsidyapplication/change_form.html"

    def get_search_results(self, request, queryset, search_term):
        # "138 0000 0001" finds +8613800000001, as staff read numbers off a phone.
        return super().get_search_results(request, queryset, normalize_mobile_or_keep(search_term))

    @admin.display(description=_("name"), ordering="applicant__real_name")
    def applicant_name(self, obj):
        return obj.applicant.real_name

    @admin.display(description=_("mobile number"), ordering="applicant__phone")
    def applicant_phone(self, obj):
        return obj.applicant.phone_display

    @admin.display(description=_("programme"))
    def programme(self, obj):
        return str(obj.enrolment.offering.programme)

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj):
        profile = getattr(obj.applicant, "profile", None)
        return profile.id_number_masked if profile else ""

    @admin.display(description=_("documents"))
    def documents(self, obj):
        """Each uploaded document with a preview on the page (a photo) and a link to open it."""
        shown = []
        for field, label in actions.DOCUMENT_LABELS.items():
            document = getattr(obj, field)
            if not document:
                continue
            url = reverse("subsidies:document_file", args=[obj.pk, field])
            preview = (
                format_html('<img src="{}" alt="{}" class="document-preview" loading="lazy">', url, label)
                if document.name.lower().endswith(IMAGE_SUFFIXES)
                else ""
            )
            shown.append(
                format_html(
                    '<figure class="document">{}<figcaption><a href="{}" target="_blank" rel="noopener">{}</a>'
                    "</figcaption></figure>",
                    preview,
                    url,
                    label,
                )
            )
        return format_html("".join(["{}"] * len(shown)), *shown) if shown else "—"

    @admin.display(description=_("eligibility checks"))
    def eligibility(self, obj):
        """What the decision rests on: each rule of the scheme, met or not, as of today."""
        assessment = assess(enrolment=obj.enrolment, scheme=obj.scheme)
        return format_html(
            '<ul class="eligibility">{}</ul>',
            format_html_join(
                "",
                '<li class="{}"><span class="visually-hidden">{}</span>{} {}</li>',
                (
                    (
                        "met" if rule.met else "unmet",
                        gettext("met:") if rule.met else gettext("not met:"),
                        "✓" if rule.met else "✗",
                        rule.text,
                    )
                    for rule in assessment.rules
                ),
            ),
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("dashboard/", wrap(self.dashboard_view), name="subsidies_dashboard"),
            path("<int:pk>/credits/", wrap(self.credits_view), name="subsidies_subsidyapplication_credits"),
            *super().get_urls(),
        ]

    def bulk_context(self, objects):
        budgets = {
            application.scheme.budget for application in objects if hasattr(application.scheme, "budget")
        }
        return {
            "budgets": sorted(budgets, key=lambda budget: budget.pk),
            "selected_total": sum(application.amount for application in objects),
        }

    def credits_view(self, request, pk: int):
        """Staff record a study year's credits (until the university reports them through the API)."""
        if not request.user.has_perm("subsidies.approve_subsidyapplication") and not request.user.has_perm(
            "subsidies.check_subsidyapplication"
        ):
            raise PermissionDenied
        application = get_object_or_404(SubsidyApplication.objects.select_related("enrolment"), pk=pk)
        return action_page(
            self,
            request,
            CreditsForm(posted(request)),
            lambda data: enrolment_record_credits(
                enrolment_id=application.enrolment_id,
                study_year=data["study_year"],
                credits=data["credits"],
                acting_user=request.user,
            ),
            done=_("Credits recorded."),
            next_url=reverse("admin:subsidies_subsidyapplication_change", args=[pk]),
            title=_("Record credits"),
            template="admin/subsidies/subsidyapplication/credits.html",
            error_status=200,
            refusal_as_message=True,
            application=application,
        )

    def dashboard_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Budget dashboard"),
            "overview": read_from_replica(selectors.budgets_overview)(),
        }
        return TemplateResponse(request, "admin/subsidies/dashboard.html", context)


FINANCE_HEADER = [
    _("Instalment"),
    _("Application"),
    _("Name"),
    _("Mobile number"),
    _("Scheme"),
    _("Programme"),
    _("Study year"),
    _("Amount (yuan)"),
    _("State"),
    _("Payable since"),
    _("Payment date"),
    _("Payment reference"),
]


@admin.register(Instalment)
class InstalmentAdmin(Refuses, admin.ModelAdmin):
    refuse = ("add", "delete")
    list_display = (
        "id",
        "application",
        "applicant",
        "study_year",
        "amount",
        "status",
        "payable_at",
        "paid_on",
        "payment_reference",
    )
    list_filter = ("status", "application__scheme", "study_year")
    list_select_related = ("application__applicant",)
    search_fields = (
        "application__applicant__real_name",
        "application__applicant__phone",
        "payment_reference",
    )
    show_full_result_count = False
    paginator = CappedCountPaginator
    readonly_fields = (
        "application",
        "study_year",
        "amount",
        "status",
        "payable_at",
        "paid_at",
        "paid_on",
        "payment_reference",
        "paid_by",
    )
    actions = ("pay_selected",)
    change_list_template = "admin/subsidies/instalment/change_list.html"

    def has_pay_permission(self, request) -> bool:
        return request.user.has_perm("subsidies.pay_instalment")

    @admin.display(description=_("name"))
    def applicant(self, obj):
        return obj.application.applicant.real_name

    @admin.action(description=_("Mark the selected instalments as paid"), permissions=["pay"])
    def pay_selected(self, request, queryset):
        if "apply" in request.POST:
            form = PaymentForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                decide_each(
                    self,
                    request,
                    queryset.order_by("pk").values_list("pk", flat=True),
                    lambda pk, user, _reason: actions.instalment_mark_paid(
                        instalment_id=pk,
                        acting_user=user,
                        reference=data["reference"],
                        paid_on=data["paid_on"],
                    ),
                    "",
                    ngettext_lazy("%(count)d instalment paid.", "%(count)d instalments paid.", "count"),
                )
                return None
        else:
            form = PaymentForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Mark instalments as paid"),
            "form": form,
            "instalments": queryset.select_related("application__applicant"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/subsidies/instalment/pay.html", context)

    def get_urls(self):
        return [
            path(
                "finance.csv", self.admin_site.admin_view(self.export_csv), name="subsidies_instalment_export"
            ),
            *super().get_urls(),
        ]

    def export_csv(self, request):
        """For finance: payable and paid instalments of the filtered list."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        queryset = (
            changelist_queryset(self, request)
            .filter(status__in=[Instalment.Status.PAYABLE, Instalment.Status.PAID])
            .select_related(
                "application__applicant", "application__scheme", "application__enrolment__offering__programme"
            )
            .order_by("application__scheme", "status", "pk")
        )

        def rows():
            for instalment in queryset.iterator(chunk_size=1000):
                application = instalment.application
                yield [
                    instalment.pk,
                    application.pk,
                    application.applicant.real_name,
                    application.applicant.phone_display,
                    application.scheme.name,
                    str(application.enrolment.offering.programme),
                    instalment.study_year,
                    f"{instalment.amount:.2f}",
                    instalment.get_status_display(),
                    instalment.payable_at.isoformat() if instalment.payable_at else "",
                    instalment.paid_on.isoformat() if instalment.paid_on else "",
                    instalment.payment_reference,
                ]

        return csv_response("subsidy-instalments.csv", [str(column) for column in FINANCE_HEADER], rows())

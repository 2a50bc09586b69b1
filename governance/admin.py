"""Staff work in Django admin: the triage queue, grids and members, categories, API keys.

Statuses are never form fields: every change goes through actions.py. The points ledger and its
rules are the points app's (points/admin.py).
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_decisions import DecisionAdmin, bulk_decision
from core.admin_tools import (
    HTTPS_URL_FIELDS,
    ActionAdmin,
    CappedCountPaginator,
    ReadOnlyInline,
    Refuses,
    ShowOnlyAdmin,
    UnionSearchAdmin,
    action_page,
    csv_of,
)
from core.uploads import clean_image
from governance import actions
from governance.attributes import answer_lines
from governance.models import (
    ApiKey,
    Category,
    Grid,
    GridMember,
    Report,
    ReportUpdate,
)
from governance.selectors import triage_queue


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("name", "street", "community", "is_active", "member_count")
    list_filter = ("street", "is_active")
    search_fields = ("name", "community")
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(live_members=Count("members", filter=Q(members__ends_on__isnull=True)))
        )

    @admin.display(description=_("current members"), ordering="live_members")
    def member_count(self, obj: Grid) -> int:
        return obj.live_members  # type: ignore[attr-defined]  # annotated by get_queryset


class GridMemberAppointForm(forms.ModelForm):
    class Meta:
        model = GridMember
        fields = ("grid", "user", "starts_on")


@admin.register(GridMember)
class GridMemberAdmin(ActionAdmin, admin.ModelAdmin):
    form = GridMemberAppointForm
    list_display = ("user", "grid", "starts_on", "ends_on", "appointed_by")
    list_filter = ("grid", ("ends_on", admin.EmptyFieldListFilter))
    list_select_related = ("user", "grid", "appointed_by")
    search_fields = ("user__phone", "user__real_name", "grid__name")
    raw_id_fields = ("user",)
    show_full_result_count = False
    actions = ("end_selected",)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("appointed_by",)
        return ("grid", "user", "starts_on", "ends_on", "appointed_by", "ended_by")

    def save_by_action(self, request, obj, form, formsets, change):
        if change:  # an appointment is only ended (the action below), never edited
            return obj
        return actions.gridmember_appoint(
            grid=obj.grid, user=obj.user, starts_on=obj.starts_on, acting_user=request.user
        )

    end_selected = bulk_decision(
        lambda pk, user, _reason: actions.gridmember_end(member_id=pk, acting_user=user),
        _("End the selected appointments today"),
        done=_("%(count)s appointments ended."),
    )


@admin.register(Category)
class CategoryAdmin(ActionAdmin, admin.ModelAdmin):
    list_display = (
        "position",
        "name_zh",
        "name_en",
        "code",
        "department",
        "response_hours",
        "is_public",
        "is_active",
    )
    list_display_links = ("name_zh",)
    list_filter = ("is_public", "is_active")
    ordering = ("position", "id")

    def save_by_action(self, request, obj, form, formsets, change):
        return actions.category_save(
            category_id=obj.pk if change else None, values=form.cleaned_data, acting_user=request.user
        )


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ("name",)


@admin.register(ApiKey)
class ApiKeyAdmin(Refuses, ActionAdmin, admin.ModelAdmin):
    refuse = ("delete",)
    form = ApiKeyForm
    list_display = ("name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke_selected",)

    def save_by_action(self, request, obj, form, formsets, change):
        if change:
            return actions.apikey_rename(
                key_id=obj.pk, name=form.cleaned_data["name"], acting_user=request.user
            )
        key, raw = actions.apikey_issue(name=obj.name, acting_user=request.user)
        self.message_user(
            request,
            gettext(
                "The key for %(name)s is: %(key)s — copy it now; it is stored only hashed and cannot be shown again."
            )
            % {"name": key.name, "key": raw},
            messages.WARNING,
        )
        return key

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        for key_id in queryset.values_list("pk", flat=True):
            actions.apikey_revoke(key_id=key_id, acting_user=request.user)


class AgeFilter(admin.SimpleListFilter):
    title = _("age")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue")),
            ("1d", _("Less than a day")),
            ("3d", _("1 to 3 days")),
            ("old", _("More than 3 days")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.filter(status__in=Report.OPEN_STATUSES, due_at__lt=now)
        if self.value() == "1d":
            return queryset.filter(created_at__gte=now - timedelta(days=1))
        if self.value() == "3d":
            return queryset.filter(
                created_at__lt=now - timedelta(days=1), created_at__gte=now - timedelta(days=3)
            )
        if self.value() == "old":
            return queryset.filter(created_at__lt=now - timedelta(days=3))
        return queryset


class ReportUpdateInline(ReadOnlyInline):
    model = ReportUpdate
    fields = ("created_at", "status", "actor_role", "actor", "note")


class TriageForm(forms.Form):
    DECISIONS = [
        ("accept", _("Accept")),
        ("dispatch", _("Dispatch to the responsible department")),
        ("resolve", _("Resolve")),
        ("reject", _("Reject")),
        ("duplicate", _("Mark as duplicate of another report")),
    ]
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note or reason (the reporter sees it)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    department = forms.CharField(label=_("Department (dispatch)"), required=False, max_length=80)
    duplicate_of = forms.IntegerField(
        label=_("Original report number (duplicate)"), required=False, min_value=1
    )
    photo = forms.FileField(label=_("Photo of the fix (resolve, optional)"), required=False)

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        return clean_image(upload) if upload else None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "duplicate" and not cleaned.get("duplicate_of"):
            self.add_error("duplicate_of", gettext("Please give the number of the original report."))
        return cleaned


DECIDERS = {
    "accept": lambda pk, user, note: actions.report_accept(report_id=pk, acting_user=user, note=note),
    "dispatch": lambda pk, user, note: actions.report_dispatch(report_id=pk, acting_user=user, note=note),
    "resolve": lambda pk, user, note: actions.report_resolve(report_id=pk, acting_user=user, note=note),
    "reject": lambda pk, user, note: actions.report_reject(report_id=pk, acting_user=user, reason=note),
}


@admin.register(Report)
class ReportAdmin(Refuses, DecisionAdmin, ShowOnlyAdmin, UnionSearchAdmin, admin.ModelAdmin):
    refuse = ("add", "delete")
    # The change page offers the simple decisions of governance.actions.TRANSITIONS as buttons;
    # the triage page also takes a department, the original of a duplicate and a photo.
    transitions = actions.TRANSITIONS
    decisions = DECIDERS
    decision_page = True
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ("number", "category", "grid", "status_label", "age", "due", "department", "source")
    list_filter = ("status", "category", "grid", AgeFilter)
    list_select_related = ("category", "grid", "reporter", "api_key")
    search_fields = ("=id", "address", "description")
    show_full_result_count = False
    paginator = CappedCountPaginator
    ordering = ("-created_at",)
    inlines = (ReportUpdateInline,)
    actions = ("accept_selected", "dispatch_selected", "export_csv")
    accept_selected = bulk_decision(
        "accept", _("Accept the selected reports"), done=_("%(count)s reports updated.")
    )
    dispatch_selected = bulk_decision(
        "dispatch",
        _("Dispatch the selected reports to their departments"),
        done=_("%(count)s reports updated."),
    )
    change_form_template = "admin/governance/report/change_form.html"
    fields = (
        "category",
        "status",
        "reject_reason",
        "duplicate_of",
        "description",
        "answer_list",
        "photo_list",
        "address",
        "street",
        "lat",
        "lng",
        "grid",
        "department",
        "source",
        "media_url_text",
        "created_at",
        "due_at",
        "resolved_at",
        "reopen_count",
    )

    def get_queryset(self, request):
        return triage_queue()

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(description=_("No."), ordering="id")
    def number(self, obj: Report) -> str:
        return f"#{obj.pk}"

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj: Report) -> str:
        return format_html(
            '<span class="gov-status gov-{}">{}</span>', obj.status_family, obj.get_status_display()
        )

    @admin.display(description=_("age"), ordering="created_at")
    def age(self, obj: Report) -> str:
        hours = int((timezone.now() - obj.created_at).total_seconds() // 3600)
        return gettext("%(days)sd %(hours)sh") % {"days": hours // 24, "hours": hours % 24}

    @admin.display(description=_("due"), ordering="due_at")
    def due(self, obj: Report) -> str:
        moment = timezone.localtime(obj.due_at).strftime("%Y-%m-%d %H:%M")
        if obj.is_overdue:
            return format_html('<strong class="admin-overdue">⚠ {} {}</strong>', gettext("Overdue"), moment)
        return moment

    @admin.display(description=_("source"))
    def source(self, obj: Report) -> str:
        if obj.reporter_id:
            return str(obj.reporter)
        return gettext("Partner: %(name)s") % {"name": obj.api_key.name if obj.api_key else "?"}

    @admin.display(description=_("media URL (partner)"))
    def media_url_text(self, obj: Report) -> str:
        # Text, not a link: the partner's URL is never fetched or followed by the portal (README, Open311).
        return obj.media_url or "—"

    @admin.display(description=_("answers"))
    def answer_list(self, obj: Report) -> str:
        """The answers to the category's own questions (governance.attributes), question by question."""
        lines = answer_lines(obj.category.attributes, obj.attributes)
        if not lines:
            return "—"
        return format_html("<dl>{}</dl>", format_html_join("", "<dt>{}</dt><dd>{}</dd>", lines))

    @admin.display(description=_("photos"))
    def photo_list(self, obj: Report) -> str:
        return format_html_join(
            " ",
            '<a href="{}" target="_blank"><img src="{}" alt="{}" class="admin-photo"></a>',
            (
                (
                    reverse("governance:photo", args=[photo.pk, "full"]),
                    reverse("governance:photo", args=[photo.pk, "thumb"]),
                    photo.get_kind_display(),
                )
                for photo in obj.photos.all()
            ),
        )

    def get_urls(self):
        return [
            path(
                "<int:report_id>/triage/",
                self.admin_site.admin_view(self.triage_view),
                name="governance_report_triage",
            ),
            *super().get_urls(),
        ]

    def triage_view(self, request: HttpRequest, report_id: int) -> HttpResponse:
        report = get_object_or_404(triage_queue(), pk=report_id)
        if not self.has_change_permission(request, report):
            raise DjangoPermissionDenied
        form = TriageForm(request.POST or None, request.FILES or None)
        return action_page(
            self,
            request,
            form,
            lambda data: self._decide(request, report, data),
            done=gettext("Report #%(id)s updated.") % {"id": report.pk},
            next_url=reverse("admin:governance_report_change", args=[report.pk]),
            title=gettext("Triage report #%(id)s") % {"id": report.pk},
            template="admin/governance/report/triage.html",
            error_status=200,
            report=report,
        )

    def _decide(self, request, report: Report, data: dict) -> None:
        decision, note, user = data["decision"], data["note"], request.user
        if decision == "accept":
            actions.report_accept(report_id=report.pk, acting_user=user, note=note)
        elif decision == "dispatch":
            actions.report_dispatch(
                report_id=report.pk, acting_user=user, department=data["department"], note=note
            )
        elif decision == "resolve":
            actions.report_resolve(report_id=report.pk, acting_user=user, note=note, photo=data["photo"])
        elif decision == "reject":
            actions.report_reject(report_id=report.pk, acting_user=user, reason=note)
        elif decision == "duplicate":
            actions.report_mark_duplicate(
                report_id=report.pk, original_id=data["duplicate_of"], acting_user=user, note=note
            )

    @admin.action(description=_("Export the selected reports as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        rows = queryset.select_related("category", "grid", "reporter", "api_key").order_by("id")
        return csv_of("grid-reports.csv", self.csv_columns(), rows)

    def csv_columns(self) -> list:
        def when(moment) -> str:
            return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""

        return [
            (_("number"), lambda r: r.pk),
            (_("submitted at"), lambda r: when(r.created_at)),
            (_("category"), lambda r: r.category.name),
            (_("grid"), lambda r: r.grid.name if r.grid else ""),
            (_("street"), lambda r: r.get_street_display() if r.street else ""),
            (_("status"), lambda r: r.get_status_display()),
            (_("department"), lambda r: r.department),
            (_("due at"), lambda r: when(r.due_at)),
            (_("overdue"), lambda r: gettext("yes") if r.is_overdue else gettext("no")),
            (_("resolved at"), lambda r: when(r.resolved_at)),
            (_("address"), lambda r: r.address),
            (_("latitude"), lambda r: r.lat if r.lat is not None else ""),
            (_("longitude"), lambda r: r.lng if r.lng is not None else ""),
            (_("description"), lambda r: r.description),
            (_("source"), self.source),
        ]

"""Staff manage volunteer teams and tasks. Statuses and team leads change only through actions.py.

Station staff see the teams and tasks of the stations they run (stations.admin_scope), other
workers with masked phones (accounts.admin_people). The elderly person's details appear only
on a task's own page, decrypted, for staff with the "see_recipient" permission who run the
task's station; never in lists, filters, search or CSV.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from accounts.admin_people import PhoneMaskedAdmin, person_raw_id_field
from accounts.selectors import csv_phone, person_masked
from core.admin_decisions import DecisionAdmin, bulk_decision
from core.admin_tools import ActionAdmin, CappedCountPaginator, Refuses, changelist_queryset, csv_response
from stations.admin_scope import StationScopedAdmin
from volunteering import actions, selectors
from volunteering.forms import TaskForm, task_values
from volunteering.models import Membership, Recipient, Signup, Task, Team

CANCELLED_BY_STAFF = _("Cancelled by the station staff.")


class MembershipInline(Refuses, PhoneMaskedAdmin, admin.TabularInline):
    refuse = ("add",)
    person_fields = {"user": "user"}
    model = Membership
    fields = ("user", "status", "requested_at", "decided_at", "left_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Team)
class TeamAdmin(ActionAdmin, PhoneMaskedAdmin, StationScopedAdmin):
    list_display = ("name", "station", "lead_person", "is_active", "created_at")
    list_filter = ("is_active", "station")
    list_select_related = ("station", "lead")
    search_fields = ("name", "lead__phone", "lead__real_name")
    phone_paths = ("lead__phone",)
    own_twins = ("lead_person",)
    raw_id_fields = ("lead",)
    inlines = (MembershipInline,)
    fields = ("name", "description", "station", "lead", "is_active")

    @admin.display(description=_("team lead"), ordering="lead__real_name")
    def lead_person(self, obj: Team) -> str:
        return str(obj.lead)

    @admin.display(description=_("team lead"), ordering="lead__real_name")
    def lead_person_masked(self, obj: Team) -> str:
        return person_masked(obj.lead)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "lead":
            return person_raw_id_field(request, field)
        if db_field.name == "station" and field is not None and not self.sees_every_station(request):
            field.required = True  # a team without a station is district work
        return field

    def save_by_action(self, request, obj, form, formsets, change):
        data = form.cleaned_data
        if not change:
            return actions.team_create(
                name=data["name"],
                lead=data["lead"],
                description=data.get("description", ""),
                station=data.get("station"),
                is_active=data.get("is_active", True),
                acting_user=request.user,
            )
        # One action (checked, audited), one transaction: a refused new lead saves nothing else.
        return actions.team_update(
            team_id=obj.pk,
            values={field: data[field] for field in actions.TEAM_FIELDS if field in form.changed_data},
            lead=data["lead"] if "lead" in form.changed_data else None,
            acting_user=request.user,
        )


class SignupInline(Refuses, PhoneMaskedAdmin, admin.TabularInline):
    refuse = ("add",)
    person_fields = {"volunteer": "volunteer"}
    model = Signup
    fields = ("volunteer", "status", "created_at", "withdrawn_at", "points")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("volunteer")


class TaskAddForm(forms.ModelForm):
    """Publishing a task in admin: the task fields plus the elderly person's details (encrypted by the action)."""

    # The same rules as the lead's form: 1 to 20 volunteers, no past day, a phone of digits.
    volunteers_needed = TaskForm.base_fields["volunteers_needed"]
    recipient_name = TaskForm.base_fields["recipient_name"]
    recipient_address = TaskForm.base_fields["recipient_address"]
    recipient_phone = TaskForm.base_fields["recipient_phone"]
    recipient_notes = TaskForm.base_fields["recipient_notes"]

    clean_date = TaskForm.clean_date
    clean_recipient_phone = TaskForm.clean_recipient_phone

    class Meta:
        model = Task
        fields = (
            "team",
            "what",
            "date",
            "starts_at",
            "ends_at",
            "street",
            "area",
            "volunteers_needed",
            "description",
        )


@admin.register(Task)
class TaskAdmin(Refuses, DecisionAdmin, PhoneMaskedAdmin, StationScopedAdmin):
    refuse = ("delete",)
    # A task is created here (volunteering.actions.task_create); it ends by a decision of
    # volunteering.actions.TASK_TRANSITIONS: buttons under its page, or bulk actions.
    transitions = actions.TASK_TRANSITIONS
    decisions = {
        "confirm": lambda pk, user, reason: actions.task_confirm(task_id=pk, acting_user=user),
        "cancel": lambda pk, user, reason: actions.task_cancel(task_id=pk, acting_user=user, reason=reason),
    }
    decision_page = True
    change_form_template = "admin/core/decision_change_form.html"
    confirm_selected = bulk_decision(
        "confirm",
        _("Confirm completion (all signed-up volunteers get their points)"),
        done=_("%(count)s tasks confirmed."),
    )
    cancel_selected = bulk_decision(
        lambda pk, user, _reason: actions.task_cancel(
            task_id=pk, acting_user=user, reason=str(CANCELLED_BY_STAFF)
        ),
        _("Cancel the selected tasks"),
        done=_("%(count)s tasks cancelled."),
    )
    station_path = "team__station"
    person_fields = {"created_by": "created_by", "completed_by": "completed_by"}
    list_display = ("date", "time_window", "what", "team", "street", "area", "places", "status")
    list_filter = ("status", "team", "date", "street")
    list_select_related = ("team",)
    search_fields = ("what", "area", "team__name")
    date_hierarchy = "date"
    paginator = CappedCountPaginator
    show_full_result_count = False
    inlines = (SignupInline,)
    actions = ("confirm_selected", "cancel_selected", "export_done_csv")
    readonly_fields = (
        "team",
        "what",
        "date",
        "starts_at",
        "ends_at",
        "street",
        "area",
        "volunteers_needed",
        "description",
        "taken",
        "status",
        "created_by",
        "created_at",
        "completed_at",
        "completed_by",
        "cancelled_at",
        "cancel_reason",
        "recipient_details",
    )

    @admin.display(description=_("time"))
    def time_window(self, obj: Task) -> str:
        return f"{obj.starts_at:%H:%M}–{obj.ends_at:%H:%M}"

    @admin.display(description=_("volunteers"))
    def places(self, obj: Task) -> str:
        return f"{obj.taken}/{obj.volunteers_needed}"

    # Whether the details are shown is decided per request in get_fields/get_readonly_fields:
    # the ModelAdmin is shared by every thread, so it never keeps a request.
    @admin.display(description=_("elderly person served"))
    def recipient_details(self, obj: Task) -> str:
        if not obj.is_live:
            return gettext("Erased when the task ended.")
        recipient = Recipient.objects.filter(task=obj).first()
        if recipient is None:
            return "—"
        return format_html(
            "{}<br>{}<br>{}<br>{}",
            recipient.name,
            recipient.address,
            recipient.phone or "—",
            recipient.notes or "—",
        )

    @admin.display(description=_("elderly person served"))
    def recipient_hidden(self, obj: Task) -> str:
        if not obj.is_live:
            return gettext("Erased when the task ended.")
        return gettext("Hidden: you do not have the permission to see these details.")

    @staticmethod
    def _may_see_recipient(request, obj) -> bool:
        return selectors.staff_may_see_recipients(user=request.user, station=obj.team.station)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = TaskAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def readonly_names(self, request, obj=None):
        if obj is None:
            return ()
        fields = tuple(super().readonly_names(request, obj))
        if self._may_see_recipient(request, obj):
            return fields
        return tuple("recipient_hidden" if name == "recipient_details" else name for name in fields)

    def get_fields(self, request, obj=None):
        if obj is None:
            return (
                *TaskAddForm.Meta.fields,
                "recipient_name",
                "recipient_address",
                "recipient_phone",
                "recipient_notes",
            )
        return self.get_readonly_fields(request, obj)

    def save_by_action(self, request, obj, form, formsets, change):
        if change:  # every field of a task is read-only here; steps are the bulk actions
            return obj
        data = form.cleaned_data
        return actions.task_create(team=data["team"], acting_user=request.user, **task_values(data))

    @admin.action(
        description=_("Export completed tasks with volunteers and points (CSV)"), permissions=["view"]
    )
    def export_done_csv(self, request, queryset):
        tasks = queryset.filter(status=Task.Status.DONE)
        signups = (
            Signup.objects.filter(task__in=tasks)
            .filter(Q(status=Signup.Status.DONE) | Q(status=Signup.Status.ABSENT))
            .select_related("task__team", "volunteer")
            .order_by("task__date", "task_id", "id")
        )
        header = [
            gettext("Task"),
            gettext("Team"),
            gettext("Date"),
            gettext("Time"),
            gettext("Street"),
            gettext("Area"),
            gettext("What"),
            gettext("Volunteer"),
            pgettext("volunteering", "Phone"),
            gettext("Done"),
            gettext("Points"),
            gettext("Confirmed at"),
        ]

        phone = csv_phone(request.user)

        def rows():
            for signup in signups.iterator(chunk_size=500):
                task = signup.task
                yield [
                    task.pk,
                    task.team.name,
                    task.date.isoformat(),
                    f"{task.starts_at:%H:%M}-{task.ends_at:%H:%M}",
                    task.get_street_display(),
                    task.area,
                    task.what,
                    signup.volunteer.real_name,
                    phone(signup.volunteer.phone),
                    gettext("yes") if signup.status == Signup.Status.DONE else gettext("no"),
                    signup.points,
                    task.completed_at.isoformat() if task.completed_at else "",
                ]

        return csv_response("volunteer-tasks.csv", header, rows())

    def changelist_view(self, request, extra_context=None):
        # "Export" with nothing ticked exports the whole filtered list.
        if (
            request.method == "POST"
            and request.POST.get("action") == "export_done_csv"
            and not request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
        ):
            # This bypasses Django's action dispatch, so it asks the same questions that dispatch would.
            if not self.has_view_or_change_permission(request) or "export_done_csv" not in self.get_actions(
                request
            ):
                raise PermissionDenied
            return self.export_done_csv(request, changelist_queryset(self, request))
        return super().changelist_view(request, extra_context)

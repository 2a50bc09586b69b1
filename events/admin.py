"""Staff in admin: events with their registrations, the venue screen link, attendance export, contest results.

Statuses and points never are form fields: cancelling, publishing results and
recording results go through events.actions.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.admin_people import PhoneMaskedAdmin
from accounts.selectors import csv_phone, person_masked
from core.admin_decisions import DecisionAdmin, bulk_decision
from core.admin_tools import ActionAdmin, CappedCountPaginator, ReadOnlyInline, Refuses, csv_response
from core.exceptions import ApplicationError
from core.privacy import masked_phone
from events import actions
from events.models import CheckIn, ContestResult, Event, Registration
from events.templatetags.events_tags import event_badge
from stations.admin_scope import StationScopedAdmin


def local(moment) -> str:
    if moment is None:
        return ""
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


class WhenFilter(admin.SimpleListFilter):
    title = _("when")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("coming", _("Coming")), ("now", _("Happening now")), ("past", _("Past"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        prefix = "event__" if queryset.model is not Event else ""
        if self.value() == "coming":
            return queryset.filter(**{f"{prefix}starts_at__gt": now})
        if self.value() == "now":
            return queryset.filter(**{f"{prefix}starts_at__lte": now, f"{prefix}ends_at__gt": now})
        if self.value() == "past":
            return queryset.filter(**{f"{prefix}ends_at__lte": now})
        return queryset


class RegistrationInline(ReadOnlyInline):
    model = Registration
    fields = ("worker", "status", "created_at", "checked_in_at", "points")
    ordering = ("created_at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "checkin")

    @admin.display(description=pgettext_lazy("attendance", "worker"))
    def worker(self, obj: Registration) -> str:
        return person_masked(obj.user)

    @admin.display(description=_("checked in at"))
    def checked_in_at(self, obj: Registration) -> str:
        checkin = getattr(obj, "checkin", None)
        return local(checkin.created_at) if checkin else "—"

    @admin.display(description=_("points earned"))
    def points(self, obj: Registration):
        checkin = getattr(obj, "checkin", None)
        return checkin.points if checkin else 0


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = ("station", "kind", "title", "description", "place", "starts_at", "ends_at", "seat_limit")


# A managed event's (a deliberation session's): set by the app that manages it, never here.
MANAGED_FIELDS = (*actions.MANAGED_FIELDS, "status")


@admin.register(Event)
class EventAdmin(DecisionAdmin, StationScopedAdmin):
    # Time, place and seats are edited on the change page (events.actions.event_update); cancelling
    # is a decision of events.actions.EVENT_TRANSITIONS, a button under it or a bulk action.
    form = EventForm
    transitions = actions.EVENT_TRANSITIONS
    decisions = {
        "cancel": lambda pk, user, reason: actions.event_cancel(event_id=pk, acting_user=user, reason=reason)
    }
    decision_page = True
    change_form_template = "admin/core/decision_change_form.html"
    cancel_selected = bulk_decision(
        "cancel",
        _("Cancel the selected events (everyone registered is told)"),
        done=_("%(count)s events cancelled."),
    )
    list_display = ("title", "station", "kind", "starts_local", "seats", "state", "screen_link")
    list_filter = ("kind", "status", "station", WhenFilter, "starts_at")
    search_fields = ("title", "place", "station__name")
    list_select_related = ("station",)
    date_hierarchy = "starts_at"
    show_full_result_count = False
    paginator = CappedCountPaginator
    inlines = (RegistrationInline,)
    actions = ("cancel_selected", "publish_results")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(seats_taken=Count("registrations", filter=Q(registrations__status="registered")))
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        fields = ("status", "cancelled_at", "results_published_at", "screen_link")
        if obj.is_managed:
            fields = tuple(dict.fromkeys(MANAGED_FIELDS + fields))
        return fields

    @admin.display(description=_("starts at"), ordering="starts_at")
    def starts_local(self, obj: Event) -> str:
        return local(obj.starts_at)

    @admin.display(description=_("seats taken"), ordering="seats_taken")
    def seats(self, obj: Event) -> str:
        return f"{obj.seats_taken} / {obj.seat_limit}"  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.display(description=_("status"), ordering="status")
    def state(self, obj: Event) -> str:
        # What workers see on the badge: coming, full, happening now, ended or cancelled.
        return event_badge(obj)["label"]

    @admin.display(description=_("venue screen"))
    def screen_link(self, obj: Event):
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("events:screen", args=[obj.pk]),
            gettext("Show the check-in code"),
        )

    def save_by_action(self, request, obj, form, formsets, change):
        if change:
            # Time, place, seats: through the action (audited); more seats move the waitlist up at once.
            event, promoted = actions.event_update(
                event_id=obj.pk,
                values={
                    field: form.cleaned_data[field]
                    for field in actions.EVENT_FIELDS
                    if field in form.cleaned_data
                },
                acting_user=request.user,
            )
            if promoted:
                self.message_user(
                    request,
                    gettext("%(count)s people moved up from the waitlist.") % {"count": len(promoted)},
                )
            return event
        return actions.event_create(
            station=obj.station,
            kind=obj.kind,
            title=obj.title,
            description=obj.description,
            place=obj.place,
            starts_at=obj.starts_at,
            ends_at=obj.ends_at,
            seat_limit=obj.seat_limit,
            acting_user=request.user,
        )

    @admin.action(description=_("Publish the contest results and award points"), permissions=["change"])
    def publish_results(self, request, queryset):
        for event_id in queryset.values_list("pk", flat=True):
            try:
                results = actions.contest_results_publish(event_id=event_id, acting_user=request.user)
            except ApplicationError as error:
                self.message_user(request, f"#{event_id}: {error.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("#%(id)s: %(count)s results published.")
                    % {"id": event_id, "count": len(results)},
                )


class CheckedInFilter(admin.SimpleListFilter):
    title = _("checked in")
    parameter_name = "checked_in"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(checkin__isnull=False)
        if self.value() == "no":
            return queryset.filter(checkin__isnull=True)
        return queryset


# Context "attendance": the short words (event, worker, phone) mean something else in other apps' catalogues.
ATTENDANCE_HEADER = [
    pgettext_lazy("attendance", "event"),
    pgettext_lazy("attendance", "starts at"),
    pgettext_lazy("attendance", "station"),
    pgettext_lazy("attendance", "worker"),
    pgettext_lazy("attendance", "phone"),
    pgettext_lazy("attendance", "status"),
    pgettext_lazy("attendance", "registered at"),
    pgettext_lazy("attendance", "checked in at"),
    pgettext_lazy("attendance", "points earned"),
]


def attendance_row(registration: Registration, phone=masked_phone) -> list:
    checkin = getattr(registration, "checkin", None)
    result = getattr(checkin, "result", None) if checkin else None
    points = (checkin.points if checkin else 0) + (result.points if result else 0)
    return [
        registration.event.title,
        local(registration.event.starts_at),
        registration.event.station.name,
        registration.user.real_name,
        phone(registration.user.phone),
        registration.get_status_display(),
        local(registration.created_at),
        local(checkin.created_at) if checkin else "",
        points,
    ]


@admin.register(Registration)
class RegistrationAdmin(Refuses, PhoneMaskedAdmin, StationScopedAdmin):
    station_path = "event__station"
    person_fields = {"user": "user"}
    phone_fields = {"phone": "user__phone"}
    phone_paths = ("user__phone",)
    list_display = ("event", "worker", "phone", "status", "registered_at", "checked_in_at", "points")
    list_filter = ("status", CheckedInFilter, "event__kind", "event__station", WhenFilter)
    search_fields = ("event__title", "user__phone", "user__real_name")
    list_select_related = ("event__station", "user", "checkin__result")
    show_full_result_count = False
    paginator = CappedCountPaginator
    actions = ("export_attendance",)

    @admin.display(description=pgettext_lazy("attendance", "worker"), ordering="user__real_name")
    def worker(self, obj: Registration) -> str:
        return obj.user.real_name

    @admin.display(description=pgettext_lazy("attendance", "phone"))
    def phone(self, obj: Registration) -> str:
        return obj.user.phone_display  # the masked twin for those who may not see it

    @admin.display(description=_("registered at"), ordering="created_at")
    def registered_at(self, obj: Registration) -> str:
        return local(obj.created_at)

    @admin.display(description=_("checked in at"), ordering="checkin__created_at")
    def checked_in_at(self, obj: Registration) -> str:
        checkin = getattr(obj, "checkin", None)
        return local(checkin.created_at) if checkin else "—"

    @admin.display(description=_("points earned"))
    def points(self, obj: Registration) -> int:
        return attendance_row(obj)[-1]

    @admin.action(
        description=_("Export the attendance of the selected registrations (CSV)"), permissions=["view"]
    )
    def export_attendance(self, request, queryset):
        rows = queryset.select_related("event__station", "user", "checkin__result").order_by(
            "event__starts_at", "event_id", "created_at", "id"
        )
        phone = csv_phone(request.user)
        return csv_response(
            "attendance.csv",
            [str(title) for title in ATTENDANCE_HEADER],
            (attendance_row(r, phone) for r in rows.iterator()),
        )


class ContestResultForm(forms.ModelForm):
    # Parsing only: what a rank and a score may be is the action's rule (contest_result_record).
    rank = forms.IntegerField(label=_("rank"), max_value=32767)
    score = forms.DecimalField(label=_("score"), max_digits=6, decimal_places=1)

    class Meta:
        model = ContestResult
        fields = ("event", "user", "rank", "score")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "event" in self.fields:
            # Narrows the admin's choice (already cut to the stations the person runs).
            self.fields["event"].queryset = self.fields["event"].queryset.filter(
                kind=Event.Kind.CONTEST, results_published_at__isnull=True
            )

    def clean(self):
        data = super().clean()
        # The model's own unique check would refuse a correction: the action updates instead.
        return data

    def validate_unique(self):
        pass

    def _get_validation_exclusions(self):
        # What a rank and a score may be is contest_result_record's rule, with its messages (and
        # the database's CHECKs): the model's own validation would answer first with Django's.
        return super()._get_validation_exclusions() | {"rank", "score"}


@admin.register(ContestResult)
class ContestResultAdmin(Refuses, ActionAdmin, PhoneMaskedAdmin, StationScopedAdmin):
    refuse = ("delete",)
    station_path = "event__station"
    person_fields = {"user": "user"}
    phone_paths = ("user__phone",)
    form = ContestResultForm
    list_display = ("event", "rank", "participant", "score", "points", "recorded_at")
    list_filter = ("event__station", "event")
    list_select_related = ("event", "user")
    search_fields = ("event__title", "user__real_name", "user__phone")
    raw_id_fields = ("user",)
    ordering = ("event", "rank", "id")

    def readonly_names(self, request, obj=None):
        if obj is not None and obj.event.results_published_at is not None:
            return ("event", "user", "rank", "score", "points")
        if obj is not None:
            return ("event", "user", "points")
        return ("points",)

    @admin.display(description=_("participant"), ordering="user__real_name")
    def participant(self, obj: ContestResult) -> str:
        return person_masked(obj.user)

    def save_by_action(self, request, obj, form, formsets, change):
        return actions.contest_result_record(
            event_id=obj.event_id, user=obj.user, rank=obj.rank, score=obj.score, acting_user=request.user
        )


@admin.register(CheckIn)
class CheckInAdmin(Refuses, PhoneMaskedAdmin, StationScopedAdmin):
    station_path = "event__station"
    person_fields = {"user": "user"}
    phone_paths = ("user__phone",)  # searched only as the viewer may (accounts.selectors.phone_search)

    list_display = ("event", "worker", "created_at", "points")
    list_filter = ("event__station", "event__kind")
    list_select_related = ("event", "user")
    search_fields = ("event__title", "user__real_name", "user__phone")
    show_full_result_count = False

    @admin.display(description=pgettext_lazy("attendance", "worker"))
    def worker(self, obj: CheckIn) -> str:
        return person_masked(obj.user)

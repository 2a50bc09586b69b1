"""Staff run deliberation in Django admin: topics, sessions with their agenda, minutes, resolutions, follow-ups.

Statuses are never form fields: every decision goes through deliberation/actions.py,
through admin actions or the small custom pages below.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

import stations.admin
from accounts.admin_people import PhoneMaskedAdmin
from accounts.selectors import person_masked
from accounts.typing import AuthenticatedHttpRequest
from core.admin_decisions import DecisionAdmin, bulk_decision
from core.admin_tools import (
    ReadOnlyInline,
    Refuses,
    ShowOnlyAdmin,
    action_page,
    changelist_queryset,
    csv_of,
    posted,
)
from deliberation import actions
from deliberation.admin_forms import (
    AgendaForm,
    CancelForm,
    DecisionForm,
    DoneForm,
    FollowUpAddForm,
    MinutesForm,
    ScheduleForm,
)
from deliberation.models import FollowUpAction, Session, Topic, TopicUpdate
from deliberation.selectors import topics_for_export
from stations.admin_scope import StationScopedAdmin, scoped_to
from stations.models import Station


def _badge(obj) -> str:
    return format_html(
        '<span class="gov-status gov-{}">{}</span>', obj.status_family, obj.get_status_display()
    )


def _page(model_admin, request, form, run, *, done, next_url, title, **extra):
    return action_page(
        model_admin,
        request,
        form,
        run,
        done=done,
        next_url=next_url,
        title=title,
        template="admin/deliberation/form.html",
        **extra,
    )


def _change_url(obj) -> str:
    return reverse(f"admin:deliberation_{obj._meta.model_name}_change", args=[obj.pk])


# Stations know nothing of topics: this app shows each station's open topics in the stations list,
# on the stations' own admin (its scope, columns and filters stay there).
admin.site.unregister(Station)


@admin.register(Station)
class StationAdmin(stations.admin.StationAdmin):
    list_display = ["name", "host_name", "host_kind", "street", "lead", "open_topics", "is_active"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(live_topics=Count("topics", filter=Q(topics__status__in=Topic.LIVE_STATUSES)))
        )

    @admin.display(description=_("open topics"), ordering="live_topics")
    def open_topics(self, obj: Station) -> int:
        return obj.live_topics  # type: ignore[attr-defined]  # annotated by get_queryset


class TopicUpdateInline(ReadOnlyInline):
    model = TopicUpdate
    fields = ("created_at", "status", "actor_role", "actor_label", "note")
    verbose_name_plural = _("timeline")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("by whom"))
    def actor_label(self, obj: TopicUpdate) -> str:
        """Name and masked phone: the raiser's full number is not for station staff."""
        if obj.actor is None:
            return "—"
        return person_masked(obj.actor)


class FollowUpInline(ReadOnlyInline):
    model = FollowUpAction
    fields = ("owner_party", "what", "due_on", "status", "done_note")


DECIDERS = {
    "accept": lambda pk, user, text: actions.topic_accept(topic_id=pk, acting_user=user, note=text),
    "close": lambda pk, user, text: actions.topic_close(topic_id=pk, acting_user=user, answer=text),
    "resolved": lambda pk, user, text: actions.topic_conclude(
        topic_id=pk, outcome="resolved", explanation=text, acting_user=user
    ),
    "unresolved": lambda pk, user, text: actions.topic_conclude(
        topic_id=pk, outcome="unresolved", explanation=text, acting_user=user
    ),
}


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _followups(topic: Topic) -> str:
    return "; ".join(
        f"{action.get_owner_party_display()}: {action.what} ({action.due_on:%Y-%m-%d}, {action.get_status_display()})"
        for action in topic.followups.all()
    )


TOPIC_COLUMNS = [
    (pgettext_lazy("topic CSV", "ID"), lambda topic: topic.pk),
    (pgettext_lazy("topic CSV", "Station"), lambda topic: topic.station.name),
    (pgettext_lazy("topic CSV", "Title"), lambda topic: topic.title),
    (pgettext_lazy("topic CSV", "Status"), lambda topic: topic.get_status_display()),
    (pgettext_lazy("topic CSV", "Supporters"), lambda topic: topic.support_count),
    (pgettext_lazy("topic CSV", "Raised at"), lambda topic: _local(topic.created_at)),
    (pgettext_lazy("topic CSV", "Session"), lambda topic: topic.session.title if topic.session else ""),
    (
        pgettext_lazy("topic CSV", "Session at"),
        lambda topic: _local(topic.session.starts_at) if topic.session else "",
    ),
    (pgettext_lazy("topic CSV", "Answer"), lambda topic: topic.answer),
    (pgettext_lazy("topic CSV", "Resolution"), lambda topic: topic.resolution),
    (pgettext_lazy("topic CSV", "Explanation"), lambda topic: topic.explanation),
    (pgettext_lazy("topic CSV", "Follow-up actions"), _followups),
]


@admin.register(Topic)
class TopicAdmin(Refuses, DecisionAdmin, ShowOnlyAdmin, PhoneMaskedAdmin, StationScopedAdmin):
    refuse = ("add", "delete")
    # The change page offers the decisions of deliberation.actions.TRANSITIONS as buttons; the
    # decision page also records resolutions with their follow-up actions.
    transitions = actions.TRANSITIONS
    decisions = DECIDERS
    decision_page = True
    # Station staff see the raiser's name with a masked phone; district staff the full record.
    person_fields = {"raised_by": "raised_by"}
    phone_paths = ("raised_by__phone",)
    list_display = ("title", "station", "status_label", "supporters", "raised_by", "session", "created_at")
    list_filter = ("status", "station")
    list_select_related = ("station", "raised_by", "session")
    search_fields = ("=id", "title", "description", "raised_by__phone", "raised_by__real_name")
    show_full_result_count = False
    ordering = ("-created_at",)
    inlines = (TopicUpdateInline, FollowUpInline)
    actions = ("accept_selected", "export_csv")
    accept_selected = bulk_decision(
        "accept", _("Accept the selected topics for a session"), done=_("%(count)s topics accepted.")
    )
    change_form_template = "admin/deliberation/topic/change_form.html"
    fields = (
        "station",
        "title",
        "description",
        "raised_by",
        "status",
        "session",
        "answer",
        "resolution",
        "resolution_at",
        "explanation",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(support_count=Count("supports"))

    def readonly_names(self, request, obj=None):
        return self.fields

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj: Topic) -> str:
        return _badge(obj)

    @admin.display(description=_("supporters"), ordering="support_count")
    def supporters(self, obj: Topic) -> int:
        return obj.support_count  # type: ignore[attr-defined]  # annotated by get_queryset

    def get_urls(self):
        return [
            path(
                "<int:topic_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="deliberation_topic_decide",
            ),
            path(
                "export.csv", self.admin_site.admin_view(self.export_view), name="deliberation_topic_export"
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, topic_id: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise DjangoPermissionDenied
        topic = get_object_or_404(
            scoped_to(Topic.objects.select_related("station", "session"), user=request.user), pk=topic_id
        )
        return _page(
            self,
            request,
            DecisionForm(posted(request)),
            lambda data: self._decide(request, topic, data),
            done=gettext("Topic “%(title)s” updated.") % {"title": topic.title},
            next_url=_change_url(topic),
            title=gettext("Decide on “%(title)s”") % {"title": topic.title},
            back=topic,
            topic=topic,
        )

    def _decide(self, request, topic: Topic, data: dict) -> None:
        decision, text, user = data["decision"], data["text"], request.user
        if decision != "resolution":
            DECIDERS[decision](topic.pk, user, text)
            return
        followups = []
        if data.get("what"):
            followups = [{"owner_party": data["owner_party"], "what": data["what"], "due_on": data["due_on"]}]
        if not text.strip() and followups and topic.resolution_at is not None:
            actions.followup_add(topic_id=topic.pk, acting_user=user, **followups[0])
        else:
            actions.topic_record_resolution(
                topic_id=topic.pk, resolution=text, acting_user=user, followups=followups
            )

    @admin.action(
        description=_("Export the selected topics with their outcomes as CSV"), permissions=["view"]
    )
    def export_csv(self, request, queryset):
        return self._csv(queryset)

    def export_view(self, request):
        """The topics of the filtered list with their outcomes, for the records."""
        if not self.has_view_permission(request):
            raise DjangoPermissionDenied
        return self._csv(changelist_queryset(self, request))

    def _csv(self, queryset):
        topics = topics_for_export().filter(pk__in=queryset.values("pk")).order_by("created_at", "pk")
        return csv_of("station-topics.csv", TOPIC_COLUMNS, topics.iterator(chunk_size=500))


class AgendaInline(ReadOnlyInline):
    model = Topic
    fk_name = "session"
    fields = ("title", "status", "resolution", "explanation")
    verbose_name_plural = _("agenda")
    show_change_link = True


@admin.register(Session)
class SessionAdmin(Refuses, ShowOnlyAdmin, StationScopedAdmin):
    refuse = ("delete",)
    list_display = ("title", "station", "starts_at", "place", "status", "agenda_size")
    list_filter = ("status", "station")
    list_select_related = ("station",)
    search_fields = ("title", "place", "station__name")
    date_hierarchy = "starts_at"
    show_full_result_count = False
    inlines = (AgendaInline,)
    change_form_template = "admin/deliberation/session/change_form.html"
    fields = (
        "station",
        "event_link",
        "title",
        "place",
        "starts_at",
        "ends_at",
        "parties_label",
        "status",
        "minutes",
        "minutes_at",
    )

    actions = ("cancel_selected",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(agenda_count=Count("agenda"))

    @admin.action(description=_("Cancel the selected session"), permissions=["change"])
    def cancel_selected(self, request, queryset):
        """Cancelling needs a reason: one session at a time, on its cancel page."""
        ids = list(queryset.values_list("pk", flat=True)[:2])
        if len(ids) != 1:
            self.message_user(request, gettext("Choose one session to cancel."), messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:deliberation_session_cancel", args=[ids[0]]))

    def cancel_view(self, request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise DjangoPermissionDenied
        session = get_object_or_404(self.get_queryset(request), pk=session_id)
        return _page(
            self,
            request,
            CancelForm(posted(request)),
            lambda data: actions.session_cancel(
                session_id=session.pk, acting_user=request.user, reason=data["reason"]
            ),
            done=gettext(
                "Session cancelled; its topics are back among the accepted ones and their people were told."
            ),
            next_url=_change_url(session),
            title=gettext("Cancel %(session)s") % {"session": session.title},
            back=session,
        )

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(description=_("parties invited"))
    def parties_label(self, obj: Session) -> str:
        return "、".join(obj.parties_display())

    @admin.display(description=_("registration and check-in"))
    def event_link(self, obj: Session) -> str:
        return format_html('<a href="{}">{}</a>', reverse("events:detail", args=[obj.event_id]), obj.event)

    @admin.display(description=_("topics on the agenda"), ordering="agenda_count")
    def agenda_size(self, obj: Session) -> int:
        return obj.agenda_count  # type: ignore[attr-defined]  # annotated by get_queryset

    def get_urls(self):
        return [
            path(
                "<int:session_id>/minutes/",
                self.admin_site.admin_view(self.minutes_view),
                name="deliberation_session_minutes",
            ),
            path(
                "<int:session_id>/agenda/",
                self.admin_site.admin_view(self.agenda_view),
                name="deliberation_session_agenda",
            ),
            path(
                "<int:session_id>/cancel/",
                self.admin_site.admin_view(self.cancel_view),
                name="deliberation_session_cancel",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """Scheduling is an action: it makes the session's Event and puts the topics on the agenda."""
        if not self.has_add_permission(request):
            raise DjangoPermissionDenied
        initial = {"station": request.GET.get("station")} if request.GET.get("station", "").isdigit() else {}

        def schedule(data):
            return actions.session_schedule(
                station=data["station"],
                title=data["title"],
                place=data["place"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                seat_limit=data["seat_limit"],
                parties=data["parties"],
                topic_ids=[topic.pk for topic in data["topics"]],
                acting_user=request.user,
            )

        return _page(
            self,
            request,
            ScheduleForm(posted(request), initial=initial, request=request),
            schedule,
            done=gettext(
                "Session scheduled; workers can register for it now, and the topics' people were told."
            ),
            next_url=_change_url,
            title=gettext("Schedule a session"),
        )

    def minutes_view(self, request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise DjangoPermissionDenied
        session = get_object_or_404(self.get_queryset(request), pk=session_id)
        return _page(
            self,
            request,
            MinutesForm(posted(request)),
            lambda data: actions.session_record_minutes(
                session_id=session.pk, minutes=data["minutes"], acting_user=request.user
            ),
            done=gettext("Minutes recorded. Now record the resolution of each topic on the agenda."),
            next_url=_change_url(session),
            title=gettext("Minutes of %(session)s") % {"session": session.title},
            back=session,
        )

    def agenda_view(self, request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise DjangoPermissionDenied
        session = get_object_or_404(self.get_queryset(request).select_related("station"), pk=session_id)
        return _page(
            self,
            request,
            AgendaForm(posted(request), session=session),
            lambda data: actions.session_agenda_add(
                session_id=session.pk,
                topic_ids=[topic.pk for topic in data["topics"]],
                acting_user=request.user,
            ),
            done=gettext("Topics added to the agenda; their people were told."),
            next_url=_change_url(session),
            title=gettext("Add topics to %(session)s") % {"session": session.title},
            back=session,
        )


class OverdueFilter(admin.SimpleListFilter):
    title = _("follow-up")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("open", _("In progress")), ("done", _("Done"))]

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(FollowUpAction)
class FollowUpActionAdmin(Refuses, ShowOnlyAdmin, StationScopedAdmin):
    refuse = ("delete",)
    station_path = "topic__station"
    list_display = ("what", "topic", "station", "owner_party", "due_on", "status_label")
    list_filter = (OverdueFilter, "owner_party", "topic__station")
    list_select_related = ("topic__station",)
    search_fields = ("what", "topic__title")
    show_full_result_count = False
    change_form_template = "admin/deliberation/followupaction/change_form.html"

    fields = ("topic", "owner_party", "what", "due_on", "status", "done_note", "done_at", "overdue_at")

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(description=_("station"), ordering="topic__station__name")
    def station(self, obj: FollowUpAction) -> str:
        return obj.topic.station.name

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj: FollowUpAction) -> str:
        return _badge(obj)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise DjangoPermissionDenied
        initial = {"topic": request.GET["topic"]} if request.GET.get("topic", "").isdigit() else {}
        return _page(
            self,
            request,
            FollowUpAddForm(posted(request), initial=initial, request=request),
            lambda data: actions.followup_add(
                topic_id=data["topic"].pk,
                owner_party=data["owner_party"],
                what=data["what"],
                due_on=data["due_on"],
                acting_user=request.user,
            ),
            done=gettext("Follow-up action added."),
            next_url=_change_url,
            title=gettext("Add a follow-up action"),
        )

    def get_urls(self):
        return [
            path(
                "<int:action_id>/done/",
                self.admin_site.admin_view(self.done_view),
                name="deliberation_followupaction_done",
            ),
            *super().get_urls(),
        ]

    def done_view(self, request: AuthenticatedHttpRequest, action_id: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise DjangoPermissionDenied
        action = get_object_or_404(self.get_queryset(request).select_related("topic"), pk=action_id)
        return _page(
            self,
            request,
            DoneForm(posted(request)),
            lambda data: actions.followup_done(
                action_id=action.pk, note=data["note"], acting_user=request.user
            ),
            done=gettext("Follow-up action marked done."),
            next_url=_change_url(action),
            title=gettext("Mark done: %(what)s") % {"what": action.what},
            back=action,
        )

"""Staff work in admin: verify help, post and confirm help requests, route and answer opinions.

Statuses are never form fields: every change goes through voice.actions (the decisions of its
transition tables as buttons under each change page, and the routing page of an opinion).
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.typing import AuthenticatedHttpRequest
from core.admin_decisions import DecisionAdmin
from core.admin_tools import CappedCountPaginator, Refuses, ShowOnlyAdmin, action_page
from stations.models import Station
from voice import actions, selectors
from voice.models import HelpDeed, HelpRequest, Opinion


@admin.register(HelpDeed)
class HelpDeedAdmin(Refuses, DecisionAdmin, ShowOnlyAdmin, admin.ModelAdmin):
    refuse = ("add", "delete")
    transitions = actions.DEED_TRANSITIONS
    decisions = {
        "verify": lambda pk, user, note: actions.deed_verify(deed_id=pk, acting_user=user, note=note),
        "reject": lambda pk, user, reason: actions.deed_reject(deed_id=pk, acting_user=user, reason=reason),
    }
    decision_page = True
    change_form_template = "admin/core/decision_change_form.html"
    list_display = ("number", "kind", "worker", "status", "created_at")
    list_filter = ("status", "kind")
    list_select_related = ("worker",)
    search_fields = ("=id", "note", "address")
    show_full_result_count = False
    paginator = CappedCountPaginator
    fields = readonly_fields = (
        "worker",
        "kind",
        "note",
        "photo_link",
        "address",
        "lat",
        "lng",
        "status",
        "reject_reason",
        "created_at",
        "decided_at",
        "decided_by",
    )

    def get_queryset(self, request):
        return selectors.verification_queue()

    @admin.display(description=_("No."), ordering="id")
    def number(self, obj: HelpDeed) -> str:
        return f"#{obj.pk}"

    @admin.display(description=_("photo"))
    def photo_link(self, obj: HelpDeed) -> str:
        if not obj.photo:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("voice:deed_photo", args=[obj.pk]), gettext("Photo")
        )


class HelpRequestAddForm(forms.ModelForm):
    """Posting a request: where, when, what, and the person's details (encrypted by the action)."""

    recipient_name = forms.CharField(label=_("name of the person to help"), max_length=50)
    recipient_address = forms.CharField(label=_("their address"), max_length=200)
    recipient_phone = forms.CharField(label=_("their phone (optional)"), max_length=20, required=False)
    recipient_notes = forms.CharField(
        label=_("notes for the grid member (optional)"), max_length=300, required=False, widget=forms.Textarea
    )

    class Meta:
        model = HelpRequest
        fields = ("grid", "what", "starts_at", "ends_at")


@admin.register(HelpRequest)
class HelpRequestAdmin(Refuses, DecisionAdmin, ShowOnlyAdmin, admin.ModelAdmin):
    refuse = ("delete",)
    transitions = actions.REQUEST_TRANSITIONS
    decisions = {
        "confirm": lambda pk, user, note: actions.request_confirm(request_id=pk, acting_user=user, note=note),
        "cancel": lambda pk, user, reason: actions.request_cancel(
            request_id=pk, acting_user=user, reason=reason
        ),
    }
    decision_page = True
    change_form_template = "admin/core/decision_change_form.html"
    list_display = ("number", "what", "grid", "starts_at", "ends_at", "status", "taken_by")
    list_filter = ("status", "grid")
    list_select_related = ("grid", "taken_by")
    search_fields = ("=id", "what")
    show_full_result_count = False
    paginator = CappedCountPaginator
    readonly_fields = (
        "grid",
        "what",
        "starts_at",
        "ends_at",
        "posted_by",
        "status",
        "taken_by",
        "taken_at",
        "done_at",
        "done_note",
        "confirmed_at",
        "cancel_reason",
        "recipient_details",
    )

    def get_queryset(self, request):
        return selectors.request_queue()

    @admin.display(description=_("No."), ordering="id")
    def number(self, obj: HelpRequest) -> str:
        return f"#{obj.pk}"

    @admin.display(description=_("person to be helped"))
    def recipient_details(self, obj: HelpRequest) -> str:
        # Only the grid member who took the request reads them (voice.selectors.recipient_visible_to).
        if not obj.is_live:
            return gettext("Erased when the help request ended.")
        return gettext("Hidden: only the grid member who takes the request sees these details.")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = HelpRequestAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):
        if obj is None:
            return (
                *HelpRequestAddForm.Meta.fields,
                "recipient_name",
                "recipient_address",
                "recipient_phone",
                "recipient_notes",
            )
        return self.readonly_fields

    def save_by_action(self, request, obj, form, formsets, change):
        if change:  # every field of a request is read-only here; steps are the decisions
            return obj
        data = form.cleaned_data
        return actions.request_post(
            acting_user=request.user,
            grid=data["grid"],
            what=data["what"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            recipient=actions.RecipientDetails(
                name=data["recipient_name"],
                address=data["recipient_address"],
                phone=data["recipient_phone"],
                notes=data["recipient_notes"],
            ),
        )


class RouteForm(forms.Form):
    DEPARTMENT, STATION = "department", "station"

    summary = forms.CharField(label=_("summary"), max_length=300, required=False)
    tags = forms.CharField(label=_("tags (comma separated)"), max_length=200, required=False)
    route_to = forms.ChoiceField(
        label=_("pass on to"),
        choices=[(DEPARTMENT, _("a department")), (STATION, _("a station's deliberation, as a topic"))],
        initial=DEPARTMENT,
        widget=forms.RadioSelect,
        required=False,  # left out: a department, as before there was a choice
    )
    department = forms.CharField(label=_("department"), max_length=80, required=False)
    station = forms.ModelChoiceField(
        label=_("station"),
        # Open stations only; one closed meanwhile is refused by the action (deliberation's message).
        queryset=Station.objects.filter(is_active=True).order_by("name"),
        required=False,
        error_messages={
            "invalid_choice": _("This station is closed or no longer exists; please choose another.")
        },
    )

    def destination(self) -> dict:
        """What the action is given: only the chosen destination, whatever else was typed."""
        data = self.cleaned_data
        if data["route_to"] == self.STATION:
            station = data["station"]
            # No station chosen: the action's own message (STATION_REQUIRED) on the field.
            return {"station_id": station.pk if station else 0}
        return {"department": data["department"]}


@admin.register(Opinion)
class OpinionAdmin(Refuses, DecisionAdmin, ShowOnlyAdmin, admin.ModelAdmin):
    refuse = ("add", "delete")
    transitions = actions.OPINION_TRANSITIONS
    decisions = {
        "answer": lambda pk, user, text: actions.opinion_answer(opinion_id=pk, acting_user=user, answer=text),
        "adopt": lambda pk, user, text: actions.opinion_answer(
            opinion_id=pk, acting_user=user, answer=text, adopted=True
        ),
        "close": lambda pk, user, reason: actions.opinion_close(
            opinion_id=pk, acting_user=user, reason=reason
        ),
    }
    decision_page = True
    reason_label = _("Answer or reason (the grid member reads it)")
    change_form_template = "admin/voice/opinion/change_form.html"
    list_display = ("number", "short_text", "topic", "worker", "status", "destination", "created_at")
    list_filter = ("status", "topic")
    list_select_related = ("worker", "station")
    search_fields = ("=id", "text", "summary", "tags")
    show_full_result_count = False
    paginator = CappedCountPaginator
    fields = readonly_fields = (
        "worker",
        "recording",
        "text",
        "topic",
        "address",
        "lat",
        "lng",
        "status",
        "summary",
        "tags",
        "department",
        "routed_topic",
        "answer",
        "created_at",
        "answered_at",
    )

    def get_queryset(self, request):
        return selectors.opinion_queue()

    @admin.display(description=_("No."), ordering="id")
    def number(self, obj: Opinion) -> str:
        return f"#{obj.pk}"

    @admin.display(description=_("recording"))
    def recording(self, obj: Opinion) -> str:
        if obj.audio:
            return format_html(
                '<audio controls preload="none" src="{}"></audio> {}',
                reverse("voice:opinion_audio", args=[obj.pk]),
                gettext("%(seconds)s s") % {"seconds": obj.audio_seconds},
            )
        if obj.audio_deleted_at:
            return gettext("Deleted after the retention period.")
        return "—"

    @admin.display(description=_("routed to (station deliberation)"))
    def routed_topic(self, obj: Opinion) -> str:
        if obj.station is None:
            return "—"
        return format_html(
            '{} · <a href="{}">{}</a>',
            obj.station.name,
            obj.station_topic_url,
            gettext("topic #%(id)s") % {"id": obj.station_topic_id},
        )

    @admin.display(description=_("passed on to"))
    def destination(self, obj: Opinion) -> str:
        return obj.station.name if obj.station is not None else obj.department

    @admin.display(description=_("what people say"))
    def short_text(self, obj: Opinion) -> str:
        return obj.text[:40]

    def get_urls(self):
        return [
            path("counts/", self.admin_site.admin_view(self.counts_view), name="voice_counts"),
            path(
                "<int:opinion_id>/route/",
                self.admin_site.admin_view(self.route_view),
                name="voice_opinion_route",
            ),
            *super().get_urls(),
        ]

    def counts_view(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        """What waits for staff and what was done this month, with links to each list."""
        if not any(
            request.user.has_perm(f"voice.view_{name}") for name in ("helpdeed", "helprequest", "opinion")
        ):
            raise DjangoPermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Help and voice: counts"),
            "opts": self.model._meta,
            "counts": selectors.staff_counts(),
        }
        return TemplateResponse(request, "admin/voice/counts.html", context)

    def route_view(self, request: AuthenticatedHttpRequest, opinion_id: int) -> HttpResponse:
        opinion = get_object_or_404(selectors.opinion_queue(), pk=opinion_id)
        if not request.user.has_perm(actions.CHANGE_OPINION):
            raise DjangoPermissionDenied
        form = RouteForm(request.POST or None)
        return action_page(
            self,
            request,
            form,
            lambda data: actions.opinion_route(
                opinion_id=opinion.pk,
                acting_user=request.user,
                summary=data["summary"],
                tags=data["tags"],
                **form.destination(),
            ),
            done=gettext("Opinion #%(id)s passed on.") % {"id": opinion.pk},
            next_url=reverse("admin:voice_opinion_change", args=[opinion.pk]),
            title=gettext("Pass on opinion #%(id)s") % {"id": opinion.pk},
            template="admin/voice/opinion/route.html",
            opinion=opinion,
        )

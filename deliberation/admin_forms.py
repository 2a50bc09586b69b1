"""The forms of deliberation's staff pages in admin (deliberation/admin.py): they parse what staff
type; every rule is the action's (deliberation/actions.py), which the pages call."""

from typing import cast

from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AdminSplitDateTime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deliberation.models import Party, Session, Topic
from stations.admin_scope import scoped_to
from stations.models import Station
from stations.selectors import stations_run_by


def _stations_of(request):
    return stations_run_by(request.user).filter(is_active=True)


class DecisionForm(forms.Form):
    DECISIONS = [
        ("accept", _("Accept for a session")),
        ("close", _("Answer and close (no session)")),
        ("resolution", _("Record the session's resolution (and a follow-up action)")),
        ("resolved", _("Conclude: resolved")),
        ("unresolved", _("Conclude: not resolved")),
    ]
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("Note, answer, resolution or public explanation (workers read it)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    owner_party = forms.ChoiceField(
        label=_("Follow-up action: owner"), choices=[("", "—"), *Party.choices], required=False
    )
    what = forms.CharField(label=_("Follow-up action: what"), max_length=200, required=False)
    due_on = forms.DateField(label=_("Follow-up action: due"), required=False, widget=AdminDateWidget)

    def clean(self):
        cleaned = super().clean()
        parts = [cleaned.get("owner_party"), cleaned.get("what"), cleaned.get("due_on")]
        if any(parts) and not all(parts):
            raise forms.ValidationError(
                gettext("A follow-up action needs its owner, what will be done and the due date.")
            )
        return cleaned


class ScheduleForm(forms.Form):
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.filter(is_active=True))
    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        required=False,
        help_text=_("Leave empty for “<station> deliberation session”."),
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    starts_at = forms.SplitDateTimeField(label=_("Starts at"), widget=AdminSplitDateTime)
    ends_at = forms.SplitDateTimeField(label=_("Ends at"), widget=AdminSplitDateTime)
    seat_limit = forms.IntegerField(label=_("Seats"), min_value=1, max_value=500, initial=30)
    parties = forms.MultipleChoiceField(
        label=_("Parties invited"), choices=Party.choices, widget=forms.CheckboxSelectMultiple
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Agenda (accepted topics of the station)"),
        help_text=_("Only accepted topics not yet on an agenda are listed: accept topics first."),
        queryset=Topic.objects.filter(status=Topic.Status.ACCEPTED).select_related("station"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, request, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        station = cast(forms.ModelChoiceField, self.fields["station"])
        topics = cast(forms.ModelMultipleChoiceField, self.fields["topics"])
        station.queryset = _stations_of(request)
        topics.queryset = scoped_to(topics.queryset, user=request.user)
        topics.label_from_instance = lambda topic: f"{topic.station.name} · {topic.title}"  # type: ignore[assignment]  # a per-form label for the field


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the topics' people and everyone registered read it)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), max_length=10000, widget=forms.Textarea(attrs={"rows": 10}))


class AgendaForm(forms.Form):
    topics = forms.ModelMultipleChoiceField(
        label=_("Accepted topics to add to the agenda"),
        queryset=Topic.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, session: Session, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["topics"]).queryset = Topic.objects.filter(
            station=session.station, status=Topic.Status.ACCEPTED
        )


class FollowUpAddForm(forms.Form):
    topic = forms.ModelChoiceField(
        label=_("Topic"),
        queryset=Topic.objects.filter(resolution_at__isnull=False).select_related("station"),
    )
    owner_party = forms.ChoiceField(label=_("Owner"), choices=Party.choices)
    what = forms.CharField(label=_("What will be done"), max_length=200)
    due_on = forms.DateField(label=_("Due"), widget=AdminDateWidget)

    def __init__(self, *args, request, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        topic_field = cast(forms.ModelChoiceField, self.fields["topic"])
        topic_field.queryset = scoped_to(topic_field.queryset, user=request.user)
        topic_field.label_from_instance = lambda topic: f"{topic.station.name} · {topic.title}"  # type: ignore[assignment]  # a per-form label for the field


class DoneForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

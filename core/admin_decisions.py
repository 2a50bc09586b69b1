"""One admin decision mixin, built from a model's transition table (core.transitions).

The change page of a status model offers the decisions the staff member may take on the row as it
is now (its status, their permissions, who may touch it), with a reason field, and sends the chosen
one to the app's action. The admin never saves the model: a refused decision (the action's
ApplicationError) shows the form again as typed, with the action's message on the reason field or
above the form, and has changed nothing (see core.admin_tools.ActionAdmin).
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy

from core.admin_tools import ActionAdmin
from core.exceptions import ApplicationError
from core.transitions import TransitionTable

NO_CHANGE = gettext_lazy("— no change —")
NOT_NOW = gettext_lazy("This decision is not possible now; the page shows the ones that are.")
DECISION_LABEL = gettext_lazy("Decision")
REASON_LABEL = gettext_lazy("Reason (the person concerned reads it)")
DECIDED = gettext_lazy("Done: %(decision)s.")

# The app's action for one decision: (row id, acting staff member, the reason typed) → the saved row.
Decide = Callable[[int, Any, str], Any]


class DecisionAdmin(ActionAdmin):
    """Configure with the table and the action of each decision the change page offers:

        transitions = actions.TRANSITIONS
        decisions = {"resolve": lambda pk, user, reason: actions.request_resolve(...), ...}

    `decision_field` / `reason_field` name the two form fields (kept when an app's pages and tests
    already use other names); when the admin's fieldsets do not place them, a "Decision" fieldset
    is added at the end of the change page.

    `decision_page = True`: for admins whose change page only shows (the staff member holds a
    decision permission, not the model's change permission): the decisions are buttons under the
    page, posted to "<id>/decision/"; a refusal comes back as the page's error message with the
    reason still typed. The app's change_form template extends "admin/core/decision_change_form.html".
    """

    transitions: TransitionTable
    decisions: dict[str, Decide] = {}
    # From the ModelAdmin this mixin is combined with.
    has_change_permission: Callable[..., bool]
    has_view_permission: Callable[..., bool]
    get_object: Callable[..., Any]
    message_user: Callable[..., None]
    admin_site: Any
    opts: Any
    decision_field = "decision"
    decision_label: Any = DECISION_LABEL
    reason_field = "reason"
    reason_label: Any = REASON_LABEL
    reason_help: Any = ""
    decision_page = False

    # --- what is offered -----------------------------------------------------------------

    def decision_choices(self, request, obj) -> list[tuple[str, Any]]:
        # A page the staff member may only view shows no form at all (Django's own rule).
        if obj is None or (not self.decision_page and not self.has_change_permission(request, obj)):
            return []
        offered = self.transitions.offered(obj, request.user, names=self.decisions)
        return [(move.name, move.label or move.name) for move in offered]

    def get_form(self, request, obj=None, change=False, **kwargs):
        choices = [] if self.decision_page else self.decision_choices(request, obj)
        base = kwargs.pop("form", self.form)
        attrs: dict[str, Any] = {}
        if choices:
            attrs[self.decision_field] = forms.ChoiceField(
                label=self.decision_label, choices=[("", NO_CHANGE), *choices], required=False
            )
            attrs[self.reason_field] = forms.CharField(
                label=self.reason_label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=self.reason_help,
            )
        form = type(base.__name__, (base,), attrs) if attrs else base
        return super().get_form(request, obj, change, form=form, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        ours = (self.decision_field, self.reason_field)
        if self.decision_page or not self.decision_choices(request, obj):
            # Nothing to decide (a final status, no permission): the page only shows.
            return [
                (title, {**options, "fields": _without(options.get("fields", ()), ours)})
                for title, options in fieldsets
            ]
        placed = {name for _title, options in fieldsets for name in _flat(options.get("fields", ()))}
        if self.decision_field not in placed:
            fieldsets.append((DECISION_LABEL, {"fields": ours}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        # The decision and its reason are the only things typed on the page.
        return [
            name
            for name in super().get_readonly_fields(request, obj)
            if name not in (self.decision_field, self.reason_field)
        ]

    # --- what is done ----------------------------------------------------------------------

    def save_by_action(self, request, obj, form, formsets, change):
        decision = form.cleaned_data.get(self.decision_field) or ""
        if decision:
            self.decisions[decision](obj.pk, request.user, form.cleaned_data.get(self.reason_field) or "")
            label = dict(self.decision_choices(request, obj)).get(decision, decision)
            self.message_user(request, str(DECIDED) % {"decision": label}, messages.SUCCESS)
        self.save_more(request, obj, form)
        return obj

    def save_more(self, request, obj, form) -> None:
        """What else the change page saves through an action after the decision (an internal note)."""

    # --- decision_page: buttons under a page that only shows ------------------------------

    def _draft_key(self, object_id) -> str:
        return f"decision-draft:{self.opts.label_lower}:{object_id}"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if self.decision_page and request.method != "POST":
            obj = self.get_object(request, unquote(object_id))
            choices = self.decision_choices(request, obj)
            if choices:
                extra_context = {
                    **(extra_context or {}),
                    "decision_panel": {
                        "choices": [
                            (name, label, self.transitions.by_name[name].reason_required)
                            for name, label in choices
                        ],
                        "url": reverse(
                            f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_decision",
                            args=[object_id],
                        ),
                        "reason_label": self.reason_label,
                        "reason_help": self.reason_help,
                        # What was typed before a refusal, shown again once.
                        "reason": request.session.pop(self._draft_key(object_id), ""),
                    },
                }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        urls = super().get_urls()
        if not self.decision_page:
            return urls
        name = f"{self.opts.app_label}_{self.opts.model_name}_decision"
        view = self.admin_site.admin_view(self.decision_view)
        return [path("<path:object_id>/decision/", view, name=name), *urls]

    def decision_view(self, request, object_id):
        back = reverse(
            f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_change", args=[object_id]
        )
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404
        if request.method != "POST":
            return HttpResponseRedirect(back)
        decision, reason = request.POST.get("decision", ""), request.POST.get("reason", "")
        label = dict(self.decision_choices(request, obj)).get(decision)
        try:
            if label is None:
                raise ApplicationError(str(NOT_NOW))
            self.decisions[decision](obj.pk, request.user, reason)
        except ApplicationError as error:
            request.session[self._draft_key(object_id)] = reason
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, str(DECIDED) % {"decision": label}, messages.SUCCESS)
        return HttpResponseRedirect(back)


def _flat(fields) -> list[str]:
    names: list[str] = []
    for item in fields:
        names.extend(item if isinstance(item, (list, tuple)) else [item])
    return names


def _without(fields, names) -> tuple:
    kept = []
    for item in fields:
        if isinstance(item, (list, tuple)):
            rest = tuple(name for name in item if name not in names)
            if rest:
                kept.append(rest)
        elif item not in names:
            kept.append(item)
    return tuple(kept)

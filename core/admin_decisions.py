"""One admin decision mixin, built from a model's transition table (core.transitions).

The change page of a status model offers the decisions the staff member may take on the row as it
is now (its status, their permissions, who may touch it), with a reason field, and sends the chosen
one to the app's action. The admin never saves the model: a refused decision (the action's
ApplicationError) shows the form again as typed, with the action's message on the reason field or
above the form, and has changed nothing (see core.admin_tools.ActionAdmin).
"""

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy, ngettext_lazy

from core.admin_tools import ActionAdmin, selected_ids
from core.exceptions import ApplicationError
from core.transitions import TransitionTable

NO_CHANGE = gettext_lazy("— no change —")
NOT_NOW = gettext_lazy("This decision is not possible now; the page shows the ones that are.")
DECISION_LABEL = gettext_lazy("Decision")
REASON_LABEL = gettext_lazy("Reason (the person concerned reads it)")
DECIDED = gettext_lazy("Done: %(decision)s.")
BULK_TITLE = gettext_lazy("Decide on applications")
BULK_DONE = ngettext_lazy("%(count)d application decided.", "%(count)d applications decided.", "count")

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

    `bulk_decisions`: the decisions the change list offers for many rows at once, on one page
    ("decide/?ids=…", reached by the admin action `bulk_decide_action(...)`): a decision and one
    reason for all, each row decided by its own action, refusals reported per row.
    `bulk_decision(name, ...)` makes an admin action that takes one decision, with no reason, on
    every selected row at once (accept the selected topics).
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
    bulk_decisions: tuple[str, ...] = ()
    bulk_template = ""
    bulk_title: Any = BULK_TITLE
    bulk_done: Any = BULK_DONE
    bulk_select_related: tuple[str, ...] = ()

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
            attrs[self.decision_field] = DecisionField(
                label=self.decision_label,
                choices=[("", NO_CHANGE), *choices],
                required=False,
                known=self.decisions,
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
        prefix, wrap = f"{self.opts.app_label}_{self.opts.model_name}", self.admin_site.admin_view
        if self.bulk_decisions:
            urls = [path("decide/", wrap(self.bulk_decide_view), name=f"{prefix}_decide"), *urls]
        if self.decision_page:
            urls = [
                path("<path:object_id>/decision/", wrap(self.decision_view), name=f"{prefix}_decision"),
                *urls,
            ]
        return urls

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
                # The two-person rule says why in its own words; anything else is "not now".
                raise ApplicationError(
                    self.transitions.rule_refusal(obj, request.user, decision) or str(NOT_NOW)
                )
            self.decisions[decision](obj.pk, request.user, reason)
        except ApplicationError as error:
            request.session[self._draft_key(object_id)] = reason
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, str(DECIDED) % {"decision": label}, messages.SUCCESS)
        return HttpResponseRedirect(back)

    # --- bulk: one decision for many rows ------------------------------------------------------

    def bulk_choices(self, user) -> list[tuple[str, Any]]:
        """The bulk decisions `user` holds the permission for (each row's own status is checked by its action)."""
        moves = [self.transitions.by_name[name] for name in self.bulk_decisions]
        return [(move.name, move.label or move.name) for move in moves if move.permitted(user)]

    def has_decide_permission(self, request) -> bool:
        return bool(self.bulk_choices(request.user))

    def bulk_context(self, objects: list) -> dict[str, Any]:
        """What else the bulk page shows while deciding (the budget, the seats left)."""
        return {}

    def bulk_decide_view(self, request):
        choices = self.bulk_choices(request.user)
        if not choices:
            raise PermissionDenied
        objects = list(
            self.get_queryset(request)
            .filter(pk__in=selected_ids(request))
            .select_related(*self.bulk_select_related)
            .order_by("pk")
        )
        posted = request.POST if request.method == "POST" else None
        form = BulkDecisionForm(
            posted, choices=choices, table=self.transitions, reason_label=self.reason_label
        )
        if posted is not None and form.is_valid():
            decide = self.decisions[form.cleaned_data["decision"]]
            decide_each(
                self,
                request,
                [obj.pk for obj in objects],
                decide,
                form.cleaned_data["reason"],
                self.bulk_done,
            )
            if len(objects) == 1:
                return redirect(
                    f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_change",
                    objects[0].pk,
                )
            return redirect(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": self.bulk_title,
            "form": form,
            "objects": objects,
            "ids": ",".join(str(obj.pk) for obj in objects),
            **self.bulk_context(objects),
        }
        return TemplateResponse(request, self.bulk_template, context)


class DecisionField(forms.ChoiceField):
    """Lists the decisions allowed now and to this person. One posted from a page drawn before the
    row changed (a colleague took it on) goes to its action, which refuses it in its own words and
    changes nothing; the form comes back with everything typed (core.admin_tools.ActionAdmin)."""

    def __init__(self, *, known: Iterable[str], **kwargs) -> None:
        self.known = set(known)
        super().__init__(**kwargs)

    def valid_value(self, value) -> bool:
        return value in self.known or super().valid_value(value)


class BulkDecisionForm(forms.Form):
    """One decision and one reason for the rows of a bulk page; a decision that needs a reason
    (its transition says so) is refused here before any row is touched."""

    decision = forms.ChoiceField(label=DECISION_LABEL, widget=forms.RadioSelect)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)

    def __init__(self, *args, choices, table: TransitionTable, reason_label, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.table = table
        self.fields["decision"].choices = choices  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["reason"].label = reason_label

    def clean(self):
        cleaned = super().clean()
        move = self.table.by_name.get(cleaned.get("decision") or "")
        if move is not None and move.reason_required and not cleaned.get("reason", "").strip():
            self.add_error("reason", str(move.reason_message or self.table.reason_message))
        return cleaned


def decide_each(
    model_admin, request, ids: Iterable[int], decide: Decide, reason: str, done_message, row=None
) -> int:
    """Run one decision per row through its action; refusals are reported per row, the others go on."""
    done = 0
    for pk in ids:
        try:
            decide(pk, request.user, reason)
        except ApplicationError as error:
            label = row(pk) if row is not None else f"#{pk}"
            model_admin.message_user(request, f"{label}: {error.message}", messages.ERROR)
        else:
            done += 1
    if done:
        model_admin.message_user(request, str(done_message % {"count": done}), messages.SUCCESS)
    return done


def bulk_decide_action(description):
    """The change list's action leading to the bulk page of a DecisionAdmin (its `bulk_decisions`)."""

    @admin.action(description=description, permissions=["decide"])
    def decide_selected(model_admin, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        opts = model_admin.opts
        return redirect(
            f"{reverse(f'{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_decide')}?ids={ids}"
        )

    return decide_selected


def bulk_decision(
    decision: str | Decide,
    description,
    *,
    done,
    row: Callable[[int], str] | None = None,
    permissions=("change",),
):
    """An admin action taking one decision, with no reason, on every selected row: `decision` names
    one of the admin's `decisions`, or is the action itself (pk, user, reason) for an admin without
    a transition table. `done` is the message for how many were done (formatted with "count")."""

    @admin.action(description=description, permissions=list(permissions))
    def run(model_admin, request, queryset):
        decide = model_admin.decisions[decision] if isinstance(decision, str) else decision
        ids = queryset.order_by("pk").values_list("pk", flat=True)
        decide_each(model_admin, request, ids, decide, "", done, row)

    return run


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

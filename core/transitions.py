"""The one transition mechanism of every status model.

Each status app declares, once, which status may move to which (`Transition`), who may move it (a
permission codename, an object-level check such as "runs this station", a rule such as "the approver
is not the checker"), whether a reason is required, and how its history row is built
(`TransitionTable`). `transition_apply` is then the only code path that changes a status:

    permission → reason → row lock (SELECT … FOR UPDATE) → who may touch this row → current status
    → rule → the caller's own step (seats, budget, …) → save → one history row → one audit row

Each step refuses with an ApplicationError whose message the person reads; nothing is written
before the last step passes, and the caller's transaction (an action is `atomic(durable=True)`)
rolls back whatever its own step did. The caller tells people (the outbox) after it returns, in the
same transaction.

Why no state-machine library: django-fsm (the best known) is archived and its successor
(django-fsm-2) keeps the transition on model methods with `save()` left to the caller and no row
lock; viewflow's FSM is larger than the problem. The table below is ~200 lines, typed, and says
exactly what the actions need (lock, re-check under the lock, history, audit) in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.utils.translation import gettext_lazy

from core import audit
from core.exceptions import ApplicationError, TransitionNotAllowed
from core.permissions import require_permission

WRONG_STATUS = gettext_lazy("This is “%(status)s” now: it cannot be %(action)s.")
UNKNOWN_TRANSITION = gettext_lazy("“%(status)s” cannot be reached this way.")
REASON_REQUIRED = gettext_lazy("Please give a reason.")

# A check on the locked row: raises an ApplicationError (PermissionDenied, TransitionNotAllowed …) to refuse.
RowCheck = Callable[[Any, Any], None]


# What `offered` passes a move's rule for the reason (a rule may need one, e.g. to close a request).
REASON_TO_BE_TYPED = "…"


@dataclass(frozen=True)
class Transition:
    """One allowed move: from any of `sources` to `target`, under the name `name`.

    `name` is the decision's name (the audit action is "<table.audit_prefix>.<name>" unless `audit`
    says otherwise; the admin offers it under that name). `action` is the past participle used in
    messages ("admitted"); `label` is what a staff member clicks ("Admit").
    """

    name: str
    sources: frozenset[str]
    target: str
    action: Any = ""
    label: Any = ""
    # Any one of these codenames lets a staff member make the move; () = not a staff decision (the
    # worker's own step, the university's write-back, a task): `allows` or the caller decides who.
    permission: tuple[str, ...] = ()
    permission_message: Any = None
    reason_required: bool = False
    reason_message: Any = None
    # Who may touch this very row (the worker who owns it, a lead of its station): right after the lock.
    allows: RowCheck | None = None
    # A rule of the move itself (the approver is not the checker): after the status check.
    rule: Callable[[Any, Any, str], None] | None = None
    role: str = ""
    audit: str = ""
    # False: the move follows from another write that has its own audit row (a payment sets
    # "disbursing"): its history row is written, no second audit row.
    audited: bool = True
    # The refusal when the row is in none of `sources`: a text with %(status)s / %(action)s, or a
    # function of the locked row giving the text (a different message per status).
    wrong_status: Any = None

    def permitted(self, user) -> bool:
        """Whether `user` holds the permission this move needs (True when it needs none)."""
        return not self.permission or any(user.has_perm(codename) for codename in self.permission)


def transition(name: str, sources: Iterable[str], target: str, **options: Any) -> Transition:
    return Transition(name=name, sources=frozenset(sources), target=target, **options)


@dataclass
class Change:
    """One status change being made: what the table's history builder and the caller's step see.

    A caller's `prepare` step may set `fields` (more columns saved with the status), `note` (the
    history row's text, when it is not the reason), `history` (more columns of the history row),
    `audit_note` and `audit_data`.
    """

    obj: Any
    transition: Transition
    from_status: str
    actor: Any
    reason: str
    note: str
    fields: dict[str, Any] = field(default_factory=dict)
    history: dict[str, Any] = field(default_factory=dict)
    audit_note: str = ""
    audit_data: dict[str, Any] = field(default_factory=dict)

    @property
    def to_status(self) -> str:
        return self.transition.target

    @property
    def actor_or_none(self):
        """The acting person as a foreign key value: nobody for the system or an API client."""
        return self.actor if getattr(self.actor, "pk", None) else None


@dataclass
class TransitionTable:
    """The allowed transitions of one model, and how one change is recorded."""

    model: type[models.Model]
    transitions: tuple[Transition, ...]
    # Builds and saves the one history row of a change (each app keeps its own history model).
    history: Callable[[Change], models.Model]
    audit_prefix: str
    wrong_status: Any = WRONG_STATUS
    reason_message: Any = REASON_REQUIRED
    reason_error: type[ApplicationError] = ApplicationError
    reason_field: str = "reason"
    permission_message: Any = None
    select_related: tuple[str, ...] = ()
    # Which rows the lock takes: ("self",) only the status row; None: the joined rows too.
    lock_of: tuple[str, ...] | None = ("self",)
    audit_data: Callable[[Any], dict[str, Any]] | None = None
    status_field: str = "status"
    # False: a table only used through its own .apply() (a test's), not the model's table.
    register: bool = True
    by_name: dict[str, Transition] = field(init=False)

    def __post_init__(self) -> None:
        self.by_name = {t.name: t for t in self.transitions}
        if len(self.by_name) != len(self.transitions):
            raise ValueError(f"{self.model.__name__}: two transitions share a name")
        if self.register:
            _TABLES[self.model] = self

    # --- what may happen ----------------------------------------------------------------

    def find(self, to_status: str, via: str | None = None) -> Transition:
        """The transition leading to `to_status` (named `via` when several lead there)."""
        if via is not None:
            found = self.by_name.get(via)
            if found is not None and found.target == to_status:
                return found
        else:
            leading = [t for t in self.transitions if t.target == to_status]
            if len(leading) == 1:
                return leading[0]
        raise TransitionNotAllowed(str(UNKNOWN_TRANSITION) % {"status": self._label(to_status)})

    def offered(self, obj, user, names: Iterable[str] | None = None) -> list[Transition]:
        """The moves `user` may try on `obj` as it is now: its status, their permission, who may
        touch it, and the move's rule (the approver is not the checker), so a page never offers a
        choice it would refuse (issue 19). The rule is asked with a reason standing for the one
        still to be typed; it and the caller's own checks decide again when the move is tried."""
        wanted = set(names) if names is not None else None
        status = getattr(obj, self.status_field)
        offered = []
        for move in self.transitions:
            if wanted is not None and move.name not in wanted:
                continue
            if status not in move.sources or not move.permitted(user):
                continue
            if move.allows is not None:
                try:
                    move.allows(obj, user)
                except (ApplicationError, ObjectDoesNotExist):
                    # Refused, or the row is not this person's to touch (a worker's own move).
                    continue
            if move.rule is not None:
                try:
                    move.rule(obj, user, REASON_TO_BE_TYPED)
                except (ApplicationError, ObjectDoesNotExist):
                    continue
            offered.append(move)
        return offered

    def rule_refusal(self, obj, user, name: str) -> str | None:
        """Why a move that passes every other check of `offered` is not offered: its rule's own
        message (the two-person rule), for a page that was posted a choice it no longer shows."""
        move = self.by_name.get(name)
        if move is None or move.rule is None or getattr(obj, self.status_field) not in move.sources:
            return None
        if not move.permitted(user):
            return None
        try:
            if move.allows is not None:
                move.allows(obj, user)
        except (ApplicationError, ObjectDoesNotExist):
            return None
        try:
            move.rule(obj, user, REASON_TO_BE_TYPED)
        except ApplicationError as error:
            return error.message
        except ObjectDoesNotExist:
            return None
        return None

    # --- the one code path ---------------------------------------------------------------

    def apply(
        self,
        obj_or_pk: models.Model | int,
        to_status: str,
        *,
        acting_user,
        reason: str = "",
        via: str | None = None,
        fields: dict[str, Any] | None = None,
        prepare: Callable[[Change], None] | None = None,
        note: str | None = None,
        history: dict[str, Any] | None = None,
        audit_note: str | None = None,
        audit_data: dict[str, Any] | None = None,
    ):
        """Move one row to `to_status`; returns the row as saved (read afresh under the lock).

        `obj_or_pk`: the row or its id; either way it is locked and read again here, so a decision
        made on what a page showed a minute ago is checked against the row as it is now.
        """
        move = self.find(to_status, via)
        if move.permission:
            require_permission(
                acting_user, *move.permission, message=move.permission_message or self.permission_message
            )
        reason = (reason or "").strip()
        if move.reason_required and not reason:
            raise self.reason_error(
                str(move.reason_message or self.reason_message), extra={"field": self.reason_field}
            )
        pk = obj_or_pk.pk if isinstance(obj_or_pk, models.Model) else obj_or_pk
        # A savepoint: a refusal under the lock leaves the caller's transaction usable, and
        # undoes whatever the caller's `prepare` step wrote.
        with transaction.atomic():
            obj = self._lock(pk)
            if move.allows is not None:
                move.allows(obj, acting_user)
            current = getattr(obj, self.status_field)
            if current not in move.sources:
                raise TransitionNotAllowed(self._wrong_status_message(obj, move))
            if move.rule is not None:
                move.rule(obj, acting_user, reason)
            change = Change(
                obj=obj,
                transition=move,
                from_status=current,
                actor=acting_user,
                reason=reason,
                note=reason if note is None else note,
                fields=dict(fields or {}),
                history=dict(history or {}),
                audit_note=reason if audit_note is None else audit_note,
                audit_data=dict(audit_data or {}),
            )
            if prepare is not None:
                prepare(change)
            self._save(obj, change)
            self.history(change)
            if move.audited:
                audit.record(
                    actor=acting_user,
                    action=move.audit or f"{self.audit_prefix}.{move.name}",
                    target=obj,
                    note=change.audit_note,
                    data={**(self.audit_data(obj) if self.audit_data else {}), **change.audit_data} or None,
                )
        return obj

    def _lock(self, pk):
        rows = self.model._default_manager.select_related(*self.select_related)
        if self.lock_of is None:
            return rows.select_for_update().get(pk=pk)
        return rows.select_for_update(of=self.lock_of).get(pk=pk)

    def _save(self, obj, change: Change) -> None:
        for name, value in change.fields.items():
            setattr(obj, name, value)
        setattr(obj, self.status_field, change.to_status)
        update = [self.status_field, *change.fields]
        if any(getattr(f, "auto_now", False) and f.name == "updated_at" for f in obj._meta.concrete_fields):
            update.append("updated_at")
        obj.save(update_fields=list(dict.fromkeys(update)))

    def _label(self, status: str) -> str:
        status_field = cast(models.Field, self.model._meta.get_field(self.status_field))
        choices = dict(status_field.flatchoices)
        return str(choices.get(status, status))

    def _wrong_status_message(self, obj, move: Transition) -> str:
        text = move.wrong_status if move.wrong_status is not None else self.wrong_status
        if callable(text):
            # One message per status the row is in (a voucher already collected says when).
            return str(text(obj))
        values = {
            "id": obj.pk,
            "status": self._label(getattr(obj, self.status_field)),
            "action": move.action,
            "verb": move.action,
        }
        return str(text) % values


def status_change_record(change: Change) -> models.Model:
    """The history builder of a model without a history table of its own: a core.StatusChange row."""
    from core.models import StatusChange

    return StatusChange.objects.create(
        target_type=change.obj._meta.label_lower,
        target_id=str(change.obj.pk),
        from_status=change.from_status,
        to_status=change.to_status,
        actor_id=getattr(change.actor_or_none, "pk", None),
        note=change.note,
    )


def status_changes(obj: models.Model):
    """The history of `obj` kept by status_change_record, oldest first."""
    from core.models import StatusChange

    return StatusChange.objects.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk))


_TABLES: dict[type[models.Model], TransitionTable] = {}


def table_for(model: type[models.Model]) -> TransitionTable:
    return _TABLES[model]


def tables() -> list[TransitionTable]:
    """Every model's table (each app's actions module declares its own at import)."""
    return list(_TABLES.values())


def transition_apply(
    obj_or_pk: models.Model | int,
    to_status: str,
    *,
    acting_user,
    reason: str = "",
    model: type[models.Model] | None = None,
    **options: Any,
):
    """Move a row of a status model to `to_status` through its model's table (see
    TransitionTable.apply). `model` is needed when only the id is given."""
    if model is None:
        if not isinstance(obj_or_pk, models.Model):
            raise TypeError("transition_apply: give the row, or its id with model=")
        model = type(obj_or_pk)
    return table_for(model).apply(obj_or_pk, to_status, acting_user=acting_user, reason=reason, **options)

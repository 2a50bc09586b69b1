"""Writes of the volunteering app: memberships, tasks, sign-ups, completion and points.

Every action is one transaction. Sign-ups lock the task row first, so the
number of volunteers never exceeds what the task needs; completion and
cancelling erase the elderly person's details in the same transaction.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core import audit
from core.exceptions import ApplicationError, PermissionDenied, TransitionNotAllowed
from core.transitions import Change, TransitionTable, status_change_record, transition
from notifications.actions import notify
from notifications.models import Message
from points.actions import points_add
from points.selectors import points_for
from stations.models import Station
from stations.selectors import can_run
from volunteering.messages import A_WORKER
from volunteering.models import Membership, Recipient, Signup, Task, Team
from volunteering.points_kinds import VOLUNTEER_TASK_DONE

ALREADY_MEMBER = _("You are already a member of this team.")
ALREADY_ASKED = _("You have already asked to join; the team lead will answer soon.")
TEAM_CLOSED = _("This team is not taking new members at the moment.")
NOT_PENDING = _("This request has already been answered.")
NOT_A_MEMBER = _("Only members of the team can do this. Ask to join the team first.")
LEAD_CANNOT_LEAVE = _("The team lead cannot leave the team. Ask the station staff to name a new lead first.")
LEAVE_WITH_TASKS = _("You are still signed up for a task of this team. Withdraw from it before leaving.")
TaskStatus = Task.Status
NOT_THE_LEAD = _("Only the team lead can do this.")
TASK_NOT_OPEN = _("This task is “%(status)s”, so nobody can sign up for it.")
TASK_FULL = _("Sorry, this task already has all the volunteers it needs.")
TASK_PAST = _("This task's day has passed; nobody can sign up for it any more.")
ALREADY_SIGNED_UP = _("You are already signed up for this task.")
NOT_SIGNED_UP = _("You are not signed up for this task.")
WITHDRAW_TOO_LATE = _("You can withdraw only before the day of the task. Please tell the team lead instead.")
TASK_NOT_LIVE = _("This task is “%(status)s” already, so it cannot be changed.")
CONFIRM_TOO_EARLY = _("Completion can be confirmed on the day of the task at the earliest.")
NOBODY_CHOSEN = _("Please tick at least one volunteer who did the task.")
NOT_A_VOLUNTEER = _("Only volunteers signed up for this task can be confirmed.")
REASON_REQUIRED = _("Please give the reason; the volunteers will see it.")
NAME_REQUIRED = _("Please enter the name of the elderly person.")
ADDRESS_REQUIRED = _("Please enter the address the delivery goes to.")
NEEDED_AT_LEAST_ONE = _("A task needs at least one volunteer.")
ENDS_BEFORE_START = _("The end time must be after the start time.")
NOT_YOUR_STATION = _("Only the staff of the team's station can do this.")
LEAD_REQUIRED = _("Please choose an active person as the team lead.")


def _inbox(user: User, *, kind: str, params: dict, link: str) -> None:
    notify(user=user, kind=kind, params=params, link=link, channels=[Message.Channel.INBOX])


def is_manager(*, team: Team, user: User) -> bool:
    """The team lead, or staff allowed to change tasks who run the team's station (the stations door)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if team.lead_id == user.pk:
        return True
    return user.is_staff and user.has_perm("volunteering.change_task") and can_run(user, team.station)


def may_run_team(*, team: Team, user: User) -> bool:
    """Staff who may change the team itself (its lead, its station): they run its station."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_staff and user.has_perm("volunteering.change_team") and can_run(user, team.station)


# --- Teams and memberships -----------------------------------------------------------


@transaction.atomic(durable=True)
def team_create(
    *,
    name: str,
    lead: User,
    acting_user: User | None,  # None: the demo data, set up by nobody
    description: str = "",
    station: Station | None = None,
    is_active: bool = True,
) -> Team:
    if (
        acting_user is not None
        and getattr(acting_user, "is_staff", False)
        and not can_run(acting_user, station)
    ):
        raise PermissionDenied(str(NOT_YOUR_STATION))
    team = Team.objects.create(
        name=name, lead=lead, description=description, station=station, is_active=is_active
    )
    membership_ensure_lead(team=team, acting_user=acting_user)
    audit.record(actor=acting_user, action="volunteering.team.create", target=team)
    return team


TEAM_FIELDS = ("name", "description", "station", "is_active")


@transaction.atomic(durable=True)
def team_update(*, team_id: int, values: dict, acting_user: User, lead: User | None = None) -> Team:
    """Rename, describe, move to another station or (de)activate a team: staff who run its station
    (and the new one); audited with each value before and after. With `lead`, a new lead in the
    same transaction (as team_lead_change), so a refused lead leaves the other changes unsaved."""
    team = Team.objects.select_for_update(of=("self",)).select_related("station").get(pk=team_id)
    if not may_run_team(team=team, user=acting_user):
        raise PermissionDenied(str(NOT_YOUR_STATION))
    before = {field: getattr(team, f"{field}_id" if field == "station" else field) for field in TEAM_FIELDS}
    for field in TEAM_FIELDS:
        if field in values:
            setattr(team, field, values[field])
    if team.station_id != before["station"] and not may_run_team(team=team, user=acting_user):
        raise PermissionDenied(str(NOT_YOUR_STATION))
    after = {field: getattr(team, f"{field}_id" if field == "station" else field) for field in TEAM_FIELDS}
    changed = {
        field: {"from": before[field], "to": after[field]}
        for field in TEAM_FIELDS
        if before[field] != after[field]
    }
    if changed:
        team.save(update_fields=list(changed))
        audit.record(
            actor=acting_user, action="volunteering.team.change", target=team, data={"changed": changed}
        )
    if lead is not None:
        team = _change_lead(team, lead=lead, acting_user=acting_user)
    return team


@transaction.atomic(durable=True)
def team_lead_change(*, team_id: int, lead: User, acting_user: User, reason: str = "") -> Team:
    """Name a new team lead: staff who run the team's station only; the old and the new lead are audited."""
    team = Team.objects.select_for_update(of=("self",)).select_related("station").get(pk=team_id)
    if not may_run_team(team=team, user=acting_user):
        raise PermissionDenied(str(NOT_YOUR_STATION))
    return _change_lead(team, lead=lead, acting_user=acting_user, reason=reason)


def _change_lead(team: Team, *, lead: User, acting_user: User, reason: str = "") -> Team:
    """The lead change itself, on a team its caller locked and checked, inside the caller's transaction."""
    if lead is None or not lead.is_active:
        raise ApplicationError(str(LEAD_REQUIRED))
    if team.lead_id == lead.pk:
        return team
    before = team.lead_id
    team.lead = lead
    team.save(update_fields=["lead"])
    membership_ensure_lead(team=team, acting_user=acting_user)
    audit.record(
        actor=acting_user,
        action="volunteering.team.lead_change",
        target=team,
        note=reason,
        data={"before": before, "after": lead.pk},
    )
    return team


def _manages_the_team(membership: Membership, acting_user: User) -> None:
    if not is_manager(team=membership.team, user=acting_user):
        raise PermissionDenied(str(NOT_THE_LEAD))


def _own_membership(membership: Membership, acting_user: User) -> None:
    if acting_user is None or membership.user_id != acting_user.pk:
        raise PermissionDenied(str(NOT_A_MEMBER))


def _may_leave(membership: Membership, user: User, _reason: str) -> None:
    team = membership.team
    if team.lead_id == user.pk:
        raise ApplicationError(str(LEAD_CANNOT_LEAVE))
    if Signup.objects.filter(
        task__team=team, volunteer=user, status=Signup.Status.SIGNED_UP, task__status__in=Task.LIVE_STATUSES
    ).exists():
        raise ApplicationError(str(LEAVE_WITH_TASKS))


MembershipStatus = Membership.Status
# A membership starts pending (membership_request creates it); its history: core.StatusChange rows.
MEMBERSHIP_TRANSITIONS = TransitionTable(
    model=Membership,
    audit_prefix="volunteering.membership",
    history=status_change_record,
    select_related=("team",),
    transitions=(
        transition(
            "accept",
            {MembershipStatus.PENDING},
            MembershipStatus.ACTIVE,
            action=_("accepted"),
            allows=_manages_the_team,
            wrong_status=NOT_PENDING,
        ),
        transition(
            "decline",
            {MembershipStatus.PENDING},
            MembershipStatus.DECLINED,
            action=_("declined"),
            allows=_manages_the_team,
            wrong_status=NOT_PENDING,
        ),
        # Asking again after leaving or being declined reuses the one row.
        transition(
            "request",
            {MembershipStatus.LEFT, MembershipStatus.DECLINED},
            MembershipStatus.PENDING,
            action=_("asked again"),
            allows=_own_membership,
        ),
        transition(
            "leave",
            {MembershipStatus.ACTIVE, MembershipStatus.PENDING},
            MembershipStatus.LEFT,
            action=_("left"),
            allows=_own_membership,
            rule=_may_leave,
            wrong_status=NOT_A_MEMBER,
        ),
        # The lead is always an active member: a step of a lead change, which has its own audit row.
        transition(
            "lead",
            {MembershipStatus.PENDING, MembershipStatus.DECLINED, MembershipStatus.LEFT},
            MembershipStatus.ACTIVE,
            action=_("made the lead"),
            audited=False,
        ),
    ),
)


# Not durable: a step of team_create and team_lead_change, inside their transaction.
@transaction.atomic
def membership_ensure_lead(*, team: Team, acting_user: User | None) -> Membership:
    """The lead is always an active member (called after a team is created or its lead changed)."""
    membership, _created = Membership.objects.get_or_create(team=team, user_id=team.lead_id)
    if membership.status != MembershipStatus.ACTIVE:
        membership = MEMBERSHIP_TRANSITIONS.apply(
            membership,
            MembershipStatus.ACTIVE,
            via="lead",
            acting_user=acting_user,
            fields={"decided_at": timezone.now(), "decided_by": acting_user, "left_at": None},
        )
    return membership


@transaction.atomic(durable=True)
def membership_request(*, team: Team, user: User) -> Membership:
    if not team.is_active:
        raise ApplicationError(str(TEAM_CLOSED))
    membership = Membership.objects.select_for_update().filter(team=team, user=user).first()
    if membership is None:
        try:
            with transaction.atomic():
                membership = Membership.objects.create(team=team, user=user)
        except IntegrityError as error:  # the same person asked twice at once
            raise ApplicationError(str(ALREADY_ASKED)) from error
        audit.record(actor=user, action="volunteering.membership.request", target=membership)
    elif membership.status == Membership.Status.ACTIVE:
        raise ApplicationError(str(ALREADY_MEMBER))
    elif membership.status == Membership.Status.PENDING:
        raise ApplicationError(str(ALREADY_ASKED))
    else:
        membership = MEMBERSHIP_TRANSITIONS.apply(
            membership,
            MembershipStatus.PENDING,
            acting_user=user,
            fields={"requested_at": timezone.now(), "decided_at": None, "decided_by": None, "left_at": None},
        )
    _inbox(
        team.lead,
        kind="volunteer_join_request",
        params={"team": team.name, "name": user.real_name or A_WORKER},
        link=reverse("volunteering:lead", args=[team.pk]),
    )
    return membership


def _decide(*, membership_id: int, acting_user: User, accept: bool) -> Membership:
    membership = MEMBERSHIP_TRANSITIONS.apply(
        membership_id,
        MembershipStatus.ACTIVE if accept else MembershipStatus.DECLINED,
        via="accept" if accept else "decline",
        acting_user=acting_user,
        fields={"decided_at": timezone.now(), "decided_by": acting_user},
    )
    team = membership.team
    _inbox(
        membership.user,
        kind="volunteer_join_accepted" if accept else "volunteer_join_declined",
        params={"team": team.name},
        link=reverse("volunteering:team", args=[team.pk]),
    )
    return membership


@transaction.atomic(durable=True)
def membership_accept(*, membership_id: int, acting_user: User) -> Membership:
    return _decide(membership_id=membership_id, acting_user=acting_user, accept=True)


@transaction.atomic(durable=True)
def membership_decline(*, membership_id: int, acting_user: User) -> Membership:
    return _decide(membership_id=membership_id, acting_user=acting_user, accept=False)


@transaction.atomic(durable=True)
def membership_leave(*, team: Team, user: User) -> Membership:
    membership = Membership.objects.filter(team=team, user=user).first()
    if membership is None:
        raise ApplicationError(str(NOT_A_MEMBER))
    return MEMBERSHIP_TRANSITIONS.apply(
        membership, MembershipStatus.LEFT, acting_user=user, fields={"left_at": timezone.now()}
    )


def is_member(*, team: Team, user: User) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.filter(team=team, user=user, status=Membership.Status.ACTIVE).exists()


# --- Tasks -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecipientDetails:
    name: str
    address: str
    phone: str = ""
    notes: str = ""


@transaction.atomic(durable=True)
def task_create(
    *,
    team: Team,
    acting_user: User,
    date: date,
    starts_at: time,
    ends_at: time,
    street: str,
    area: str,
    what: str,
    volunteers_needed: int,
    recipient: RecipientDetails,
    description: str = "",
) -> Task:
    if not is_manager(team=team, user=acting_user):
        raise PermissionDenied(str(NOT_THE_LEAD))
    if volunteers_needed < 1:
        raise ApplicationError(str(NEEDED_AT_LEAST_ONE))
    if ends_at <= starts_at:
        raise ApplicationError(str(ENDS_BEFORE_START))
    if not recipient.name.strip():
        raise ApplicationError(str(NAME_REQUIRED))
    if not recipient.address.strip():
        raise ApplicationError(str(ADDRESS_REQUIRED))
    task = Task.objects.create(
        team=team,
        date=date,
        starts_at=starts_at,
        ends_at=ends_at,
        street=street,
        area=area,
        what=what,
        description=description,
        volunteers_needed=volunteers_needed,
        created_by=acting_user,
    )
    Recipient.objects.create(
        task=task,
        name_encrypted=Recipient.seal(recipient.name.strip()),
        address_encrypted=Recipient.seal(recipient.address.strip()),
        phone_encrypted=Recipient.seal(recipient.phone.strip()),
        notes_encrypted=Recipient.seal(recipient.notes.strip()),
    )
    # Never the elderly person's details in the audit log: it outlives the task.
    audit.record(actor=acting_user, action="volunteering.task.create", target=task, data={"team": team.pk})
    return task


def _locked_task(task_id: int) -> Task:
    return Task.objects.select_for_update().select_related("team").get(pk=task_id)


def _task_link(task: Task) -> str:
    return reverse("volunteering:task", args=[task.pk])


def _when(task: Task) -> str:
    return (
        f"{task.date.year}年{task.date.month}月{task.date.day}日 {task.starts_at:%H:%M}–{task.ends_at:%H:%M}"
    )


@transaction.atomic(durable=True)
def signup_create(*, task_id: int, user: User) -> Signup:
    task = _locked_task(task_id)  # every sign-up for this task waits here: the count below is exact
    if not is_member(team=task.team, user=user):
        raise PermissionDenied(str(NOT_A_MEMBER))
    if Signup.objects.filter(task=task, volunteer=user, status=Signup.Status.SIGNED_UP).exists():
        raise ApplicationError(str(ALREADY_SIGNED_UP))
    if task.status == Task.Status.FULL:
        raise TransitionNotAllowed(str(TASK_FULL))
    if task.status != Task.Status.OPEN:
        raise TransitionNotAllowed(str(TASK_NOT_OPEN) % {"status": task.get_status_display()})
    if task.date < timezone.localdate():
        raise TransitionNotAllowed(str(TASK_PAST))
    if task.taken >= task.volunteers_needed:
        raise TransitionNotAllowed(str(TASK_FULL))
    try:
        with transaction.atomic():
            signup = Signup.objects.create(task=task, volunteer=user)
    except IntegrityError as error:  # the same person twice at once: the first one won
        raise ApplicationError(str(ALREADY_SIGNED_UP)) from error
    task.taken += 1
    task.save(update_fields=["taken"])
    if task.taken == task.volunteers_needed:
        TASK_TRANSITIONS.apply(task, TaskStatus.FULL, acting_user=user)
    audit.record(actor=user, action="volunteering.signup.create", target=signup, data={"task": task.pk})
    _inbox(
        user,
        kind="volunteer_signup_confirmed",
        params={"what": task.what, "when": _when(task), "area": task.area},
        link=_task_link(task),
    )
    return signup


@transaction.atomic(durable=True)
def signup_withdraw(*, task_id: int, user: User) -> Signup:
    task = _locked_task(task_id)
    signup = Signup.objects.filter(task=task, volunteer=user, status=Signup.Status.SIGNED_UP).first()
    if signup is None:
        raise ApplicationError(str(NOT_SIGNED_UP))
    if not task.is_live:
        raise TransitionNotAllowed(str(TASK_NOT_LIVE) % {"status": task.get_status_display()})
    if task.date <= timezone.localdate():
        raise TransitionNotAllowed(str(WITHDRAW_TOO_LATE))
    signup = SIGNUP_TRANSITIONS.apply(
        signup,
        SignupStatus.WITHDRAWN,
        acting_user=user,
        fields={"withdrawn_at": timezone.now()},
        audit_data={"task": task.pk},
    )
    task.taken -= 1
    task.save(update_fields=["taken"])
    if task.status == TaskStatus.FULL:
        TASK_TRANSITIONS.apply(task, TaskStatus.OPEN, acting_user=user)
    return signup


def _erase_recipient(task: Task) -> None:
    Recipient.objects.filter(task=task).delete()


def _manages_its_team(task: Task, acting_user: User) -> None:
    if not is_manager(team=task.team, user=acting_user):
        raise PermissionDenied(str(NOT_THE_LEAD))


def _on_its_day_or_later(task: Task, acting_user: User, reason: str) -> None:
    if task.date > timezone.localdate():
        raise TransitionNotAllowed(str(CONFIRM_TOO_EARLY))


_LIVE = {TaskStatus.OPEN, TaskStatus.FULL}
# A task ends once: done (confirmed by its team's lead) or cancelled (by the lead, or by the daily
# task when nobody confirmed it); its history is kept as core.StatusChange rows.
TASK_TRANSITIONS = TransitionTable(
    model=Task,
    audit_prefix="volunteering.task",
    history=status_change_record,
    select_related=("team",),
    lock_of=None,  # the task and its team, as every step of a task locks them
    wrong_status=TASK_NOT_LIVE,
    transitions=(
        transition(
            "confirm",
            _LIVE,
            TaskStatus.DONE,
            action=_("confirmed"),
            label=_("Confirm completion (all signed-up volunteers get their points)"),
            allows=_manages_its_team,
            rule=_on_its_day_or_later,
        ),
        transition(
            "cancel",
            _LIVE,
            TaskStatus.CANCELLED,
            action=_("cancelled"),
            label=_("Cancel"),
            allows=_manages_its_team,
        ),
        transition(
            "expire", _LIVE, TaskStatus.CANCELLED, action=_("cancelled"), audit="volunteering.task.cancel"
        ),
        # The seats: the last one taken fills the task, one given back opens it again (the sign-up
        # has its own audit row).
        transition("fill", {TaskStatus.OPEN}, TaskStatus.FULL, action=_("filled"), audited=False),
        transition("reopen", {TaskStatus.FULL}, TaskStatus.OPEN, action=_("opened again"), audited=False),
    ),
)


def _own_signup(signup: Signup, acting_user: User) -> None:
    if acting_user is None or signup.volunteer_id != acting_user.pk:
        raise ApplicationError(str(NOT_SIGNED_UP))


SignupStatus = Signup.Status
# A sign-up starts signed up (signup_create); the worker withdraws it, or the task's end decides it:
# done or not confirmed when the task is confirmed, cancelled with the task (those two have the
# task's audit row). Its history: core.StatusChange rows.
SIGNUP_TRANSITIONS = TransitionTable(
    model=Signup,
    audit_prefix="volunteering.signup",
    history=status_change_record,
    select_related=("volunteer",),
    transitions=(
        transition(
            "withdraw",
            {SignupStatus.SIGNED_UP},
            SignupStatus.WITHDRAWN,
            action=_("withdrawn"),
            allows=_own_signup,
        ),
        transition("done", {SignupStatus.SIGNED_UP}, SignupStatus.DONE, action=_("done"), audited=False),
        transition(
            "absent", {SignupStatus.SIGNED_UP}, SignupStatus.ABSENT, action=_("not confirmed"), audited=False
        ),
        transition(
            "cancel", {SignupStatus.SIGNED_UP}, SignupStatus.CANCELLED, action=_("cancelled"), audited=False
        ),
    ),
)


@transaction.atomic(durable=True)
def task_confirm(
    *, task_id: int, acting_user: User, volunteer_ids: Iterable[int] | None = None
) -> list[Signup]:
    """The lead confirms who did the task: points once each, then the elderly person's details are erased.

    volunteer_ids=None confirms everyone signed up (the admin's bulk action).
    """
    done: list[Signup] = []

    def award(change: Change) -> None:
        task = change.obj
        signups = list(
            Signup.objects.select_for_update()
            .filter(task=task, status=Signup.Status.SIGNED_UP)
            .select_related("volunteer")
        )
        chosen = {s.volunteer_id for s in signups} if volunteer_ids is None else set(volunteer_ids)
        if not chosen:
            raise ApplicationError(str(NOBODY_CHOSEN))
        if not chosen <= {s.volunteer_id for s in signups}:
            raise ApplicationError(str(NOT_A_VOLUNTEER))
        amount = points_for(VOLUNTEER_TASK_DONE)
        # Ascending user id: every transaction awarding points to several people locks their
        # point accounts in the same order, so two of them never deadlock.
        for signup in sorted(signups, key=lambda s: s.volunteer_id):
            if signup.volunteer_id not in chosen:
                SIGNUP_TRANSITIONS.apply(signup, SignupStatus.ABSENT, acting_user=acting_user)
                continue
            entry = None
            if amount > 0:  # a rule of 0 turns the award off; a rule never takes points away
                entry = points_add(
                    user=signup.volunteer,
                    amount=amount,
                    reason=VOLUNTEER_TASK_DONE,
                    source=task,
                    once_key=f"volunteer_task_done:{task.pk}:{signup.volunteer_id}",
                    acting_user=acting_user,
                )
            done.append(
                SIGNUP_TRANSITIONS.apply(
                    signup,
                    SignupStatus.DONE,
                    acting_user=acting_user,
                    fields={"points": entry.amount if entry else 0},
                )
            )
        change.fields.update(completed_at=timezone.now(), completed_by=acting_user)
        change.audit_data.update(volunteers=sorted(chosen), points=amount)

    task = TASK_TRANSITIONS.apply(task_id, TaskStatus.DONE, acting_user=acting_user, prepare=award)
    _erase_recipient(task)
    for signup in done:
        _inbox(
            signup.volunteer,
            kind="volunteer_task_done_points" if signup.points > 0 else "volunteer_task_done",
            params={"what": task.what, "when": _when(task), "points": signup.points},
            link=reverse("governance:points") if signup.points > 0 else _task_link(task),
        )
    return done


@transaction.atomic(durable=True)
def task_cancel(*, task_id: int, acting_user: User, reason: str) -> Task:
    return _cancel(task_id, via="cancel", acting_user=acting_user, reason=reason)


# Details of a task nobody confirmed are not kept beyond this many days after its day.
UNCONFIRMED_KEEP_DAYS = 7
EXPIRED_REASON = _("Nobody confirmed completion within 7 days after the task's day, so it was closed.")


@transaction.atomic(durable=True)
def task_expire(*, task_id: int) -> Task | None:
    """Close a live task left unconfirmed long after its day: the elderly person's details must not linger."""
    task = _locked_task(task_id)
    if not task.is_live or task.date >= timezone.localdate() - timedelta(days=UNCONFIRMED_KEEP_DAYS):
        return None
    with translation.override(settings.LANGUAGE_CODE):
        return _cancel(task.pk, via="expire", acting_user=None, reason=str(EXPIRED_REASON))


def tasks_expire_unconfirmed() -> int:
    """Daily (volunteering.tasks.expire_unconfirmed_tasks): one transaction per task."""
    cutoff = timezone.localdate() - timedelta(days=UNCONFIRMED_KEEP_DAYS)
    ids = list(
        Task.objects.filter(status__in=Task.LIVE_STATUSES, date__lt=cutoff).values_list("pk", flat=True)
    )
    return sum(1 for task_id in ids if task_expire(task_id=task_id) is not None)


def _cancel(task_id: int, *, via: str, acting_user: User | None, reason: str) -> Task:
    reason = reason.strip()
    signups: list[Signup] = []

    def release(change: Change) -> None:
        # After the status check: a task that has ended says so, whatever reason was typed.
        if not reason:
            raise ApplicationError(str(REASON_REQUIRED))
        signups.extend(
            Signup.objects.select_for_update()
            .filter(task=change.obj, status=Signup.Status.SIGNED_UP)
            .select_related("volunteer")
        )
        for signup in signups:
            SIGNUP_TRANSITIONS.apply(signup, SignupStatus.CANCELLED, acting_user=acting_user, note=reason)
        change.fields.update(cancelled_at=timezone.now(), cancel_reason=reason)

    task = TASK_TRANSITIONS.apply(
        task_id, TaskStatus.CANCELLED, via=via, acting_user=acting_user, reason=reason, prepare=release
    )
    _erase_recipient(task)
    for signup in signups:
        _inbox(
            signup.volunteer,
            kind="volunteer_task_cancelled",
            params={"what": task.what, "when": _when(task), "reason": reason},
            link=_task_link(task),
        )
    return task

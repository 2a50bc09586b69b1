"""Worker pages: teams, a team, a task, my volunteer tasks, and the team lead's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.typing import AuthenticatedHttpRequest
from core.exceptions import ApplicationError
from points.selectors import points_for
from volunteering import actions, selectors
from volunteering.forms import CancelForm, ConfirmForm, TaskForm, task_values
from volunteering.models import Membership, Signup, Task, Team
from volunteering.points_kinds import VOLUNTEER_TASK_DONE

PAGE_SIZE = 20


def _team(team_id: int) -> Team:
    return get_object_or_404(Team.objects.select_related("station", "lead"), pk=team_id, is_active=True)


def _led_team(request: AuthenticatedHttpRequest, team_id: int) -> Team:
    """A team the person leads (or staff may manage); any other id answers 404 like a missing one."""
    team = _team(team_id)
    if not actions.is_manager(team=team, user=request.user):
        raise Http404
    return team


def _task(task_id: int) -> Task:
    try:
        return selectors.task_get(task_id=task_id)
    except Task.DoesNotExist:
        raise Http404 from None


@login_required
def team_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams = list(selectors.teams_for_list(user=request.user))
    for team in teams:
        # `mine` is teams_for_list's Prefetch(to_attr=...); the selector's QuerySet[Team] does not say so.
        team.my_membership = team.mine[0] if team.mine else None  # type: ignore[attr-defined]
    return render(request, "volunteering/team_list.html", {"teams": teams})


@login_required
def team_detail(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    team = _team(team_id)
    membership = selectors.membership_of(team=team, user=request.user)
    is_member = membership is not None and membership.status == Membership.Status.ACTIVE
    tasks = list(selectors.upcoming_tasks(team=team))
    mine = set(
        Signup.objects.filter(
            task__in=tasks, volunteer=request.user, status=Signup.Status.SIGNED_UP
        ).values_list("task_id", flat=True)
    )
    for task in tasks:
        task.mine = task.pk in mine
    context = {
        "team": team,
        "membership": membership,
        "is_member": is_member,
        "is_lead": actions.is_manager(team=team, user=request.user),
        "members": list(selectors.active_members(team=team)),
        "tasks": tasks,
    }
    return render(request, "volunteering/team_detail.html", context)


@login_required
@require_POST
def team_join(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    team = _team(team_id)
    try:
        actions.membership_request(team=team, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your request was sent. The team lead will answer soon."))
    return redirect("volunteering:team", team_id=team.pk)


@login_required
@require_POST
def team_leave(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    team = _team(team_id)
    try:
        actions.membership_leave(team=team, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("You left %(team)s. You are welcome back any time.") % {"team": team.name}
        )
    return redirect("volunteering:team", team_id=team.pk)


@login_required
def task_detail(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponse:
    task = _task(task_id)
    signup = selectors.signup_of(task=task, user=request.user)
    today = timezone.localdate()
    context = {
        "task": task,
        "signup": signup,
        "is_member": actions.is_member(team=task.team, user=request.user),
        "is_lead": actions.is_manager(team=task.team, user=request.user),
        "recipient": selectors.recipient_for(task=task, user=request.user),
        "can_sign_up": task.status == Task.Status.OPEN and task.date >= today,
        "can_withdraw": signup is not None
        and signup.status == Signup.Status.SIGNED_UP
        and task.is_live
        and task.date > today,
    }
    return render(request, "volunteering/task_detail.html", context)


@login_required
@require_POST
def task_signup(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponse:
    task = _task(task_id)
    try:
        actions.signup_create(task_id=task.pk, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You are signed up. Thank you! The details are below."))
    return redirect("volunteering:task", task_id=task.pk)


@login_required
@require_POST
def task_withdraw(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponse:
    task = _task(task_id)
    try:
        actions.signup_withdraw(task_id=task.pk, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You withdrew from the task."))
    return redirect("volunteering:task", task_id=task.pk)


@login_required
def my_tasks(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.signups_of(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "volunteering/my_tasks.html", {"page": page})


# --- The team lead -------------------------------------------------------------------------


@login_required
def lead(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    team = _led_team(request, team_id)
    context = {
        "team": team,
        "requests": list(selectors.pending_requests(team=team)),
        "to_confirm": list(selectors.tasks_to_confirm(team=team)),
        "upcoming": list(selectors.upcoming_tasks(team=team).filter(date__gt=timezone.localdate())),
    }
    return render(request, "volunteering/lead.html", context)


def _decide(
    request: AuthenticatedHttpRequest, team_id: int, membership_id: int, *, accept: bool
) -> HttpResponse:
    team = _led_team(request, team_id)
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=membership_id, team=team)
    try:
        if accept:
            actions.membership_accept(membership_id=membership.pk, acting_user=request.user)
        else:
            actions.membership_decline(membership_id=membership.pk, acting_user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        name = membership.user.real_name or membership.user.phone
        text = _("%(name)s is now a member.") if accept else _("You declined the request of %(name)s.")
        messages.success(request, text % {"name": name})
    return redirect("volunteering:lead", team_id=team.pk)


@login_required
@require_POST
def request_accept(request: AuthenticatedHttpRequest, team_id: int, membership_id: int) -> HttpResponse:
    return _decide(request, team_id, membership_id, accept=True)


@login_required
@require_POST
def request_decline(request: AuthenticatedHttpRequest, team_id: int, membership_id: int) -> HttpResponse:
    return _decide(request, team_id, membership_id, accept=False)


@login_required
def task_new(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    team = _led_team(request, team_id)
    if request.method == "POST":
        form = TaskForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                task = actions.task_create(team=team, acting_user=request.user, **task_values(data))
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The task was published; members can sign up now."))
                return redirect("volunteering:task", task_id=task.pk)
    else:
        form = TaskForm()
    return render(
        request,
        "volunteering/task_form.html",
        {"team": team, "form": form},
        status=400 if form.errors else 200,
    )


def _points() -> int:
    return points_for(VOLUNTEER_TASK_DONE)


def _led_task(request: AuthenticatedHttpRequest, task_id: int) -> Task:
    task = _task(task_id)
    if not actions.is_manager(team=task.team, user=request.user):
        raise Http404
    return task


@login_required
def task_confirm(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponse:
    task = _led_task(request, task_id)
    signups = list(
        Signup.objects.filter(task=task, status=Signup.Status.SIGNED_UP).select_related("volunteer")
    )
    form = ConfirmForm(request.POST if request.method == "POST" else None, signups=signups)
    if request.method == "POST" and form.is_valid():
        try:
            done = actions.task_confirm(
                task_id=task.pk, acting_user=request.user, volunteer_ids=form.cleaned_data["volunteers"]
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Completion confirmed: %(count)s volunteers got their points. The elderly person's details were erased."
                )
                % {"count": len(done)},
            )
            return redirect("volunteering:lead", team_id=task.team_id)
    return render(
        request,
        "volunteering/task_confirm.html",
        {"task": task, "form": form, "signups": signups, "cancel_form": CancelForm(), "points": _points()},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def task_cancel(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponse:
    task = _led_task(request, task_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            actions.task_cancel(task_id=task.pk, acting_user=request.user, reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The task was cancelled; the volunteers were told."))
            return redirect("volunteering:lead", team_id=task.team_id)
    signups = list(
        Signup.objects.filter(task=task, status=Signup.Status.SIGNED_UP).select_related("volunteer")
    )
    return render(
        request,
        "volunteering/task_confirm.html",
        {
            "task": task,
            "form": ConfirmForm(signups=signups),
            "signups": signups,
            "cancel_form": form,
            "points": _points(),
        },
        status=400,
    )

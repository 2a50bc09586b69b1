"""Real threads against PostgreSQL: a task never gets more volunteers than it needs; points once."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from core.exceptions import ApplicationError
from points.models import PointAccount, PointEntry
from tests.volunteering.factories import TeamFactory, make_member, make_task
from volunteering import actions
from volunteering.models import Signup, Task

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(function):
    def run(*args):
        try:
            return function(*args)
        except ApplicationError as error:
            return error
        finally:
            connection.close()

    return run


def test_many_members_signing_up_at_once_never_overbook():
    team = TeamFactory()
    members = [make_member(team) for _ in range(12)]
    task = make_task(team, needed=3)

    @in_thread
    def sign_up(user):
        return actions.signup_create(task_id=task.pk, user=user)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(sign_up, members))
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refused) == 9
    assert {r.message for r in refused} == {"抱歉，该任务的志愿者名额已满。"}
    task.refresh_from_db()
    assert (task.taken, task.status) == (3, Task.Status.FULL)
    assert Signup.objects.filter(task=task, status=Signup.Status.SIGNED_UP).count() == 3


def test_the_same_member_tapping_twice_at_once_signs_up_once():
    team = TeamFactory()
    member = make_member(team)
    task = make_task(team, needed=5)

    @in_thread
    def sign_up(_):
        return actions.signup_create(task_id=task.pk, user=member)

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(sign_up, range(6)))
    assert sum(1 for r in results if not isinstance(r, ApplicationError)) == 1
    task.refresh_from_db()
    assert task.taken == 1


def test_two_confirmations_at_once_award_points_once():
    team = TeamFactory()
    member = make_member(team)
    task = make_task(team, days=0, needed=1)
    actions.signup_create(task_id=task.pk, user=member)
    staff = [team.lead] * 4

    @in_thread
    def confirm(user):
        return actions.task_confirm(task_id=task.pk, acting_user=user)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(confirm, staff))
    assert sum(1 for r in results if not isinstance(r, ApplicationError)) == 1
    assert PointAccount.objects.get(user=member).balance == 20
    assert PointEntry.objects.filter(user=member).count() == 1

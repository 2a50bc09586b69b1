import io

import pytest

from points.models import PointEntry
from volunteering import demo
from volunteering.models import Membership, Recipient, Signup, Task, Team

pytestmark = pytest.mark.django_db


def counts():
    return (
        Team.objects.count(),
        Membership.objects.count(),
        Task.objects.count(),
        Signup.objects.count(),
        Recipient.objects.count(),
        PointEntry.objects.count(),
    )


def test_seeding_twice_changes_nothing():
    out = io.StringIO()
    demo.seed(stdout=out)
    assert out.getvalue() == "  volunteering: 助老专送小哥队 (无驿站), lead 13800000002, 4 members, 3 tasks"
    first = counts()
    assert first == (1, 4, 3, 3, 2, 2)
    team = Team.objects.get()
    assert team.lead.phone == "+8613800000002"
    assert sorted(Task.objects.values_list("status", flat=True)) == ["done", "open", "open"]
    done = Task.objects.get(status="done")
    assert not Recipient.objects.filter(task=done).exists()
    assert list(done.signups.values_list("points", flat=True)) == [20, 20]
    demo.seed(stdout=io.StringIO())
    assert counts() == first

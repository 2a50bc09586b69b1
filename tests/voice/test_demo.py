import io

import pytest

from accounts import demo as accounts_demo
from governance import demo as governance_demo
from points.models import PointEntry
from voice import demo
from voice.models import HelpDeed, HelpRecipient, HelpRequest, Opinion

pytestmark = pytest.mark.django_db


def test_the_demo_is_idempotent_and_shows_each_step():
    accounts_demo.seed(stdout=io.StringIO())
    governance_demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    worker = accounts_demo.demo_user("13800000001")
    assert sorted(HelpDeed.objects.values_list("status", flat=True)) == ["submitted", "verified"]
    assert sorted(HelpRequest.objects.values_list("status", flat=True)) == ["confirmed", "open"]
    assert HelpRecipient.objects.count() == 1  # the confirmed request's details were erased
    assert sorted(Opinion.objects.values_list("status", flat=True)) == ["adopted", "submitted"]
    assert sorted(PointEntry.objects.filter(user=worker).values_list("reason", flat=True)) == [
        "help_request_confirmed",
        "help_verified",
        "opinion_adopted",
    ]

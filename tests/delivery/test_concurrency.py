"""Real threads against PostgreSQL: two reviewers accepting one correction at once change the map
once and earn its points once."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from accounts import roles
from core.exceptions import ApplicationError
from delivery import actions
from delivery.models import Correction, Gate, SiteChange
from points.models import PointAccount, PointEntry
from tests.delivery.factories import HERE, build_site
from tests.factories import StaffFactory, UserFactory
from tests.governance.factories import clean_photo

pytestmark = pytest.mark.django_db(transaction=True)


def test_four_reviewers_accepting_at_once_change_the_map_and_award_once():
    site = build_site(buildings=1, units=1)
    rider = UserFactory()
    correction = actions.correction_propose(
        site=site,
        proposer=rider,
        kind=Correction.Kind.GATE_CLOSED,
        text="北门锁了",
        lat=HERE[0],
        lng=HERE[1],
        photo=clean_photo(),
        gate=Gate.objects.get(site=site, name="北门"),
    )
    reviewers = []
    for _ in range(3):
        staff = StaffFactory()
        staff.groups.add(Group.objects.get(name=roles.SERVICE_STAFF))
        reviewers.append(staff)
    manager = UserFactory()
    site.managers.add(manager)
    reviewers.append(manager)

    def accept(user):
        try:
            return actions.correction_accept(correction_id=correction.pk, acting_user=user)
        except ApplicationError as error:
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(accept, reviewers))
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refused) == 3
    assert {r.message for r in refused} == {"这条纠错现在是“已采纳”，不能再被采纳。"}
    assert PointAccount.objects.get(user=rider).balance == 5
    assert PointEntry.objects.count() == 1
    assert SiteChange.objects.count() == 1
    assert correction.decisions.filter(to_status="accepted").count() == 1

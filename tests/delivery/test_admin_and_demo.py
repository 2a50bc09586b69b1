import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from delivery import actions
from delivery.models import Correction, Gate, Site
from tests.delivery.factories import HERE
from tests.factories import StaffFactory
from tests.governance.factories import clean_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_staff(db):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=roles.SERVICE_STAFF))
    return user


def test_the_site_page_in_admin_shows_its_parts_inline(client, site, district_staff):
    client.force_login(district_staff)
    response = client.get(reverse("admin:delivery_site_change", args=[site.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    for prefix in (
        "gates-0-name",
        "parkings-0-name",
        "drop_points-0-name",
        "buildings-0-number",
        "notes-0-text",
    ):
        assert f'name="{prefix}"' in body


def test_the_corrections_queue_offers_the_decisions_and_accepts(client, site, district_staff):
    from tests.factories import UserFactory

    rider = UserFactory()
    correction = actions.correction_propose(
        site=site,
        proposer=rider,
        kind="gate_closed",
        text="北门锁了",
        lat=HERE[0],
        lng=HERE[1],
        photo=clean_photo(),
        gate=Gate.objects.get(site=site, name="北门"),
    )
    client.force_login(district_staff)
    listing = client.get(reverse("admin:delivery_correction_changelist"))
    assert listing.status_code == 200
    assert f"#{correction.pk}" in listing.content.decode()
    page = client.get(reverse("admin:delivery_correction_change", args=[correction.pk]))
    assert page.status_code == 200
    assert reverse("delivery:photo", args=[correction.pk]) in page.content.decode()
    response = client.post(
        reverse("admin:delivery_correction_decision", args=[correction.pk]),
        {"decision": "accept", "reason": ""},
    )
    assert response.status_code == 302
    correction.refresh_from_db()
    assert correction.status == "accepted"


def test_staff_without_the_role_do_not_see_the_queue(client, site):
    client.force_login(StaffFactory())
    assert client.get(reverse("admin:delivery_correction_changelist")).status_code == 403
    assert client.get(reverse("admin:delivery_site_change", args=[site.pk])).status_code == 403


def test_the_demo_seeds_a_dozen_sites_and_pending_corrections():
    import io

    from accounts import demo as accounts_demo
    from delivery import demo

    accounts_demo.demo_user("13900000003", "周服务").groups.add(Group.objects.get(name=roles.SERVICE_STAFF))
    demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())  # idempotent
    assert Site.objects.count() == 12
    assert Correction.objects.filter(status="pending").count() == 3
    assert Correction.objects.filter(status="accepted").count() == 1
    zjg = Site.objects.get(name="紫金港花园")
    assert zjg.buildings.count() == 8 and zjg.gates.count() == 3
    assert Site.objects.get(name="西溪银泰城").ratings.count() == 3

"""Every key moment offers the next step as a button (issue 19, item 2)."""

import re

import pytest
from django.urls import reverse

from academy.models import Enrolment
from tests.academy.factories import EnrolmentFactory
from tests.accounts.test_profile import form_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEXT_STEPS = (
    '<nav class="card link-list next-steps" aria-labelledby="next-steps-title">\n'
    '  <h2 id="next-steps-title">下一步</h2>\n'
    '  <a class="button primary" href="/academy/">看看有哪些专业</a>\n'
    '  <a href="/academy/applications/">我的申请</a>\n'
    '  <a href="/subsidies/">我的学费资助</a>\n'
    '  <a href="/services/near/">附近的服务点</a>\n'
    "</nav>"
)


def test_after_the_profile_is_saved_me_links_onwards(client):
    client.force_login(UserFactory(real_name=""))
    assert NEXT_STEPS not in client.get(reverse("me")).content.decode()
    response = client.post(reverse("profile_edit"), form_data(), follow=True)
    assert response.redirect_chain == [(reverse("me"), 302)]
    assert NEXT_STEPS in response.content.decode()


@pytest.mark.parametrize("status", [Enrolment.Status.ADMITTED, Enrolment.Status.ENROLLED])
def test_an_admitted_application_links_to_the_subsidy(client, status):
    extra = {"student_number": "2026001"} if status == Enrolment.Status.ENROLLED else {}
    enrolment = EnrolmentFactory(status=status, **extra)
    client.force_login(enrolment.worker)
    page = client.get(reverse("academy:application", args=[enrolment.pk])).content.decode()
    button = f'<a class="button primary" href="/subsidies/apply/{enrolment.pk}/">申请学费资助</a>'
    assert button in page
    assert client.get(f"/subsidies/apply/{enrolment.pk}/").status_code == 200


@pytest.mark.parametrize(
    "status", [Enrolment.Status.SUBMITTED, Enrolment.Status.WAITLISTED, Enrolment.Status.REJECTED]
)
def test_an_undecided_or_refused_application_offers_no_subsidy(client, status):
    enrolment = EnrolmentFactory(status=status)
    client.force_login(enrolment.worker)
    page = client.get(reverse("academy:application", args=[enrolment.pk])).content.decode()
    assert not re.search(r'href="/subsidies/apply/', page)

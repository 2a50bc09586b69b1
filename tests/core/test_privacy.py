"""A masked ID number is never shown beside what completes it (issue 14, personal data).

The masked number hides exactly the eight birth-date digits, so the birth date beside it
rebuilds the full number. Every page, admin view, API response and CSV that shows a masked
number is fetched here as a viewer who may not see the full number, and the body must not
hold the full number, the eight hidden digits or the birth date in any spelling.
"""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts import roles
from accounts.models import Consent
from core import privacy
from core.privacy import masked_id_number
from tests.academy.factories import OfferingFactory, ProgrammeFactory
from tests.factories import StaffFactory, UserFactory, WorkerProfileFactory, valid_id_number
from tests.partner_api import factories as api_factories
from tests.subsidies.factories import SubsidyApplicationFactory

pytestmark = pytest.mark.django_db

ID_NUMBER = valid_id_number(born="19980721", sequence="244")
MASKED = masked_id_number(ID_NUMBER)
# Every spelling of 21 July 1998 a page, a JSON body or a CSV could use.
BIRTH_SPELLINGS = [
    "19980721",
    "1998-07-21",
    "1998/07/21",
    "1998-7-21",
    "1998年7月21日",
    "1998年07月21日",
    "July 21, 1998",
    "21 July 1998",
    "Jul. 21, 1998",
    "7/21/1998",
    "21/07/1998",
]


def rebuildable_from(body: str) -> list[str]:
    """What in `body` completes the masked number (empty when the full ID cannot be rebuilt)."""
    return [text for text in [ID_NUMBER, *BIRTH_SPELLINGS] if text in body]


def text_of(response) -> str:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return data.decode("utf-8-sig")


@pytest.fixture
def student(db):
    """A worker born 21 July 1998, admitted to a programme of university A, with a subsidy application."""
    uni_a = api_factories.university("uni-a", "甲大学")
    profile = WorkerProfileFactory(id_number=ID_NUMBER)
    assert (str(profile.birth_date), profile.id_number_masked) == ("1998-07-21", MASKED)
    offering = OfferingFactory(programme=ProgrammeFactory(university=uni_a))
    enrolment = api_factories.enrolment(uni_a, offering=offering, worker=profile.user)
    subsidy = SubsidyApplicationFactory(enrolment=enrolment)
    return {"profile": profile, "enrolment": enrolment, "subsidy": subsidy, "university": uni_a}


def api_client(student, scope: str):
    from rest_framework.test import APIClient

    client_row = api_factories.api_client(
        student["university"], client_id=f"uni-a-{scope.replace(' ', '-')}", can_read_sensitive=True
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_factories.token_for(client_row.application, scope)}")
    return client


API_SURFACES = [
    "/api/v1/enrolments/",
    "/api/v1/enrolments/{enrolment}/",
    "/api/v1/enrolments/export.csv",
    "/api/v1/enrolments/?format=csv",
]


@pytest.mark.parametrize("scope", ["roster:read", "roster:read roster:sensitive"])
@pytest.mark.parametrize("url", API_SURFACES)
def test_partner_api_without_full_id_right_cannot_rebuild_the_id(student, scope, url):
    # roster:read alone, or the sensitive scope for a student who did not consent: masked, no birth date.
    response = api_client(student, scope).get(url.format(enrolment=student["enrolment"].pk))
    assert response.status_code == 200
    body = text_of(response)
    assert MASKED in body
    assert rebuildable_from(body) == []


def test_partner_api_json_says_birth_date_null_beside_a_masked_number(student):
    response = api_client(student, "roster:read").get(f"/api/v1/enrolments/{student['enrolment'].pk}/")
    shown = response.json()["student"]
    assert (shown["id_number"], shown["id_number_is_full"], shown["birth_date"]) == (MASKED, False, None)


@pytest.mark.parametrize("url", API_SURFACES)
def test_with_the_sensitive_scope_and_consent_the_full_number_comes_with_the_birth_date(student, url):
    Consent.objects.create(
        user=student["profile"].user,
        purpose=Consent.Purpose.SHARE_ID_WITH_UNIVERSITY,
        notice_version=settings.SENSITIVE_DATA_NOTICE_VERSION,
    )
    response = api_client(student, "roster:read roster:sensitive").get(
        url.format(enrolment=student["enrolment"].pk)
    )
    body = text_of(response)
    assert ID_NUMBER in body
    assert "1998-07-21" in body
    assert MASKED not in body


def staff_member(group: str | None, *, superuser: bool = False):
    user = StaffFactory(is_superuser=superuser)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def admin_surfaces(student) -> list[str]:
    profile, enrolment, subsidy = student["profile"], student["enrolment"], student["subsidy"]
    return [
        reverse("admin:accounts_user_change", args=[profile.user.pk]),
        reverse("admin:accounts_workerprofile_changelist"),
        reverse("admin:accounts_workerprofile_change", args=[profile.pk]),
        reverse("admin:academy_enrolment_changelist"),
        reverse("admin:academy_enrolment_change", args=[enrolment.pk]),
        reverse("admin:academy_enrolment_export"),
        reverse("admin:subsidies_subsidyapplication_changelist"),
        reverse("admin:subsidies_subsidyapplication_change", args=[subsidy.pk]),
        reverse("admin:subsidies_instalment_export"),
    ]


@pytest.mark.parametrize("group", [*roles.STAFF_GROUPS, "view-everything"])
def test_no_staff_group_can_rebuild_the_id_in_admin(client, student, group):
    if group == "view-everything":
        # Every view permission there is, but not the one meant for full ID numbers.
        user = staff_member(None)
        user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    else:
        user = staff_member(group)
    client.force_login(user)
    shown = 0
    for url in admin_surfaces(student):
        response = client.get(url)
        body = text_of(response) if response.status_code == 200 else response.content.decode()
        assert rebuildable_from(body) == [], url
        shown += MASKED in body
    if group == "view-everything":
        assert shown == 7  # every surface but the finance CSV (no ID column) and the user page's list


def test_the_worker_profile_page_in_admin_shows_no_birth_date_beside_the_masked_number(client, student):
    user = staff_member(None)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_workerprofile", "view_user"]))
    client.force_login(user)
    profile = student["profile"]
    for url in (
        reverse("admin:accounts_workerprofile_change", args=[profile.pk]),
        reverse("admin:accounts_user_change", args=[profile.user.pk]),
    ):
        body = client.get(url).content.decode()
        assert MASKED in body
        assert "出生日期" not in body  # not even an empty "date of birth" row
        assert rebuildable_from(body) == []


@pytest.mark.parametrize("superuser", [False, True])
def test_staff_with_the_id_permission_see_the_full_number_and_the_birth_date(client, student, superuser):
    user = staff_member(None, superuser=superuser)
    if not superuser:
        user.user_permissions.set(
            Permission.objects.filter(codename__in=["view_workerprofile", "see_full_id_number"])
        )
    client.force_login(user)
    body = client.get(reverse("admin:accounts_workerprofile_change", args=[student["profile"].pk])).content
    body = body.decode()
    assert ID_NUMBER in body
    assert "1998年7月21日" in body
    assert privacy.staff_may_see_full_id(user)


def test_the_id_permission_is_nobodys_by_default(db):
    assert not Group.objects.filter(permissions__codename="see_full_id_number").exists()
    assert not privacy.staff_may_see_full_id(UserFactory(is_staff=False, is_superuser=True))


def test_the_workers_own_pages_show_their_number_masked(client, student):
    # The worker may see their own full number; the pages still show it masked.
    client.force_login(student["profile"].user)
    for url in (reverse("me"), reverse("profile_edit"), reverse("privacy")):
        assert MASKED in client.get(url).content.decode()


def test_shown_identity_without_a_profile_is_empty():
    assert privacy.shown_identity(None, full_allowed=True) == privacy.ShownIdentity("", False, None)


def test_a_second_enrolment_of_another_worker_does_not_leak_either(student):
    other = api_factories.enrolment(student["university"], offering=student["enrolment"].offering)
    body = text_of(api_client(student, "roster:read").get("/api/v1/enrolments/export.csv"))
    other_born = other.worker.profile.birth_date
    assert other_born.strftime("%Y-%m-%d") not in body
    assert other.worker.profile.id_number_masked in body


@pytest.mark.parametrize("group", roles.STAFF_GROUPS)
def test_holding_a_full_id_number_is_not_enough_to_find_whose_it_is(client, student, group):
    client.force_login(staff_member(group))
    response = client.get(reverse("admin:accounts_workerprofile_changelist"), {"q": ID_NUMBER})
    if response.status_code == 200:
        assert list(response.context["cl"].queryset) == []
        assert student["profile"].user.real_name not in text_of(response)
    else:
        assert response.status_code == 403


def test_staff_who_may_read_full_numbers_find_a_person_by_one(client, student):
    client.force_login(staff_member(None, superuser=True))
    response = client.get(reverse("admin:accounts_workerprofile_changelist"), {"q": ID_NUMBER})
    assert [profile.pk for profile in response.context["cl"].queryset] == [student["profile"].pk]

"""No account enumeration (issue 13, finding 5).

Sign-up and login by code answer a registered and an unregistered number alike; the
profile's "ID number already used" answer is rate-limited, audited and says where to get help.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User, WorkerProfile
from core.models import AuditEntry
from core.phone import format_local
from tests.accounts.test_profile import form_data
from tests.factories import UserFactory, WorkerProfileFactory, valid_id_number

pytestmark = pytest.mark.django_db

REQUEST_CODE = reverse("account_request_login_code")
CONFIRM_CODE = reverse("account_confirm_login_code")
SIGNUP = reverse("account_signup")
VERIFY = reverse("account_verify_phone")
PROFILE = reverse("profile_edit")
ON_ITS_WAY = "如果该号码可以登录，验证码已发送到"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
ID_NUMBER = valid_id_number("330106", "19950312", "123")
TAKEN = (
    "该身份证号码已关联其他账号。如果是你本人的号码，请带上身份证到任一小哥驿站，"
    "或致电服务台（12345），工作人员会和你一起核实。"
)
CHECKS_SPENT = (
    "你尝试的身份证号码次数过多，请稍后再试。如果你的号码无法保存，请带上身份证到任一小哥驿站，"
    "或致电服务台（12345）。"
)


def answer(url: str, number: str, address: str) -> tuple[int, str, str]:
    """What a person (or a script) sees: the status, where it leads, and that page."""
    client = Client(REMOTE_ADDR=address)
    response = client.post(url, {"phone": number})
    page = client.get(response["Location"]).content.decode() if response.status_code == 302 else ""
    # The code page shows the number once, as 138 0000 0101 (issue 19).
    page = CSRF.sub("", page).replace(format_local("+86" + number), "NUMBER")
    return response.status_code, response.get("Location", ""), page


@pytest.mark.parametrize(
    "url, next_page", [(REQUEST_CODE, CONFIRM_CODE), (SIGNUP, VERIFY)], ids=["login", "sign-up"]
)
def test_finding_5_login_and_sign_up_answer_alike_for_registered_and_unregistered_numbers(url, next_page):
    UserFactory(phone="+8613800000101")
    registered = answer(url, "13800000101", "10.6.0.1")
    unregistered = answer(url, "13800000102", "10.6.0.2")
    assert registered == unregistered
    status, location, page = registered
    assert (status, location) == (302, next_page)
    assert ON_ITS_WAY in page
    assert "NUMBER" in page
    # Sign-up did not create a second account for the registered number.
    assert User.objects.filter(phone="+8613800000101").count() == 1


def test_finding_5_a_spent_budget_answers_alike_too(settings):
    settings.SMS_BUDGET_PER_PHONE = "1/h"
    UserFactory(phone="+8613800000101")
    for number in ("13800000101", "13800000102"):
        Client(REMOTE_ADDR="10.6.1.1").post(REQUEST_CODE, {"phone": number})
    registered = Client(REMOTE_ADDR="10.6.1.2").post(REQUEST_CODE, {"phone": "13800000101"})
    unregistered = Client(REMOTE_ADDR="10.6.1.3").post(REQUEST_CODE, {"phone": "13800000102"})
    assert registered.context["form"].errors == unregistered.context["form"].errors
    assert CSRF.sub("", registered.content.decode()).replace("13800000101", "N") == CSRF.sub(
        "", unregistered.content.decode()
    ).replace("13800000102", "N")


def test_finding_5_id_number_already_used_is_rate_limited_audited_and_says_where_to_get_help(
    client, settings
):
    settings.ID_NUMBER_CHECK_RATE_LIMIT = "3/h"
    holder = WorkerProfileFactory(id_number=ID_NUMBER)
    worker = UserFactory(real_name="")
    client.force_login(worker)
    for _attempt in range(2):
        response = client.post(PROFILE, form_data(id_number=ID_NUMBER))
        assert response.status_code == 200
        assert response.context["form"].errors == {"id_number": [TAKEN]}
        assert TAKEN in response.content.decode()
    taken = AuditEntry.objects.filter(action="profile.id_number_taken")
    assert (
        list(taken.values_list("actor_id", "target_type", "target_id", "data"))
        == [(worker.pk, "accounts.user", str(worker.pk), {"holder_profile_id": holder.pk})] * 2
    )
    # The third check is the last one this hour: afterwards no number is checked at all,
    # a free one included, so nobody can go on probing whose numbers are registered.
    free = valid_id_number("330106", "19980721", "244")
    assert client.post(PROFILE, form_data(id_number=ID_NUMBER)).context["form"].errors == {
        "id_number": [TAKEN]
    }
    for number in (ID_NUMBER, free):
        response = client.post(PROFILE, form_data(id_number=number))
        assert response.status_code == 200
        assert response.context["form"].errors == {"id_number": [CHECKS_SPENT]}
    assert taken.count() == 3
    assert not WorkerProfile.objects.filter(user=worker).exists()
    # The holder's data never appears in the answers.
    assert holder.user.real_name not in response.content.decode()
    assert holder.user.phone_display not in response.content.decode()


def test_saving_the_profile_again_with_the_own_id_number_is_not_a_check(client, settings):
    settings.ID_NUMBER_CHECK_RATE_LIMIT = "1/h"
    profile = WorkerProfileFactory(id_number=ID_NUMBER)
    client.force_login(profile.user)
    for platform in ("饿了么", "美团", "顺丰速运"):
        assert (
            client.post(PROFILE, form_data(id_number=ID_NUMBER) | {"platform": platform}).status_code == 302
        )
    profile.refresh_from_db()
    assert (profile.platform, profile.id_number()) == ("顺丰速运", ID_NUMBER)


def test_a_full_width_id_number_is_the_same_number(client):
    holder = WorkerProfileFactory(id_number=ID_NUMBER)
    worker = UserFactory(real_name="")
    client.force_login(worker)
    full_width = ID_NUMBER.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    response = client.post(PROFILE, form_data(id_number=full_width))
    assert response.context["form"].errors == {"id_number": [TAKEN]}
    assert WorkerProfile.objects.filter(id_number_hash=holder.id_number_hash).count() == 1

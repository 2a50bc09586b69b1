"""One SMS budget across sign-up, login and resend (issue 13, finding 6, and a flood of sends)."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import User
from notifications.models import Message
from tests.accounts.sms import CODE, sms_count, texts_to
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REQUEST_CODE = reverse("account_request_login_code")
CONFIRM_CODE = reverse("account_confirm_login_code")
SIGNUP = reverse("account_signup")
VERIFY = reverse("account_verify_phone")
DISTRICT_SPENT = "今天全区的短信验证码已用完，请明天再试，或致电服务台（12345）。这次没有发送短信。"
RESEND_REFUSED = "没有发送新的验证码：每个号码、每个网络的验证码都有限额，请几分钟后再试。"


def budget_spent(minutes: int) -> str:
    return f"这个号码或当前网络暂时不能再发送验证码，请 {minutes} 分钟后再试。这次没有发送短信。"


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def test_finding_6_login_codes_and_sign_ups_spend_one_budget_per_ip(settings):
    settings.SMS_BUDGET_PER_IP = "3/h"
    for number in ["13800000041", "13800000042", "13800000043"]:
        UserFactory(phone="+86" + number)
        assert from_address("10.1.1.1").post(REQUEST_CODE, {"phone": number}).status_code == 302
    assert Message.objects.filter(kind="sms_code").count() == 3
    # The login codes spent the address's budget: a sign-up with a fresh number sends nothing.
    response = from_address("10.1.1.1").post(SIGNUP, {"phone": "13800000044"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"phone": [budget_spent(60)]}
    assert not User.objects.filter(phone="+8613800000044").exists()
    assert Message.objects.count() == 3
    # And the other way round: sign-ups spend what login by code may use.
    settings.SMS_BUDGET_PER_IP = "1/h"
    assert from_address("10.2.2.2").post(SIGNUP, {"phone": "13800000045"}).status_code == 302
    response = from_address("10.2.2.2").post(REQUEST_CODE, {"phone": "13800000041"})
    assert response.context["form"].errors == {"phone": [budget_spent(60)]}
    assert Message.objects.count() == 4


def test_unregistered_numbers_spend_the_budget_like_registered_ones(settings):
    UserFactory(phone="+8613800000051")
    refused = []
    for number in ["13800000051", "13800000052"]:  # registered, unregistered
        assert from_address("10.3.3.1").post(REQUEST_CODE, {"phone": number}).status_code == 302
        response = from_address("10.3.3.2").post(REQUEST_CODE, {"phone": number})
        refused.append((response.status_code, response.context["form"].errors))
    assert refused == [(200, {"phone": [budget_spent(1)]})] * 2
    assert [sms_count("+8613800000051"), sms_count("+8613800000052")] == [1, 0]


def test_the_district_wide_daily_cap_stops_every_path(settings):
    settings.SMS_BUDGET_DISTRICT_PER_DAY = 2
    for n, number in enumerate(["13800000061", "13800000062"]):
        UserFactory(phone="+86" + number)
        # Unregistered numbers get no SMS, so they do not use up the district's codes.
        assert from_address(f"10.4.0.{n}").post(REQUEST_CODE, {"phone": f"1380000007{n}"}).status_code == 302
        assert from_address(f"10.4.1.{n}").post(REQUEST_CODE, {"phone": number}).status_code == 302
    assert Message.objects.count() == 2
    for url, number in [
        (REQUEST_CODE, "13800000061"),
        (REQUEST_CODE, "13800000079"),
        (SIGNUP, "13800000063"),
    ]:
        response = from_address("10.4.2.1").post(url, {"phone": number})
        assert response.status_code == 200
        assert response.context["form"].errors == {"phone": [DISTRICT_SPENT]}
    assert Message.objects.count() == 2
    assert not User.objects.filter(phone="+8613800000063").exists()


@pytest.mark.parametrize("path", ["login", "sign-up"])
def test_resend_spends_from_the_same_budget(client, settings, path):
    # Resend is off in the portal; switched on, it still cannot send beyond the budget.
    settings.ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
    settings.ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
    settings.SMS_BUDGET_PER_PHONE = "2/h"
    if path == "login":
        UserFactory(phone="+8613800000081")
        client.post(REQUEST_CODE, {"phone": "13800000081"})
        confirm = CONFIRM_CODE
    else:
        client.post(SIGNUP, {"phone": "13800000081"})
        confirm = VERIFY
    assert client.post(confirm, {"action": "resend"}).status_code == 302
    assert sms_count("+8613800000081") == 2
    response = client.post(confirm, {"action": "resend"}, follow=True)
    assert [str(message) for message in response.context["messages"]] == [RESEND_REFUSED]
    assert sms_count("+8613800000081") == 2
    texts = texts_to("+8613800000081")
    assert len(texts) == 2
    # The code sent last still works.
    assert client.post(confirm, {"code": CODE.search(texts[-1]).group(1)})["Location"] == (
        reverse("home") if path == "login" else reverse("profile_edit")
    )


@pytest.mark.django_db(transaction=True)
def test_a_flood_of_sends_from_one_address_sends_exactly_the_budget(settings):
    settings.SMS_BUDGET_PER_IP = "5/h"
    # Twelve requests at once: logins for registered numbers and sign-ups with fresh ones,
    # each of which would send one code.
    logins = [f"138000009{n:02d}" for n in range(0, 12, 2)]
    sign_ups = [f"138000009{n:02d}" for n in range(1, 12, 2)]
    for number in logins:
        UserFactory(phone="+86" + number)
    requests = [(REQUEST_CODE, number) for number in logins] + [(SIGNUP, number) for number in sign_ups]
    statuses: list[int] = []
    errors: list[dict] = []
    start = threading.Barrier(len(requests))

    def send(url: str, number: str) -> None:
        try:
            start.wait()
            response = from_address("10.5.5.5").post(url, {"phone": number})
            statuses.append(response.status_code)
            if response.status_code == 200:
                errors.append(response.context["form"].errors)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 7 + [302] * 5
    assert errors == [{"phone": [budget_spent(60)]}] * 7
    assert Message.objects.filter(kind="sms_code").count() == 5
    assert Message.objects.count() == 5

"""The Aliyun and Tencent Cloud backends, through their official SDKs, against local servers that
answer like the providers' APIs (tests/notifications/fake_sms_providers.py): success, throttling,
permanent refusals, timeouts, and a retry after a timeout that never sends a code twice."""

import json
import logging
import time

import pytest
from django.db import transaction

from notifications import messages
from notifications.actions import message_deliver, notify, sms_account_exists_send, sms_code_send
from notifications.backends import ChannelUnavailable, DeliveryUncertain
from notifications.models import Message
from tests.factories import UserFactory
from tests.notifications.fake_sms_providers import AcceptedSMS, FakeAliyun, FakeTencent

CODE = "482915"
PHONE = "+8613800000201"
KEY_ID = "LTAI-test-key-id"
SECRET = "test-secret-that-never-travels"

ALIYUN = "notifications.providers.aliyun.AliyunSMSBackend"
TENCENT = "notifications.providers.tencent.TencentSMSBackend"
TEMPLATES = {"code": "T-CODE", "account_exists": "T-EXISTS", "notice": "T-NOTICE"}


@pytest.fixture(autouse=True)
def _a_test_kind(monkeypatch):
    monkeypatch.setitem(messages._KINDS, "test", messages.Kind("test", "报名结果已更新", "%(text)s"))


@pytest.fixture(params=["aliyun", "tencent"])
def provider(request, settings):
    """A running fake of one provider, with the portal's backend pointed at it."""
    if request.param == "aliyun":
        server = FakeAliyun(key_id=KEY_ID, secret=SECRET)
        server.start()
        settings.SMS_BACKEND = ALIYUN
        settings.ALIYUN_SMS = {
            "access_key_id": KEY_ID,
            "access_key_secret": SECRET,
            "region": "cn-hangzhou",
            "endpoint": server.endpoint,
            "sign_name": "小哥学院",
            "templates": TEMPLATES,
            "connect_timeout_seconds": 1,
            "read_timeout_seconds": 1,
            "receipt_token": "",
        }
    else:
        server = FakeTencent(key_id=KEY_ID, secret=SECRET)
        server.start()
        settings.SMS_BACKEND = TENCENT
        settings.TENCENT_SMS = {
            "secret_id": KEY_ID,
            "secret_key": SECRET,
            "region": "ap-guangzhou",
            "endpoint": server.endpoint,
            "sdk_app_id": "1400000001",
            "sign_name": "小哥学院",
            "templates": TEMPLATES,
            "read_timeout_seconds": 1,
            "receipt_token": "",
        }
    server.name = request.param
    yield server
    server.stop()


def code_message(phone: str = PHONE) -> Message:
    user = UserFactory(phone=phone)
    with transaction.atomic():
        return sms_code_send(user=user, phone=phone, code=CODE)


def notice_message(phone: str = PHONE) -> Message:
    user = UserFactory(phone=phone)
    with transaction.atomic():
        (message,) = notify(
            user=user, kind="test", params={"text": "你的报名已录取"}, channels=[Message.Channel.SMS]
        )
    return message


def sent_variables(server, request) -> object:
    """The template variables of a SendSms request, as the provider received them."""
    if server.name == "aliyun":
        return json.loads(request.params["TemplateParam"]) if "TemplateParam" in request.params else {}
    return request.params["TemplateParamSet"]


def sent_fields(server, request) -> dict:
    if server.name == "aliyun":
        return {
            "phone": request.params["PhoneNumbers"],
            "sign": request.params["SignName"],
            "template": request.params["TemplateCode"],
            "our_id": request.params["OutId"],
        }
    return {
        "phone": request.params["PhoneNumberSet"],
        "sign": request.params["SignName"],
        "template": request.params["TemplateId"],
        "our_id": request.params["SessionContext"],
        "app": request.params["SmsSdkAppId"],
    }


def expected_fields(server, message: Message, template: str) -> dict:
    if server.name == "aliyun":
        return {"phone": "13800000201", "sign": "小哥学院", "template": template, "our_id": f"xg{message.pk}"}
    return {
        "phone": [PHONE],
        "sign": "小哥学院",
        "template": template,
        "our_id": f"xg{message.pk}",
        "app": "1400000001",
    }


def row(message: Message) -> dict:
    message.refresh_from_db()
    return {
        "status": message.status,
        "attempts": message.attempts,
        "provider": message.provider,
        "provider_message_id": message.provider_message_id,
        "send_unconfirmed": message.send_unconfirmed,
        "secret_kept": bool(message.secret_body),
        "last_error": message.last_error,
    }


def first_provider_id(server) -> str:
    return {"aliyun": "90001^0", "tencent": "2433:0000000001"}[server.name]


# --- success ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_code_goes_out_as_the_code_template_with_the_code_as_its_variable(provider):
    message = code_message()
    assert message_deliver(message_id=message.pk) is True
    (request,) = provider.requests
    assert request.action == "SendSms"
    assert sent_fields(provider, request) == expected_fields(provider, message, "T-CODE")
    assert sent_variables(provider, request) == ({"code": CODE} if provider.name == "aliyun" else [CODE])
    assert row(message) == {
        "status": Message.Status.SENT,
        "attempts": 1,
        "provider": provider.name,
        "provider_message_id": first_provider_id(provider),
        "send_unconfirmed": False,
        "secret_kept": False,
        "last_error": "",
    }


@pytest.mark.django_db
def test_a_notice_goes_out_as_the_notice_template_naming_its_subject(provider):
    message = notice_message()
    assert message_deliver(message_id=message.pk) is True
    (request,) = provider.requests
    assert sent_fields(provider, request) == expected_fields(provider, message, "T-NOTICE")
    # Tencent's variables are limited to 12 characters by default: a longer subject is cut with "…".
    subject = "报名结果已更新"
    assert sent_variables(provider, request) == (
        {"subject": subject} if provider.name == "aliyun" else [subject]
    )
    assert row(message)["status"] == Message.Status.SENT


@pytest.mark.django_db
def test_a_long_subject_is_cut_to_the_providers_variable_limit(provider, monkeypatch):
    long_subject = "你申请的学历提升补贴已经通过第二位审核人的批准并进入拨付阶段请留意短信和站内信的后续通知"
    monkeypatch.setitem(messages._KINDS, "test", messages.Kind("test", long_subject, "%(text)s"))
    message = notice_message()
    assert message_deliver(message_id=message.pk) is True
    limit = {"aliyun": 35, "tencent": 12}[provider.name]
    cut = long_subject[: limit - 1] + "…"
    (request,) = provider.requests
    assert sent_variables(provider, request) == ({"subject": cut} if provider.name == "aliyun" else [cut])


@pytest.mark.django_db
def test_the_account_exists_sms_has_no_variables(provider):
    user = UserFactory(phone=PHONE)
    with transaction.atomic():
        message = sms_account_exists_send(user=user, phone=PHONE)
    assert message_deliver(message_id=message.pk) is True
    (request,) = provider.requests
    assert sent_fields(provider, request) == expected_fields(provider, message, "T-EXISTS")
    assert sent_variables(provider, request) == ({} if provider.name == "aliyun" else [])


# --- throttling and transient errors: retried -----------------------------------------------------


@pytest.mark.django_db
def test_throttling_is_retried_and_the_retry_sends_without_asking_first(provider):
    provider.next_sends.extend(["throttled"])
    message = code_message()
    with pytest.raises(ChannelUnavailable) as raised:
        message_deliver(message_id=message.pk)
    assert not isinstance(raised.value, DeliveryUncertain)
    expected_error = {
        "aliyun": "aliyun: not accepted (isv.BUSINESS_LIMIT_CONTROL)",
        "tencent": "tencent: not accepted (LimitExceeded.PhoneNumberThirtySecondLimit)",
    }[provider.name]
    assert row(message) == {
        "status": Message.Status.PENDING,
        "attempts": 1,
        "provider": "",
        "provider_message_id": "",
        "send_unconfirmed": False,
        "secret_kept": True,
        "last_error": expected_error,
    }
    assert message_deliver(message_id=message.pk) is True  # the task's retry
    assert provider.actions() == ["SendSms", "SendSms"]
    assert [sms.variables for sms in provider.accepted] == [
        {"code": CODE} if provider.name == "aliyun" else [CODE]
    ]
    assert row(message)["status"] == Message.Status.SENT


@pytest.mark.django_db
def test_a_provider_that_cannot_be_reached_is_retried_as_never_sent(provider):
    message = code_message()
    provider.stop()  # nobody listens on the port any more
    with pytest.raises(ChannelUnavailable) as raised:
        message_deliver(message_id=message.pk)
    assert not isinstance(raised.value, DeliveryUncertain)
    assert row(message)["last_error"] == f"{provider.name}: could not connect"
    assert row(message)["send_unconfirmed"] is False


# --- permanent refusals: failed at once -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("behaviour", ["rejected", "template_rejected"])
def test_a_permanent_refusal_fails_the_message_without_retry(provider, behaviour):
    provider.next_sends.append(behaviour)
    message = code_message()
    assert message_deliver(message_id=message.pk) is False  # no exception: the task does not retry
    expected_error = {
        ("aliyun", "rejected"): "isv.MOBILE_NUMBER_ILLEGAL: 非法手机号",
        ("aliyun", "template_rejected"): "isv.SMS_TEMPLATE_ILLEGAL: 该账号下找不到对应模板",
        ("tencent", "rejected"): "InvalidParameterValue.IncorrectPhoneNumber",
        ("tencent", "template_rejected"): "FailedOperation.TemplateIncorrectOrUnapproved",
    }[(provider.name, behaviour)]
    assert row(message) == {
        "status": Message.Status.FAILED,
        "attempts": 1,
        "provider": "",
        "provider_message_id": "",
        "send_unconfirmed": False,
        "secret_kept": False,
        "last_error": expected_error,
    }
    assert message_deliver(message_id=message.pk) is False
    assert provider.actions() == ["SendSms"]


# --- no answer: the retry asks the provider before sending again -------------------------------------


@pytest.mark.django_db
def test_a_code_accepted_during_a_timeout_is_not_sent_again(provider):
    provider.next_sends.append("timeout")
    message = code_message()
    with pytest.raises(DeliveryUncertain):
        message_deliver(message_id=message.pk)
    assert row(message) == {
        "status": Message.Status.PENDING,
        "attempts": 1,
        "provider": "",
        "provider_message_id": "",
        "send_unconfirmed": True,
        "secret_kept": True,
        "last_error": f"{provider.name}: no answer (the message may have been accepted)",
    }
    assert message_deliver(message_id=message.pk) is True  # the retry finds it at the provider
    lookup = {"aliyun": "QuerySendDetails", "tencent": "PullSmsSendStatusByPhoneNumber"}[provider.name]
    assert provider.actions() == ["SendSms", lookup]
    assert len(provider.accepted) == 1
    # Aliyun's lookup has no BizId: its receipts find the row by our id instead.
    found_id = {"aliyun": "", "tencent": "2433:0000000001"}[provider.name]
    assert row(message) == {
        "status": Message.Status.SENT,
        "attempts": 2,
        "provider": provider.name,
        "provider_message_id": found_id,
        "send_unconfirmed": False,
        "secret_kept": False,
        "last_error": "",
    }


@pytest.mark.django_db
def test_a_code_lost_during_a_timeout_is_failed_rather_than_risked_twice(provider):
    provider.next_sends.append("timeout_lost")
    message = code_message()
    with pytest.raises(DeliveryUncertain):
        message_deliver(message_id=message.pk)
    assert message_deliver(message_id=message.pk) is False
    lookup = {"aliyun": "QuerySendDetails", "tencent": "PullSmsSendStatusByPhoneNumber"}[provider.name]
    assert provider.actions() == ["SendSms", lookup]
    assert row(message) == {
        "status": Message.Status.FAILED,
        "attempts": 2,
        "provider": "",
        "provider_message_id": "",
        "send_unconfirmed": False,
        "secret_kept": False,
        "last_error": "unconfirmed: an earlier attempt got no answer; a code is never sent twice",
    }


@pytest.mark.django_db
def test_a_notice_lost_during_a_timeout_is_sent_again(provider):
    provider.next_sends.append("timeout_lost")
    message = notice_message()
    with pytest.raises(DeliveryUncertain):
        message_deliver(message_id=message.pk)
    assert message_deliver(message_id=message.pk) is True
    lookup = {"aliyun": "QuerySendDetails", "tencent": "PullSmsSendStatusByPhoneNumber"}[provider.name]
    assert provider.actions() == ["SendSms", lookup, "SendSms"]
    assert row(message)["provider_message_id"] == first_provider_id(provider)


@pytest.mark.django_db
def test_a_server_error_counts_as_no_answer(provider):
    provider.next_sends.append("server_error")
    message = code_message()
    with pytest.raises(DeliveryUncertain):
        message_deliver(message_id=message.pk)
    expected_error = {
        "aliyun": "aliyun: server error 503 (ServiceUnavailable)",
        "tencent": "tencent: no answer (ServerNetworkError)",
    }[provider.name]
    assert row(message)["last_error"] == expected_error
    assert row(message)["send_unconfirmed"] is True


@pytest.mark.django_db
def test_a_worker_that_died_mid_send_counts_as_no_answer(provider):
    """A claim taken over from a dead worker (attempts > 1, no outcome recorded) asks first."""
    message = code_message()
    # As a worker that died after the provider accepted the code leaves things: the row claimed
    # once with nothing recorded, the message at the provider.
    Message.objects.filter(pk=message.pk).update(attempts=1)
    phone = "13800000201" if provider.name == "aliyun" else PHONE
    provider.accepted.append(
        AcceptedSMS(
            phone=phone,
            out_id=f"xg{message.pk}",
            provider_id="7",
            template="T-CODE",
            variables=[],
            sent_at=time.time(),
        )
    )
    assert message_deliver(message_id=message.pk) is True
    lookup = {"aliyun": "QuerySendDetails", "tencent": "PullSmsSendStatusByPhoneNumber"}[provider.name]
    assert provider.actions() == [lookup]
    assert row(message)["status"] == Message.Status.SENT


# --- secrets -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_neither_the_code_nor_the_key_secret_is_logged_or_stored_in_clear(provider, caplog):
    caplog.set_level(logging.DEBUG)
    provider.next_sends.extend(["timeout", "ok"])
    message = code_message()
    with pytest.raises(DeliveryUncertain):
        message_deliver(message_id=message.pk)
    message_deliver(message_id=message.pk)
    assert CODE not in caplog.text
    assert SECRET not in caplog.text
    message.refresh_from_db()
    assert CODE not in f"{message.body}{message.secret_body}{message.last_error}"
    for request in provider.requests:  # the secret signs requests, it never travels in them
        assert SECRET not in f"{request.headers}{request.params}{request.raw!r}"
    assert "Credential=LTAI-test-key-id" in provider.requests[0].headers["authorization"]


@pytest.mark.django_db
def test_a_wrong_secret_is_refused_by_the_provider_and_retried(provider, settings):
    name = {"aliyun": "ALIYUN_SMS", "tencent": "TENCENT_SMS"}[provider.name]
    secret_field = {"aliyun": "access_key_secret", "tencent": "secret_key"}[provider.name]
    setattr(settings, name, {**getattr(settings, name), secret_field: "not-the-secret"})
    message = code_message()
    with pytest.raises(ChannelUnavailable) as raised:
        message_deliver(message_id=message.pk)
    assert not isinstance(raised.value, DeliveryUncertain)
    expected_error = {
        "aliyun": "aliyun: refused the request 400 (SignatureDoesNotMatch)",
        "tencent": "tencent: not accepted (AuthFailure.SignatureFailure)",
    }[provider.name]
    assert row(message)["last_error"] == expected_error
    assert provider.accepted == []


# --- configuration ---------------------------------------------------------------------------------


def test_the_system_check_names_what_a_chosen_provider_lacks(settings):
    from notifications.checks import sms_provider_configured

    settings.SMS_BACKEND = TENCENT
    settings.TENCENT_SMS = {
        **settings.TENCENT_SMS,
        "secret_id": "id",
        "secret_key": "",
        "sdk_app_id": "1400000001",
        "templates": {"code": "1", "account_exists": "", "notice": "3"},
        "receipt_token": "",
    }
    assert [(problem.id, problem.msg) for problem in sms_provider_configured(None)] == [
        (
            "notifications.E002",
            "SMS_BACKEND is tencent, but TENCENT_SMS lacks: secret_key, templates['account_exists']",
        ),
        ("notifications.W001", "TENCENT_SMS has no receipt_token: every delivery receipt will be refused."),
    ]
    settings.SMS_BACKEND = "notifications.backends.RecordingSMSBackend"
    assert sms_provider_configured(None) == []


@pytest.mark.django_db
def test_the_tasks_retry_path_sends_a_code_once_through_throttling_and_a_timeout(provider):
    """The Celery task retries what the backends raise (run eagerly here: retries follow at once)."""
    from notifications.tasks import deliver

    provider.next_sends.extend(["throttled", "timeout"])
    message = code_message()
    assert deliver.apply(args=[message.pk]).state == "SUCCESS"
    lookup = {"aliyun": "QuerySendDetails", "tencent": "PullSmsSendStatusByPhoneNumber"}[provider.name]
    assert provider.actions() == ["SendSms", "SendSms", lookup]
    assert len(provider.accepted) == 1
    assert (row(message)["status"], row(message)["attempts"]) == (Message.Status.SENT, 3)


@pytest.mark.django_db
def test_the_task_does_not_retry_a_permanent_refusal(provider):
    from notifications.tasks import deliver

    provider.next_sends.append("rejected")
    message = code_message()
    assert deliver.apply(args=[message.pk]).state == "SUCCESS"
    assert provider.actions() == ["SendSms"]
    assert (row(message)["status"], row(message)["attempts"]) == (Message.Status.FAILED, 1)

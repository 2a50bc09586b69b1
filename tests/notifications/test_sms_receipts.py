"""Delivery receipts pushed by the providers to /notifications/receipts/<provider>/<token>/."""

import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from notifications.models import Message
from tests.factories import UserFactory

TOKEN = "receipt-token-0123456789abcdef"
BEIJING = ZoneInfo("Asia/Shanghai")
ALIYUN_OK = {"code": 0, "msg": "接收成功"}
TENCENT_OK = {"result": 0, "errmsg": "OK"}


@pytest.fixture(autouse=True)
def _receipt_tokens(settings):
    settings.ALIYUN_SMS = {**settings.ALIYUN_SMS, "receipt_token": TOKEN}
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "receipt_token": TOKEN}


@pytest.fixture
def provider_client():
    # Providers send no CSRF token: the endpoint must work with the checks on.
    return Client(enforce_csrf_checks=True)


def sent_sms(provider: str, provider_message_id: str, **fields) -> Message:
    user = UserFactory()
    return Message.objects.create(
        recipient=user,
        channel=Message.Channel.SMS,
        to_address=user.phone,
        kind="test",
        subject="测试",
        body="测试",
        status=Message.Status.SENT,
        provider=provider,
        provider_message_id=provider_message_id,
        **fields,
    )


def aliyun_report(biz_id: str = "90001^0", *, success: bool = True, out_id: str = "", **extra) -> dict:
    return {
        "phone_number": "13800000201",
        "send_time": "2026-12-03 10:00:00",
        "report_time": "2026-12-03 10:00:04",
        "success": success,
        "err_code": "DELIVERED" if success else "MK:0001",
        "err_msg": "用户接收成功" if success else "空号",
        "sms_size": "1",
        "biz_id": biz_id,
        "out_id": out_id,
        **extra,
    }


def tencent_report(sid: str = "2433:0000000001", *, success: bool = True, **extra) -> dict:
    return {
        "user_receive_time": "2026-12-03 10:00:05",
        "nationcode": "86",
        "mobile": "13800000201",
        "report_status": "SUCCESS" if success else "FAIL",
        "errmsg": "DELIVRD" if success else "MK:0001",
        "description": "用户短信送达成功" if success else "空号",
        "sid": sid,
        **extra,
    }


def push(client, provider: str, body, token: str = TOKEN):
    data = body if isinstance(body, bytes | str) else json.dumps(body, ensure_ascii=False)
    return client.post(
        f"/notifications/receipts/{provider}/{token}/", data=data, content_type="application/json"
    )


def delivery(message: Message) -> tuple:
    message.refresh_from_db()
    return (message.status, message.delivery_status, message.delivery_error, message.delivery_reported_at)


def beijing(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)


@pytest.mark.django_db
def test_an_aliyun_receipt_marks_the_message_delivered(provider_client, django_assert_num_queries):
    message = sent_sms("aliyun", "90001^0")
    with django_assert_num_queries(1):  # one UPDATE per receipt
        response = push(provider_client, "aliyun", [aliyun_report()])
    assert (response.status_code, response.json()) == (200, ALIYUN_OK)
    assert delivery(message) == ("sent", "delivered", "DELIVERED", beijing("2026-12-03 10:00:04"))


@pytest.mark.django_db
def test_an_aliyun_receipt_finds_a_row_without_a_biz_id_by_our_out_id(provider_client):
    """A code confirmed by the lookup after a timeout has no BizId: the receipt's out_id finds it."""
    message = sent_sms("aliyun", "")
    other = sent_sms("aliyun", "")
    response = push(
        provider_client, "aliyun", [aliyun_report("90077^0", success=False, out_id=f"xg{message.pk}")]
    )
    assert (response.status_code, response.json()) == (200, ALIYUN_OK)
    assert delivery(message) == ("sent", "undelivered", "MK:0001", beijing("2026-12-03 10:00:04"))
    assert delivery(other) == ("sent", "", "", None)


@pytest.mark.django_db
def test_a_tencent_push_with_several_receipts_updates_each_row(provider_client, django_assert_num_queries):
    delivered = sent_sms("tencent", "2433:0000000001")
    failed = sent_sms("tencent", "2433:0000000002")
    body = [tencent_report("2433:0000000001"), tencent_report("2433:0000000002", success=False)]
    with django_assert_num_queries(2):
        response = push(provider_client, "tencent", body)
    assert (response.status_code, response.json()) == (200, TENCENT_OK)
    assert delivery(delivered) == ("sent", "delivered", "DELIVRD", beijing("2026-12-03 10:00:05"))
    assert delivery(failed) == ("sent", "undelivered", "MK:0001", beijing("2026-12-03 10:00:05"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "provider, report, answer",
    [
        ("aliyun", aliyun_report, {"code": 1, "msg": "wrong receipt token"}),
        ("tencent", tencent_report, {"result": 1, "errmsg": "wrong receipt token"}),
    ],
)
@pytest.mark.parametrize("token", ["wrong-token", TOKEN[:-1], TOKEN + "x"])
def test_a_wrong_token_is_refused_and_changes_nothing(provider_client, provider, report, answer, token):
    message = sent_sms(provider, "90001^0" if provider == "aliyun" else "2433:0000000001")
    response = push(provider_client, provider, [report()], token=token)
    assert (response.status_code, response.json()) == (403, answer)
    assert delivery(message) == ("sent", "", "", None)


@pytest.mark.django_db
def test_receipts_are_refused_while_no_token_is_configured(provider_client, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "receipt_token": ""}
    message = sent_sms("tencent", "2433:0000000001")
    for token in ("x", " "):
        response = push(provider_client, "tencent", [tencent_report()], token=token)
        assert (response.status_code, response.json()) == (
            403,
            {"result": 1, "errmsg": "wrong receipt token"},
        )
    assert delivery(message) == ("sent", "", "", None)


ALIYUN_BAD_BODIES = [
    (b"not json", "the body is not JSON"),
    (b"\xff\xfe", "the body is not JSON"),
    ({"biz_id": "90001^0"}, "the body is not a JSON array of objects"),
    (["90001^0"], "the body is not a JSON array of objects"),
    ([aliyun_report(biz_id="")], "biz_id must be a non-empty string"),
    ([{**aliyun_report(), "biz_id": 90001}], "biz_id must be a non-empty string"),
    ([{k: v for k, v in aliyun_report().items() if k != "biz_id"}], "biz_id must be a non-empty string"),
    ([aliyun_report(success="true")], "success must be true or false"),
    ([aliyun_report(report_time="03/12/2026 10:00")], "report_time must read YYYY-MM-DD HH:MM:SS"),
    ([aliyun_report(out_id=5)], "out_id must be a non-empty string"),
    ([aliyun_report()] * 1001, "more than 1000 receipts"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("body, reason", ALIYUN_BAD_BODIES)
def test_a_bad_aliyun_body_is_400_and_changes_nothing(provider_client, body, reason):
    message = sent_sms("aliyun", "90001^0")
    # A bad report after a good one: the good one is not recorded either.
    if isinstance(body, list) and len(body) == 1:
        body = [aliyun_report(), *body]
    response = push(provider_client, "aliyun", body)
    assert (response.status_code, response.json()) == (400, {"code": 1, "msg": reason})
    assert delivery(message) == ("sent", "", "", None)


TENCENT_BAD_BODIES = [
    (b"", "the body is not JSON"),
    (b"[{]", "the body is not JSON"),
    ({"sid": "2433:0000000001"}, "the body is not a JSON array of objects"),
    ([tencent_report(report_status="DELIVERED")], "report_status must be SUCCESS or FAIL"),
    ([tencent_report(sid=None)], "sid must be a non-empty string"),
    ([tencent_report(sid="x" * 201)], "sid must be a non-empty string"),
    ([tencent_report(user_receive_time="yesterday")], "user_receive_time must read YYYY-MM-DD HH:MM:SS"),
    ([tencent_report(errmsg=["DELIVRD"])], "errmsg must be a non-empty string"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("body, reason", TENCENT_BAD_BODIES)
def test_a_bad_tencent_body_is_400_and_changes_nothing(provider_client, body, reason):
    message = sent_sms("tencent", "2433:0000000001")
    response = push(provider_client, "tencent", body)
    assert (response.status_code, response.json()) == (400, {"result": 1, "errmsg": reason})
    assert delivery(message) == ("sent", "", "", None)


@pytest.mark.django_db
def test_a_receipt_for_an_unknown_message_is_acknowledged_and_changes_nothing(provider_client):
    message = sent_sms("aliyun", "90001^0")
    tencent_row = sent_sms("tencent", "90002^0")  # the same id at another provider is another message
    response = push(
        provider_client, "aliyun", [aliyun_report("90002^0"), aliyun_report("1^0", out_id="xg999999")]
    )
    # Acknowledged, or the provider would push it again and again.
    assert (response.status_code, response.json()) == (200, ALIYUN_OK)
    assert delivery(message) == ("sent", "", "", None)
    assert delivery(tencent_row) == ("sent", "", "", None)


@pytest.mark.django_db
def test_a_repeated_receipt_changes_nothing(provider_client):
    message = sent_sms("tencent", "2433:0000000001")
    first = push(provider_client, "tencent", [tencent_report()])
    again = push(provider_client, "tencent", [tencent_report()])
    late_contradiction = push(
        provider_client, "tencent", [tencent_report(success=False, user_receive_time="2026-12-03 11:00:00")]
    )
    assert [r.status_code for r in (first, again, late_contradiction)] == [200, 200, 200]
    assert delivery(message) == ("sent", "delivered", "DELIVRD", beijing("2026-12-03 10:00:05"))


@pytest.mark.django_db
def test_a_receipt_never_touches_a_message_that_is_not_a_sent_sms(provider_client):
    failed = sent_sms("tencent", "2433:0000000001")
    Message.objects.filter(pk=failed.pk).update(status=Message.Status.FAILED)
    response = push(provider_client, "tencent", [tencent_report()])
    assert response.status_code == 200
    assert delivery(failed) == ("failed", "", "", None)


@pytest.mark.django_db
def test_only_post_and_only_known_providers(provider_client):
    response = provider_client.get(f"/notifications/receipts/aliyun/{TOKEN}/")
    assert (response.status_code, response.json(), response["Allow"]) == (
        405,
        {"code": 1, "msg": "receipts are POSTed"},
        "POST",
    )
    assert push(provider_client, "huawei", [aliyun_report()]).status_code == 404


@pytest.mark.django_db
def test_the_token_never_reaches_the_logs(provider_client, caplog):
    caplog.set_level(logging.DEBUG)
    sent_sms("aliyun", "90001^0")
    responses = [
        push(provider_client, "aliyun", b"not json"),
        push(provider_client, "aliyun", [aliyun_report()]),
        provider_client.get(f"/notifications/receipts/aliyun/{TOKEN}/"),
    ]
    assert [response.status_code for response in responses] == [400, 200, 405]
    assert TOKEN not in caplog.text
    assert "aliyun receipts refused: the body is not JSON" in caplog.text


@pytest.mark.django_db
def test_receipt_pushes_are_rate_limited_per_ip_before_the_token_is_compared(provider_client, settings):
    settings.SMS_RECEIPT_RATE_LIMIT_PER_IP = "2/m"
    message = sent_sms("aliyun", "90001^0")
    assert push(provider_client, "aliyun", [], token="guess-1").status_code == 403
    assert push(provider_client, "aliyun", [], token="guess-2").status_code == 403
    response = push(provider_client, "aliyun", [aliyun_report()])
    assert (response.status_code, response.json()) == (429, {"code": 1, "msg": "too many receipt pushes"})
    assert 1 <= int(response["Retry-After"]) <= 60
    assert delivery(message) == ("sent", "", "", None)

"""SMS codes are secrets (issue 13, finding 1, and its bad input).

The code reaches the phone and nothing else: not the outbox row, not the message admin,
not the session, not a log line. A code works once, for five minutes, for its own number
and login attempt only.
"""

import json
import logging

import pytest
from allauth.core import context
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from accounts import roles, sms_codes
from notifications.models import Message
from tests.accounts.sms import CODE, deliver_pending_sms, last_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REQUEST_CODE = reverse("account_request_login_code")
CONFIRM_CODE = reverse("account_confirm_login_code")
SIGNUP = reverse("account_signup")
VERIFY = reverse("account_verify_phone")
INCORRECT_CODE = "验证码不正确，请核对短信里的6位数字。"
INVALID_MOBILE = "请输入11位中国大陆手机号码，例如 138 0000 0001。"
STORED_BODY = "【小哥学院】你的验证码是******，5分钟内有效，请勿告诉他人。"


@pytest.fixture
def superuser(db):
    return UserFactory(phone="+8613900000000", is_staff=True, is_superuser=True)


@pytest.fixture
def station_staff(db):
    user = UserFactory(phone="+8613900000004", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.STATION_STAFF))
    return user


def fixed_codes(monkeypatch, *codes: str) -> None:
    """The next codes generated, in this order (to make two numbers' codes known in advance)."""
    pending = list(codes)
    monkeypatch.setattr(sms_codes, "generate_user_code", lambda **_format: pending.pop(0))


def test_finding_1_station_staff_can_neither_read_a_login_code_nor_take_over_the_account(
    client, superuser, station_staff
):
    attacker = type(client)()
    assert attacker.post(REQUEST_CODE, {"phone": "13900000000"})["Location"] == CONFIRM_CODE
    message = Message.objects.get(kind="sms_code", to_address=superuser.phone)

    client.force_login(station_staff)
    listing = client.get("/admin/notifications/message/", {"kind": "sms_code", "q": "13900000000"})
    detail = client.get(reverse("admin:notifications_message_change", args=[message.pk]))
    assert (listing.status_code, detail.status_code) == (403, 403)

    code = last_code(superuser.phone)  # the superuser's phone got it
    for page in (listing, detail):
        assert code not in page.content.decode()
    message.refresh_from_db()
    assert message.body == STORED_BODY
    assert (message.secret_body, message.status) == ("", Message.Status.SENT)
    assert CODE.findall(message.body) == []
    # With nothing to read anywhere, the attacker cannot confirm: the session stays anonymous.
    assert "_auth_user_id" not in attacker.session
    assert (
        attacker.post(CONFIRM_CODE, {"code": "000000" if code != "000000" else "111111"}).status_code == 200
    )
    assert "_auth_user_id" not in attacker.session


def test_not_even_a_superuser_or_the_support_role_reads_a_live_or_used_code(client, superuser):
    support = UserFactory(is_staff=True)
    support.groups.add(Group.objects.get(name=roles.SUPPORT))
    worker = UserFactory(phone="+8613800005678")
    client.post(REQUEST_CODE, {"phone": "13800005678"})
    live = Message.objects.get(kind="sms_code")
    assert live.body == STORED_BODY
    assert live.secret_body  # encrypted until delivery
    for reader in (superuser, support):
        reader_client = type(client)()
        reader_client.force_login(reader)
        pages = [
            reader_client.get("/admin/notifications/message/", {"q": "13800005678"}),
            reader_client.get(reverse("admin:notifications_message_change", args=[live.pk])),
        ]
        assert [page.status_code for page in pages] == [200, 200]
        assert STORED_BODY in pages[1].content.decode()
        assert live.secret_body not in pages[1].content.decode()
        code = last_code(worker.phone)
        for page in pages:
            assert code not in page.content.decode()


def test_the_session_keeps_only_a_keyed_hash_bound_to_the_number_and_the_attempt(client):
    UserFactory(phone="+8613800005678")
    client.post(REQUEST_CODE, {"phone": "13800005678"})
    code = last_code("+8613800005678")
    stored = json.dumps(dict(client.session.items()))
    assert code not in stored
    token = client.session["account_login"]["state"]["stages"]["login_by_code"]["data"]["code"]
    version, attempt, _issued, phone, digest = token.split(":")
    assert (version, phone, len(attempt), len(digest)) == ("smsc1", "+8613800005678", 16, 64)
    assert sms_codes.check(token=token, code=code, phone="+8613800005678") is sms_codes.Check.RIGHT
    assert sms_codes.check(token=token, code=code, phone="+8613800005679") is sms_codes.Check.WRONG


def test_no_log_line_shows_the_code(client, caplog):
    caplog.set_level(logging.DEBUG)
    UserFactory(phone="+8613800005678")
    client.post(REQUEST_CODE, {"phone": "13800005678"})
    deliver_pending_sms()
    code = last_code("+8613800005678")
    client.post(CONFIRM_CODE, {"code": code})
    assert int(client.session["_auth_user_id"])
    assert [record.getMessage() for record in caplog.records if code in record.getMessage()] == []


def test_a_code_sent_to_another_number_does_not_log_in(client, monkeypatch):
    fixed_codes(monkeypatch, "111111", "222222")
    UserFactory(phone="+8613800000031")
    victim = UserFactory(phone="+8613800000032")
    own_client, victim_client = type(client)(), client
    own_client.post(REQUEST_CODE, {"phone": "13800000031"})
    victim_client.post(REQUEST_CODE, {"phone": "13800000032"})
    assert last_code("+8613800000031") == "111111"
    response = victim_client.post(CONFIRM_CODE, {"code": "111111"})
    assert response.context["form"].errors == {"code": [INCORRECT_CODE]}
    assert "_auth_user_id" not in victim_client.session
    # Its own code still works (the wrong one counted as one of the five guesses).
    assert victim_client.post(CONFIRM_CODE, {"code": "222222"})["Location"] == reverse("home")
    assert int(victim_client.session["_auth_user_id"]) == victim.pk


def test_the_same_code_of_another_login_attempt_does_not_count():
    request = RequestFactory().post("/")
    with context.request_context(request):
        first = sms_codes.issue(phone="+8613800005678")
        first_code = sms_codes.take_code(first)
        second = sms_codes.issue(phone="+8613800005678")
    digest = first.split(":")[-1]
    forged = ":".join([*second.split(":")[:-1], digest])  # the first attempt's hash on the second
    assert sms_codes.check(token=forged, code=first_code) is sms_codes.Check.WRONG
    assert sms_codes.check(token=first, code=first_code) is sms_codes.Check.RIGHT
    assert sms_codes.mark_used(first) is True
    assert sms_codes.check(token=first, code=first_code) is sms_codes.Check.USED
    assert sms_codes.mark_used(first) is False
    assert sms_codes.check(token="", code=first_code) is sms_codes.Check.WRONG


@pytest.mark.parametrize(
    "typed_phone, typed_code",
    [
        ("１３８ ００００ ５６７８", "fullwidth"),
        ("＋８６ １３８－００００－５６７８", "spaced"),
        ("13800005678", "fullwidth"),
    ],
)
def test_full_width_digits_in_number_and_code_are_the_same_digits(
    client, monkeypatch, typed_phone, typed_code
):
    fixed_codes(monkeypatch, "012345")
    user = UserFactory(phone="+8613800005678")
    assert client.post(REQUEST_CODE, {"phone": typed_phone})["Location"] == CONFIRM_CODE
    assert last_code(user.phone) == "012345"
    code = {"fullwidth": "０１２３４５", "spaced": " 012 345 "}[typed_code]
    assert client.post(CONFIRM_CODE, {"code": code})["Location"] == reverse("home")
    assert int(client.session["_auth_user_id"]) == user.pk


def test_full_width_digits_at_sign_up(client, monkeypatch):
    fixed_codes(monkeypatch, "987654")
    assert client.post(SIGNUP, {"phone": "１３８００００１２３４"})["Location"] == VERIFY
    assert last_code("+8613800001234") == "987654"
    assert client.post(VERIFY, {"code": "９８７６５４"})["Location"] == reverse("profile_edit")


TOO_LONG = (
    "最多填写 20 个字（现在是 500 个字），请删减一些。"  # our wording of Django's (core/django_strings.py)
)


@pytest.mark.parametrize(
    "phone, message",
    [
        ("١٣٨٠٠٠٠٥٦٧٨", INVALID_MOBILE),  # Arabic-Indic digits: not the digits of a mainland number
        ("+86 ١٣٨٠٠٠٠٥٦٧٨", INVALID_MOBILE),
        ("13８0000567", INVALID_MOBILE),  # ten digits, one of them full-width
        ("138000056789", INVALID_MOBILE),
        pytest.param("x" * 500, TOO_LONG, id="500-characters"),
    ],
)
def test_numbers_in_other_scripts_or_lengths_are_refused_plainly(client, phone, message):
    for url in (REQUEST_CODE, SIGNUP):
        response = client.post(url, {"phone": phone})
        assert response.status_code == 200
        assert response.context["form"].errors == {"phone": [message]}
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    "code", ["", "abcdef", "１２３", pytest.param("1" * 300, id="300-digits"), "٠١٢٣٤٥", "12345\x00"]
)
def test_junk_codes_are_wrong_codes_not_errors(client, code):
    UserFactory(phone="+8613800005678")
    client.post(REQUEST_CODE, {"phone": "13800005678"})
    response = client.post(CONFIRM_CODE, {"code": code})
    assert response.status_code == 200
    expected = ["该字段是必填项。"] if code == "" else [INCORRECT_CODE]
    if code == "12345\x00":
        expected = ["不能含有空字符（NUL），请删除后再试。"]  # Django's message, our translation (locale/)
    assert response.context["form"].errors == {"code": expected}
    assert "_auth_user_id" not in client.session

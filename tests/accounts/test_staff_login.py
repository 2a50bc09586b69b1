"""Staff open admin only after a password and a second factor (TOTP or a recovery code), every login.

Through the real pages: admin's login sends people to the portal login (allauth), which asks for
the password, then the authenticator code. Failed passwords are throttled per mobile number and
per IP; every login, failure, lockout and MFA change is an audit row.
"""

import time

import pytest
from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts import roles
from accounts.models import User
from core.models import AuditEntry
from tests.factories import (
    STAFF_TOTP_SECRET,
    StaffFactory,
    UserFactory,
    give_authenticator,
    log_in_with,
    totp_code,
)

pytestmark = pytest.mark.django_db

ADMIN = "/admin/"
ADMIN_LOGIN = "/admin/login/?next=/admin/"
LOGIN = reverse("staff_login")
STAFF_LOGIN_FOR_ADMIN = f"{LOGIN}?next=%2Fadmin%2F"
MFA = reverse("mfa_authenticate")
ACTIVATE_TOTP = reverse("mfa_activate_totp")
REQUEST_CODE = reverse("account_request_login_code")
CONFIRM_CODE = reverse("account_confirm_login_code")
REAUTHENTICATE = reverse("account_reauthenticate")

WRONG_PASSWORD = "您输入的电话号码和/或密码不正确。"
LOCKED_15 = "登录失败次数过多，此账号或当前网络已被暂时锁定。请15分钟后再试，或联系系统管理员。"
CODE_WRONG = "动态验证码不正确：请输入验证器应用当前显示的6位数字，或一个恢复代码。"
CODE_LOGIN_REFUSED = (
    "工作人员账号不能用短信验证码登录。请用手机号码和密码登录，再输入验证器应用里的动态验证码。"
)
SET_UP_FIRST = "进入管理后台前，请先设置验证器应用：用它扫描二维码，再输入应用显示的6位数字。"
ADMIN_CLOSED = "当前登录不能进入管理后台。工作人员请用手机号码和密码登录，再输入验证器应用里的动态验证码。"


@pytest.fixture
def approver():
    """The demo approver's number, with an authenticator app set up."""
    user = StaffFactory(phone="+8613900000002", real_name="刘审批")
    user.groups.add(roles_group(roles.APPROVER))
    give_authenticator(user)
    return user


def roles_group(name):
    from django.contrib.auth.models import Group

    return Group.objects.get(name=name)


def log_in(client, phone="13900000002", password="xiaoge-test", **extra):
    return client.post(LOGIN, {"login": phone, "password": password, "next": ADMIN}, **extra)


def errors(response) -> dict:
    return response.context["form"].errors


def audit_rows():
    return list(AuditEntry.objects.order_by("id").values_list("action", "actor_id", "target_id", "data"))


def code_other_than(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def later(monkeypatch, seconds: float) -> None:
    at = time.time() + seconds
    monkeypatch.setattr(time, "time", lambda: at)


def test_admin_login_sends_people_to_the_portal_login(client):
    assert client.get(ADMIN)["Location"] == ADMIN_LOGIN
    assert client.get(ADMIN_LOGIN)["Location"] == STAFF_LOGIN_FOR_ADMIN
    # Another site as `next` is dropped: the login leads back to admin only.
    assert client.get("/admin/login/?next=https://evil.example/")["Location"] == STAFF_LOGIN_FOR_ADMIN


def test_admin_login_form_no_longer_checks_passwords(client, approver):
    # Admin's own form had no throttle and no second factor: a POST to it logs nobody in.
    response = client.post(
        "/admin/login/", {"username": "13900000002", "password": "xiaoge-test", "next": ADMIN}
    )
    assert response["Location"] == STAFF_LOGIN_FOR_ADMIN
    assert "_auth_user_id" not in client.session
    assert audit_rows() == []


def test_staff_log_in_with_password_then_authenticator_code(client, approver):
    response = log_in(client)
    assert response["Location"] == MFA
    # The password alone is no session: admin stays closed.
    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN)["Location"] == ADMIN_LOGIN

    response = client.post(MFA, {"code": totp_code()})
    assert response["Location"] == ADMIN
    assert int(client.session["_auth_user_id"]) == approver.pk
    assert client.get(ADMIN).status_code == 200
    assert audit_rows() == [
        (
            "auth.login",
            approver.pk,
            str(approver.pk),
            {"first_factor": "password", "second_factor": "totp", "ip": "127.0.0.1"},
        )
    ]


@pytest.mark.parametrize("typed", ["wrong", "", "abcdef", "12345", "1234567", "１２３４５６"])
def test_a_wrong_authenticator_code_keeps_admin_closed(client, approver, typed):
    code = totp_code()
    wrong = {"wrong": code_other_than(code)}.get(typed, typed)
    if typed == "１２３４５６" and code == "123456":
        wrong = "６５４３２１"
    log_in(client)
    response = client.post(MFA, {"code": wrong})
    assert response.status_code == 200
    assert errors(response) == {"code": ["该字段是必填项。" if typed == "" else CODE_WRONG]}
    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN)["Location"] == ADMIN_LOGIN
    failures = [] if typed == "" else [("auth.login_failed", None, str(approver.pk))]
    assert [row[:3] for row in audit_rows()] == failures


def test_five_wrong_authenticator_codes_lock_the_second_step_too(client, approver):
    code = totp_code()
    log_in(client)
    for _attempt in range(5):
        assert errors(client.post(MFA, {"code": code_other_than(code)})) == {"code": [CODE_WRONG]}
    response = client.post(MFA, {"code": code})
    assert errors(response) == {"code": [LOCKED_15]}
    assert "_auth_user_id" not in client.session
    failed = (
        "auth.login_failed",
        None,
        str(approver.pk),
        {"stage": "second_factor", "ip": "127.0.0.1", "reauthentication": False},
    )
    lockout = (
        "auth.lockout",
        None,
        str(approver.pk),
        {"stage": "second_factor", "ip": "127.0.0.1", "minutes": 15},
    )
    assert audit_rows() == [failed] * 5 + [lockout]


def test_full_width_digits_of_the_right_code_are_accepted(client, approver):
    log_in(client)
    full_width = totp_code().translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert client.post(MFA, {"code": full_width})["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_a_code_is_good_for_one_login_only(client, approver):
    code = totp_code()
    log_in(client)
    assert client.post(MFA, {"code": code})["Location"] == ADMIN
    client.post(reverse("account_logout"))
    log_in(client)
    response = client.post(MFA, {"code": code})
    assert errors(response) == {"code": [CODE_WRONG]}
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_stands_in_for_the_app_once(client):
    staff = StaffFactory(phone="+8613900000001")
    recovery = give_authenticator(staff)
    log_in(client, "13900000001")
    assert client.post(MFA, {"code": recovery[0]})["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200
    assert [(action, data) for action, _actor, _target, data in audit_rows()] == [
        ("mfa.recovery_code_used", {"ip": "127.0.0.1", "unused_left": 9}),
        ("auth.login", {"first_factor": "password", "second_factor": "recovery_codes", "ip": "127.0.0.1"}),
    ]
    client.post(reverse("account_logout"))
    log_in(client, "13900000001")
    assert errors(client.post(MFA, {"code": recovery[0]})) == {"code": [CODE_WRONG]}


def test_thirty_wrong_passwords_then_the_right_one_is_refused_until_the_lockout_ends(
    client, approver, monkeypatch
):
    """Finding 2 of issue 13: before, /admin/login/ had no throttle and the right password logged in."""
    for attempt in range(30):
        response = log_in(client, password=f"guess-{attempt}")
        assert response.status_code == 200
        assert errors(response) == {"__all__": [WRONG_PASSWORD if attempt < 5 else LOCKED_15]}
    response = log_in(client)
    assert errors(response) == {"__all__": [LOCKED_15]}
    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN)["Location"] == ADMIN_LOGIN
    failed = ("auth.login_failed", None, str(approver.pk), {"stage": "password", "ip": "127.0.0.1"})
    lockout = (
        "auth.lockout",
        None,
        str(approver.pk),
        {"stage": "password", "ip": "127.0.0.1", "minutes": 15},
    )
    assert audit_rows() == [failed] * 5 + [lockout]

    later(monkeypatch, 14 * 60)
    assert errors(log_in(client)) == {"__all__": [LOCKED_15]}
    later(monkeypatch, 15 * 60 + 1)
    assert log_in(client)["Location"] == MFA
    assert client.post(MFA, {"code": totp_code(at=time.time())})["Location"] == ADMIN


def test_the_lockout_message_in_english(client, approver):
    client.cookies.load({"django_language": "en"})
    for attempt in range(6):
        response = log_in(client, password=f"guess-{attempt}")
    assert errors(response) == {
        "__all__": [
            "Too many failed logins for this account or from this network. Please try again in "
            "15 minutes, or ask the system administrator for help."
        ]
    }


def test_one_persons_typos_do_not_lock_another_account(client, approver):
    other = StaffFactory(phone="+8613900000001")
    give_authenticator(other)
    for attempt in range(6):
        log_in(client, password=f"guess-{attempt}")
    assert log_in(client, "13900000001")["Location"] == MFA


def test_failed_logins_are_throttled_per_ip(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "5/15m/key,3/h/ip"}
    staff = [StaffFactory(phone=f"+861390000001{n}") for n in range(4)]
    for user in staff[:3]:
        assert errors(log_in(client, user.phone, "wrong")) == {"__all__": [WRONG_PASSWORD]}
    # The fourth account's right password, from the same address: refused for the hour.
    response = log_in(client, staff[3].phone)
    assert errors(response) == {
        "__all__": ["登录失败次数过多，此账号或当前网络已被暂时锁定。请60分钟后再试，或联系系统管理员。"]
    }
    assert "_auth_user_id" not in client.session
    # From another address the same password is fine.
    assert log_in(type(client)(REMOTE_ADDR="10.0.0.9"), staff[3].phone)["Location"] == ADMIN
    assert [row[0] for row in audit_rows()] == ["auth.login_failed"] * 3 + ["auth.lockout", "auth.login"]


def test_a_failed_login_for_a_number_nobody_has_is_audited_masked(client):
    response = log_in(client, "13912345678", "whatever")
    assert errors(response) == {"__all__": [WRONG_PASSWORD]}
    assert audit_rows() == [
        ("auth.login_failed", None, "", {"stage": "password", "ip": "127.0.0.1", "phone": "139****5678"})
    ]


class CodesOnThePhone:
    """The SMS codes that reached the phones, read as a person reads them (tests/accounts/sms.py)."""

    def __init__(self) -> None:
        from notifications.backends import RecordingSMSBackend

        self.outbox = RecordingSMSBackend.outbox

    def _codes(self) -> list[str]:
        from tests.accounts.sms import CODE, deliver_pending_sms

        deliver_pending_sms()
        return [match.group(1) for sms in self.outbox if (match := CODE.search(sms.text))]

    def __len__(self) -> int:
        return len(self._codes())

    def __getitem__(self, index: int) -> str:
        return self._codes()[index]


@pytest.fixture
def sms_codes(sms_outbox) -> CodesOnThePhone:
    return CodesOnThePhone()


def test_a_staff_member_with_an_sms_code_alone_never_reaches_admin(client, approver, sms_codes):
    """Finding 2 of issue 13: before, staff logged in with an SMS code and admin opened."""
    client.post(REQUEST_CODE, {"phone": "13900000002"})
    assert len(sms_codes) == 1
    response = client.post(CONFIRM_CODE, {"code": sms_codes[0]})
    assert response["Location"] == LOGIN
    assert [str(m) for m in get_messages(response.wsgi_request)][-1] == CODE_LOGIN_REFUSED
    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN)["Location"] == ADMIN_LOGIN
    assert client.get("/me/")["Location"].startswith(reverse("account_request_login_code"))
    assert audit_rows() == [
        (
            "auth.login_refused",
            None,
            str(approver.pk),
            {"reason": "staff_without_password", "ip": "127.0.0.1"},
        )
    ]


def test_a_superuser_without_staff_flag_is_refused_the_sms_code_too(client, sms_codes):
    UserFactory(phone="+8613900000008", is_superuser=True)
    client.post(REQUEST_CODE, {"phone": "13900000008"})
    assert client.post(CONFIRM_CODE, {"code": sms_codes[0]})["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_a_workers_sms_code_login_is_audited(client, sms_codes):
    worker = UserFactory(phone="+8613800005678")
    client.post(REQUEST_CODE, {"phone": "13800005678"})
    assert client.post(CONFIRM_CODE, {"code": sms_codes[0]})["Location"] == reverse("home")
    assert audit_rows() == [
        (
            "auth.login",
            worker.pk,
            str(worker.pk),
            {"first_factor": "code", "second_factor": "", "ip": "127.0.0.1"},
        )
    ]
    # A worker's session never opens admin, whatever it holds.
    assert client.get(ADMIN_LOGIN).status_code == 403


def test_a_wrong_sms_code_is_audited(client, sms_codes):
    worker = UserFactory(phone="+8613800005678")
    client.post(REQUEST_CODE, {"phone": "13800005678"})
    client.post(CONFIRM_CODE, {"code": code_other_than(sms_codes[0])})
    assert audit_rows() == [
        (
            "auth.login_failed",
            None,
            str(worker.pk),
            {"stage": "sms_code", "ip": "127.0.0.1", "last_attempt": False},
        )
    ]


@pytest.mark.parametrize("methods", [("password",), ("code",), ("code", "mfa"), ()])
def test_a_session_without_password_and_second_factor_cannot_open_admin(client, approver, methods):
    log_in_with(client, approver, *methods)
    assert client.get(ADMIN)["Location"] == ADMIN_LOGIN
    response = client.get(ADMIN_LOGIN)
    assert response.status_code == 403
    body = response.content.decode()
    assert f'<p class="errornote">{ADMIN_CLOSED}</p>' in body
    assert '<input type="submit" value="退出并重新登录">' in body
    assert '<input type="hidden" name="next" value="/admin/">' in body
    assert "审批" not in body and "subsidies" not in body  # no app list, no name
    assert client.get("/admin/subsidies/")["Location"] == "/admin/login/?next=/admin/subsidies/"
    # Staff pages outside admin are closed to such a session too (accounts/middleware.py).
    assert client.get("/rewards/handover/")["Location"] == "/admin/login/?next=/rewards/handover/"
    assert client.get("/me/")["Location"] == "/admin/login/?next=/me/"


def test_a_worker_session_sees_the_same_closed_door(client):
    log_in_with(client, UserFactory(), "code")
    response = client.get(ADMIN_LOGIN)
    assert response.status_code == 403
    assert f'<p class="errornote">{ADMIN_CLOSED}</p>' in response.content.decode()


def test_a_staff_member_without_an_authenticator_sets_it_up_before_admin_opens(
    client, django_capture_on_commit_callbacks
):
    staff = StaffFactory(phone="+8613900000001")
    response = log_in(client, "13900000001")
    assert response["Location"] == ADMIN
    assert client.get(ADMIN)["Location"] == ADMIN_LOGIN
    response = client.get(ADMIN_LOGIN)
    assert response["Location"] == ACTIVATE_TOTP
    assert [str(m) for m in get_messages(response.wsgi_request)][-1] == SET_UP_FIRST
    assert client.get("/admin/subsidies/")["Location"] == "/admin/login/?next=/admin/subsidies/"
    assert client.get("/me/")["Location"] == "/admin/login/?next=/me/"

    # allauth asks for the password once more before an authenticator is added.
    confirm_password = f"{REAUTHENTICATE}?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
    assert client.get(ACTIVATE_TOTP)["Location"] == confirm_password
    assert client.post(confirm_password, {"password": "xiaoge-test"})["Location"] == ACTIVATE_TOTP
    page = client.get(ACTIVATE_TOTP)
    secret = client.session[SECRET_SESSION_KEY]
    assert secret in page.content.decode()
    assert errors(client.post(ACTIVATE_TOTP, {"code": code_other_than(totp_code(secret))})) == {
        "code": [CODE_WRONG]
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ACTIVATE_TOTP, {"code": totp_code(secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    codes_page = client.get(response["Location"]).content.decode()
    assert '<a class="button primary" href="/admin/">继续进入管理后台</a>' in codes_page
    assert client.get(ADMIN).status_code == 200
    assert client.get("/me/").status_code == 200
    assert [(action, data) for action, _actor, _target, data in audit_rows()] == [
        ("auth.login", {"first_factor": "password", "second_factor": "", "ip": "127.0.0.1"}),
        ("mfa.totp_activated", {"ip": "127.0.0.1"}),
        ("mfa.recovery_codes_generated", {"ip": "127.0.0.1"}),
    ]
    # The stored secret is encrypted at rest.
    totp = Authenticator.objects.get(user=staff, type=Authenticator.Type.TOTP)
    assert secret not in str(totp.data)
    assert totp.wrap().validate_code(totp_code(secret, at=time.time() + 30))


def test_turning_the_authenticator_off_and_new_recovery_codes_are_audited(
    client, approver, django_capture_on_commit_callbacks
):
    client.force_login(approver)
    client.post(REAUTHENTICATE, {"password": "xiaoge-test"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_generate_recovery_codes"))
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_deactivate_totp"))
    assert response["Location"] == reverse("mfa_index")
    assert not Authenticator.objects.filter(user=approver).exists()
    assert audit_rows() == [
        (
            "mfa.recovery_codes_generated",
            approver.pk,
            str(approver.pk),
            {"ip": "127.0.0.1", "regenerated": True},
        ),
        ("mfa.totp_deactivated", approver.pk, str(approver.pk), {"ip": "127.0.0.1"}),
        ("mfa.recovery_codes_removed", approver.pk, str(approver.pk), {"ip": "127.0.0.1"}),
    ]


def test_authenticators_in_admin_are_read_only_and_a_removal_is_audited(client, approver):
    superuser = StaffFactory(is_superuser=True)
    client.force_login(superuser)
    totp = Authenticator.objects.get(user=approver, type=Authenticator.Type.TOTP)
    url = reverse("admin:accounts_staffauthenticator_change", args=[totp.pk])
    page = client.get(url).content.decode()
    assert STAFF_TOTP_SECRET not in page and totp.data["secret"] not in page
    assert client.post(url, {"type": "totp"}).status_code == 403
    assert client.get(reverse("admin:accounts_staffauthenticator_add")).status_code == 403
    response = client.post(
        reverse("admin:accounts_staffauthenticator_delete", args=[totp.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert list(Authenticator.objects.filter(user=approver).values_list("type", flat=True)) == [
        "recovery_codes"
    ]
    assert audit_rows() == [("mfa.removed_by_staff", superuser.pk, str(approver.pk), {"type": "totp"})]


def test_the_per_account_throttle_is_keyed_by_the_mobile_number(rf):
    from accounts.adapter import AccountAdapter

    adapter = AccountAdapter(rf.post("/"))
    assert (
        adapter._get_login_attempts_cache_key(rf.post("/"), phone="+8613900000002") == "phone:+8613900000002"
    )
    # allauth's own key has no phone in it: every phone login would share one counter.
    assert DefaultAccountAdapter(rf.post("/"))._get_login_attempts_cache_key(
        rf.post("/"), phone="+8613900000002"
    ) == DefaultAccountAdapter(rf.post("/"))._get_login_attempts_cache_key(
        rf.post("/"), phone="+8613900000001"
    )


def test_a_new_workers_first_login_at_sign_up_is_audited(client, sms_codes):
    client.post(reverse("account_signup"), {"phone": "13800001234"})
    client.post(reverse("account_verify_phone"), {"code": sms_codes[0]})
    worker = User.objects.get(phone="+8613800001234")
    assert int(client.session["_auth_user_id"]) == worker.pk
    assert audit_rows() == [
        (
            "auth.login",
            worker.pk,
            str(worker.pk),
            {"first_factor": "signup", "second_factor": "", "ip": "127.0.0.1"},
        )
    ]

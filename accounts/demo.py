"""Demo workers and staff (called by `manage.py seed_demo`)."""

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.models import Group

from accounts import idcard, roles
from accounts.actions import profile_save
from accounts.demo_totp import DEMO_STAFF_TOTP
from accounts.models import Education, Occupation, Street, User
from core import audit
from notifications.actions import notify
from notifications.models import Message

DEMO_PASSWORD = "xiaoge-demo"  # noqa: S105  (documented demo credential, demo mode only)


def demo_id_number(region: str, born: str, sequence: str) -> str:
    first17 = region + born + sequence
    return first17 + idcard.check_character(first17)


# Heterogeneous rows (text, choices, booleans, lists), read by key.
WORKERS: list[dict[str, Any]] = [
    {
        "phone": "13800000001",
        "real_name": "张伟",
        "occupation": Occupation.COURIER,
        "platform": "顺丰速运",
        "street": Street.XIXI,
        "months_in_trade": 38,
        "education": Education.SENIOR_HIGH,
        "id_number": demo_id_number("330106", "19950312", "123"),
    },
    {
        "phone": "13800000002",
        "real_name": "李娜",
        "occupation": Occupation.FOOD_DELIVERY,
        "platform": "美团",
        "street": Street.JIANGCUN,
        "months_in_trade": 26,
        "education": Education.ASSOCIATE,
        "id_number": demo_id_number("330106", "19980721", "244"),
    },
    {
        "phone": "13800000003",
        "real_name": "王强",
        "occupation": Occupation.RIDE_HAILING,
        "platform": "滴滴出行",
        "street": Street.CUIYUAN,
        "months_in_trade": 54,
        "education": Education.SENIOR_HIGH,
        "id_number": demo_id_number("330104", "19900105", "317"),
    },
]

STAFF: list[dict[str, Any]] = [
    {"phone": "13900000000", "real_name": "系统管理员", "superuser": True, "groups": []},
    {"phone": "13900000001", "real_name": "陈审核", "superuser": False, "groups": [roles.CHECKER]},
    {"phone": "13900000002", "real_name": "刘审批", "superuser": False, "groups": [roles.APPROVER]},
    {"phone": "13900000005", "real_name": "孙客服", "superuser": False, "groups": [roles.SUPPORT]},
]


def demo_user(phone: str, real_name: str = "") -> User:
    """The demo account with this local number, created on first use."""
    user = User.objects.filter(phone="+86" + phone).first()
    if user is None:
        user = User.objects.create_user(phone, DEMO_PASSWORD, real_name=real_name, phone_verified=True)
    return user


def seed(*, stdout) -> None:
    for spec in STAFF:
        user = demo_user(spec["phone"], spec["real_name"])
        user.is_staff = True
        user.is_superuser = spec["superuser"]
        user.save(update_fields=["is_staff", "is_superuser"])
        user.groups.set(Group.objects.filter(name__in=spec["groups"]))
    for spec in WORKERS:
        spec = dict(spec)
        user = demo_user(spec.pop("phone"), spec["real_name"])
        if not hasattr(user, "profile"):
            profile_save(user=user, sensitive_data_consent=True, **spec)
        if not Message.objects.filter(recipient=user, kind="welcome").exists():
            notify(
                user=user,
                kind="welcome",
                channels=[Message.Channel.INBOX],
            )
    stdout.write("  accounts: 3 workers, 4 staff")


def seed_staff_authenticators(*, stdout) -> None:
    """Each demo staff member gets an authenticator with the fixed demo secret, and recovery codes.

    Runs after every app's seed (some apps make their own demo staff). Never in production: a
    secret printed in the README must not guard a real admin.
    """
    if settings.PRODUCTION:
        stdout.write("  staff second factor: not seeded in production (each sets it up at first login)")
        return
    for phone, (_who, secret) in DEMO_STAFF_TOTP.items():
        user = User.objects.filter(phone="+86" + phone, is_staff=True).first()
        if user is None or Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            continue
        TOTP.activate(user, secret)
        RecoveryCodes.activate(user)
        for action in ("mfa.totp_activated", "mfa.recovery_codes_generated"):
            audit.record(actor=None, action=action, target=user, data={"demo": True})
    stdout.write("  staff second factor: demo authenticator secrets (make demo-totp prints the codes)")

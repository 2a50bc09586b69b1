"""The demo staff's second factor: fixed demo secrets, seeded in demo mode only, printed by the launcher."""

import io
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import validate_totp_code

from accounts.demo import seed_staff_authenticators
from accounts.demo_totp import DEMO_STAFF_TOTP, code_at, table
from accounts.models import User
from config.launcher import demo_totp_table
from core import crypto
from core.models import AuditEntry
from tests.factories import StaffFactory, UserFactory, totp_code

pytestmark = pytest.mark.django_db


def test_demo_codes_are_the_codes_allauth_accepts():
    now = time.time()
    for _who, secret in DEMO_STAFF_TOTP.values():
        assert code_at(secret, now) == totp_code(secret, at=now)
        assert validate_totp_code(secret, code_at(secret, now))
        assert not validate_totp_code(secret, code_at(secret, now + 120))


def test_code_at_follows_rfc_6238():
    # RFC 6238, appendix B: the SHA-1 secret "12345678901234567890", T = 59 s, last 6 of 94287082.
    assert code_at("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59) == "287082"
    assert code_at("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 1111111109) == "081804"


def test_the_table_names_every_demo_staff_member_with_a_code():
    at = 1_700_000_005.0  # 25 s into its 30 s step: 5 s left
    printed = table(at)
    assert printed.splitlines()[0] == (
        "  Demo staff authenticator codes (TOTP), valid for 5 s more (and the 30 s after);"
        " `make demo-totp` prints new ones:"
    )
    for phone, (who, secret) in DEMO_STAFF_TOTP.items():
        assert f"    {phone}  {code_at(secret, at)}  secret {secret}  {who}" in printed.splitlines()
    assert "13900000000" in demo_totp_table()


def test_each_demo_staff_member_gets_the_demo_secret_once():
    for phone in DEMO_STAFF_TOTP:
        StaffFactory(phone="+86" + phone)
    out = io.StringIO()
    seed_staff_authenticators(stdout=out)
    assert (
        out.getvalue()
        == "  staff second factor: demo authenticator secrets (make demo-totp prints the codes)"
    )
    for phone, (_who, secret) in DEMO_STAFF_TOTP.items():
        user = User.objects.get(phone="+86" + phone)
        totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        assert crypto.decrypt(totp.data["secret"]) == secret  # stored encrypted
        assert totp.data["secret"] != secret
        assert totp.wrap().validate_code(code_at(secret, time.time()))
        assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()
        assert list(
            AuditEntry.objects.filter(target_id=str(user.pk), action__startswith="mfa.")
            .order_by("id")
            .values_list("action", "data")
        ) == [("mfa.totp_activated", {"demo": True}), ("mfa.recovery_codes_generated", {"demo": True})]
    # Idempotent: a second run adds nothing.
    authenticators, rows = Authenticator.objects.count(), AuditEntry.objects.count()
    seed_staff_authenticators(stdout=io.StringIO())
    assert (Authenticator.objects.count(), AuditEntry.objects.count()) == (authenticators, rows)


def test_no_demo_secret_in_production(settings):
    settings.PRODUCTION = True
    StaffFactory(phone="+8613900000000")
    out = io.StringIO()
    seed_staff_authenticators(stdout=out)
    assert (
        out.getvalue() == "  staff second factor: not seeded in production (each sets it up at first login)"
    )
    assert not Authenticator.objects.exists()


def test_a_demo_number_that_is_not_staff_gets_no_authenticator():
    UserFactory(phone="+8613900000001")
    seed_staff_authenticators(stdout=io.StringIO())
    assert not Authenticator.objects.exists()

import time

import factory
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.conf import settings
from django.test import Client, RequestFactory

from accounts import idcard
from accounts.models import Consent, Education, Occupation, Street, User, WorkerProfile
from core import crypto
from core.privacy import masked_id_number

DEMO_PASSWORD = "xiaoge-test"


def valid_id_number(region: str = "330106", born: str = "19950312", sequence: str = "123") -> str:
    first17 = region + born + sequence
    return first17 + idcard.check_character(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    phone = factory.Sequence(lambda n: f"+86137{n:08d}")
    real_name = factory.Sequence(lambda n: f"测试{n}")
    phone_verified = True
    password = factory.PostGenerationMethodCall("set_password", DEMO_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    is_staff = True


class WorkerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkerProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    occupation = Occupation.COURIER
    platform = "顺丰速运"
    street = Street.XIXI
    months_in_trade = 24
    education = Education.SENIOR_HIGH

    class Params:
        # Unique past the thousandth profile of a session too: the region moves on for each
        # thousand (a long run had two profiles with one ID number); the birth date, which the
        # rosters show, stays the same for every profile.
        id_number = factory.Sequence(
            lambda n: valid_id_number(region=f"3301{6 + n // 1000:02d}", sequence=f"{n % 1000:03d}")
        )

    @factory.lazy_attribute
    def id_number_encrypted(self):
        return crypto.encrypt(self.id_number)

    @factory.lazy_attribute
    def id_number_hash(self):
        return crypto.lookup_hash(self.id_number)

    @factory.lazy_attribute
    def id_number_masked(self):
        return masked_id_number(self.id_number)

    @factory.lazy_attribute
    def birth_date(self):
        return idcard.birth_date_of(self.id_number)

    @factory.lazy_attribute
    def sex(self):
        return idcard.sex_of(self.id_number)

    @factory.post_generation
    def consent(obj, create, extracted, **kwargs):
        if create:
            Consent.objects.create(
                user=obj.user,
                purpose=Consent.Purpose.SENSITIVE_DATA,
                notice_version=settings.SENSITIVE_DATA_NOTICE_VERSION,
            )


# --- Staff: the second factor (accounts/staff_auth.py) ------------------------------------------

STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# Django's own force_login, kept before tests/conftest.py makes force_login add the second factor.
DJANGO_FORCE_LOGIN = Client.force_login


def give_authenticator(user: User, secret: str = STAFF_TOTP_SECRET) -> list[str]:
    """Set up the user's authenticator app (TOTP with this secret) and recovery codes; returns the codes."""
    TOTP.activate(user, secret)
    return RecoveryCodes.activate(user).generate_codes()


def totp_code(secret: str = STAFF_TOTP_SECRET, *, at: float | None = None) -> str:
    """The code the authenticator app shows now (or at `at`), computed by allauth itself."""
    return format_hotp_value(hotp_value(secret, int(time.time() if at is None else at) // 30))


def log_in_with(client: Client, user: User, *methods: str) -> None:
    """Django's force_login, with the session recording these login methods ("password", "code", "mfa").

    Admin opens only for a session that holds "password" and "mfa", which is what the real login
    writes after the password and the authenticator code: log_in_with(client, staff, "password",
    "mfa") is a staff session that passed the second factor, and plain client.force_login(staff)
    does the same in every test (tests/conftest.py).
    """
    DJANGO_FORCE_LOGIN(client, user)
    session = client.session
    request = RequestFactory().post("/")
    request.session = session
    for method in methods:
        record_authentication(request, user, method, **({"type": "totp"} if method == "mfa" else {}))
    session.save()


def staff_in(*groups: str, **fields) -> User:
    """A staff member in the given role groups (accounts.roles), as the actions check permissions."""
    from django.contrib.auth.models import Group

    user = StaffFactory(**fields)
    user.groups.add(*Group.objects.filter(name__in=groups))
    return user

from django.db.models import QuerySet

from accounts.models import Consent, User, WorkerProfile
from core import crypto


def user_by_phone(*, phone: str) -> User | None:
    return User.objects.filter(phone=phone, is_active=True).first()


def profile_for(*, user: User) -> WorkerProfile | None:
    return WorkerProfile.objects.select_related("user").filter(user=user).first()


def profile_with_id_number(*, id_number: str) -> WorkerProfile | None:
    """Find a profile by resident ID number through its keyed hash (the number itself is encrypted)."""
    return (
        WorkerProfile.objects.select_related("user")
        .filter(id_number_hash=crypto.lookup_hash(id_number))
        .first()
    )


def live_consents(*, user: User, purpose: str) -> QuerySet[Consent]:
    return Consent.objects.filter(user=user, purpose=purpose, withdrawn_at__isnull=True)


def has_sensitive_data_consent(*, user: User, notice_version: str) -> bool:
    return (
        live_consents(user=user, purpose=Consent.Purpose.SENSITIVE_DATA)
        .filter(notice_version=notice_version)
        .exists()
    )


def consents_of(*, user: User) -> QuerySet[Consent]:
    return Consent.objects.filter(user=user).order_by("-agreed_at")

"""Writes of the accounts app."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import idcard
from accounts.models import Consent, User, WorkerProfile
from accounts.selectors import has_sensitive_data_consent, profile_with_id_number
from core import audit, crypto, ratelimit
from core.exceptions import ApplicationError
from core.privacy import masked_id_number

ID_NUMBER_TAKEN = _(
    "This ID number is already linked to another account. If it is yours, bring your ID card to any "
    "courier station (小哥驿站) or call the service desk (%(phone)s): staff will check it with you."
)
ID_NUMBER_CHECKS_SPENT = _(
    "You have tried too many ID numbers for now: please try again later. If your number is refused, "
    "bring your ID card to any courier station (小哥驿站) or call the service desk (%(phone)s)."
)
CONSENT_REQUIRED = _("To save your ID number we need your separate consent: please tick the box below.")


class IdNumberTaken(ApplicationError):
    field = "id_number"


class IdNumberChecksSpent(ApplicationError):
    field = "id_number"
    status_code = 429


class ConsentRequired(ApplicationError):
    field = "sensitive_data_consent"


def consent_record(*, user: User, purpose: str, notice_version: str) -> Consent:
    consent, _created = Consent.objects.get_or_create(
        user=user, purpose=purpose, notice_version=notice_version, withdrawn_at=None
    )
    return consent


def _id_number_taken(*, user: User, holder_profile_id: int | None) -> IdNumberTaken:
    # Audited, and outside the profile's transaction, so the row stays when the save is refused.
    audit.record(
        actor=user,
        action="profile.id_number_taken",
        target=user,
        data={"holder_profile_id": holder_profile_id},
    )
    return IdNumberTaken(str(ID_NUMBER_TAKEN) % {"phone": settings.SERVICE_DESK_PHONE})


def _id_number_check(*, user: User, id_number: str) -> None:
    """Is this new ID number free? Each check counts, so nobody can probe who has an account."""
    verdict = ratelimit.consume(
        None,
        action="id_number_check",
        rates=ratelimit.with_per(settings.ID_NUMBER_CHECK_RATE_LIMIT, "key"),
        key=f"user:{user.pk}",
    )
    if not verdict.allowed:
        raise IdNumberChecksSpent(str(ID_NUMBER_CHECKS_SPENT) % {"phone": settings.SERVICE_DESK_PHONE})
    owner = profile_with_id_number(id_number=id_number)
    if owner is not None and owner.user_id != user.pk:
        raise _id_number_taken(user=user, holder_profile_id=owner.pk)


def profile_save(
    *,
    user: User,
    real_name: str,
    occupation: str,
    platform: str,
    street: str,
    months_in_trade: int,
    education: str,
    id_number: str = "",
    sensitive_data_consent: bool = False,
) -> WorkerProfile:
    """Create or update the worker's profile. A new ID number needs separate consent."""
    notice_version = settings.SENSITIVE_DATA_NOTICE_VERSION
    if id_number:
        id_number = idcard.normalize_id_number(id_number)
        if not (
            sensitive_data_consent or has_sensitive_data_consent(user=user, notice_version=notice_version)
        ):
            raise ConsentRequired(str(CONSENT_REQUIRED))
        on_file = WorkerProfile.objects.filter(user=user).values_list("id_number_hash", flat=True).first()
        if crypto.lookup_hash(id_number) != on_file:
            _id_number_check(user=user, id_number=id_number)
    try:
        return _profile_write(
            user=user,
            real_name=real_name,
            occupation=occupation,
            platform=platform,
            street=street,
            months_in_trade=months_in_trade,
            education=education,
            id_number=id_number,
            sensitive_data_consent=sensitive_data_consent,
        )
    except IntegrityError as error:  # two accounts racing for the same number: the unique hash decides
        raise _id_number_taken(user=user, holder_profile_id=None) from error


@transaction.atomic(durable=True)
def _profile_write(
    *,
    user: User,
    real_name: str,
    occupation: str,
    platform: str,
    street: str,
    months_in_trade: int,
    education: str,
    id_number: str,
    sensitive_data_consent: bool,
) -> WorkerProfile:
    profile = WorkerProfile.objects.select_for_update().filter(user=user).first() or WorkerProfile(user=user)
    if sensitive_data_consent:
        consent_record(
            user=user,
            purpose=Consent.Purpose.SENSITIVE_DATA,
            notice_version=settings.SENSITIVE_DATA_NOTICE_VERSION,
        )

    user.real_name = real_name
    user.save(update_fields=["real_name"])
    profile.occupation = occupation
    profile.platform = platform
    profile.street = street
    profile.months_in_trade = months_in_trade
    profile.education = education
    changed_id = bool(id_number) and crypto.lookup_hash(id_number) != profile.id_number_hash
    if changed_id:
        profile.id_number_encrypted = crypto.encrypt(id_number)
        profile.id_number_hash = crypto.lookup_hash(id_number)
        profile.id_number_masked = masked_id_number(id_number)
        profile.birth_date = idcard.birth_date_of(id_number)
        profile.sex = idcard.sex_of(id_number)
    profile.save()
    audit.record(
        actor=user,
        action="profile.save",
        target=profile,
        data={"id_number_changed": changed_id},
    )
    return profile


CONSENT_NOT_FOUND = _("This consent has already been withdrawn.")


@transaction.atomic(durable=True)
def consent_withdraw(*, user: User, consent_id: int) -> Consent:
    """Withdraw a consent. Without consent to process it, the ID number is erased, not just hidden."""
    consent = Consent.objects.select_for_update().filter(pk=consent_id, user=user, withdrawn_at=None).first()
    if consent is None:
        raise ApplicationError(str(CONSENT_NOT_FOUND))
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    erased = False
    if consent.purpose == Consent.Purpose.SENSITIVE_DATA:
        erased = bool(
            WorkerProfile.objects.filter(user=user, id_number_hash__isnull=False).update(
                id_number_encrypted="", id_number_hash=None, id_number_masked="", birth_date=None, sex=""
            )
        )
    audit.record(
        actor=user,
        action="consent.withdraw",
        target=consent,
        data={"purpose": consent.purpose, "id_number_erased": erased},
    )
    return consent

from collections.abc import Callable
from typing import TypeAlias, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet

from accounts import roles
from accounts.models import Consent, User, WorkerProfile
from core import crypto
from core.phone import format_local, normalize_mobile_or_keep
from core.privacy import masked_phone

# --- Phone numbers: the one rule every staff page asks ------------------------------------------
# Staff who must read a worker's number in clear hold this permission (checkers, approvers,
# service staff and grid admins through their groups, accounts/roles.py; superusers have every
# permission). Everyone else,
# station staff among them, sees 138****0001 (README, "Who may read what").
SEE_PHONE_PERMISSION = roles.SEE_FULL_PHONE

# Who is looking: request.user on a page (maybe anonymous), None from a task or a command.
Viewer: TypeAlias = User | AnonymousUser | None
_M = TypeVar("_M", bound=Model)


def may_see_phone(viewer: Viewer) -> bool:
    return bool(
        viewer is not None
        and getattr(viewer, "is_authenticated", False)
        and viewer.is_active
        and viewer.is_staff
        and viewer.has_perm(SEE_PHONE_PERMISSION)
    )


def phone_for(viewer: Viewer, phone: str) -> str:
    """The number as this viewer may see it: as typed locally (138 0000 0001) or masked."""
    return format_local(phone) if may_see_phone(viewer) else masked_phone(phone)


def csv_phone(viewer: Viewer) -> Callable[[str], str]:
    """The phone column of a CSV for this viewer: E.164 as stored (+8613800000001), or masked."""
    return str if may_see_phone(viewer) else masked_phone


def person_masked(person: User) -> str:
    """ "张伟 138****0001": how a person is named to whoever may not see phones."""
    return f"{person.real_name} {masked_phone(person.phone)}".strip()


def person_for(viewer: Viewer, person: User | None) -> str:
    """ "张伟 138****0001" (the full number for those who may see it); "—" for nobody."""
    if person is None:
        return "—"
    if not may_see_phone(viewer):
        return person_masked(person)
    return f"{person.real_name} {format_local(person.phone)}".strip()


def phone_search(
    viewer: Viewer, queryset: QuerySet[_M], term: str, *, path: str = "phone"
) -> QuerySet[_M] | None:
    """The rows whose phone (at `path`) the viewer may find with `term`, or None (no phone match).

    Those who may see phones find a person by the whole number as typed ("138 0000 0001",
    "13800000001"). The others may not confirm a number they already hold: only exactly four
    digits match, against the end of the number (what they read, 138****0001).
    """
    term = (term or "").strip()
    if may_see_phone(viewer):
        number = normalize_mobile_or_keep(term)
        return queryset.filter(**{path: number}) if number.startswith("+86") else None
    if len(term) == 4 and term.isdigit():
        # iendswith (UPPER(phone) LIKE '%0001'): the phone's trigram index answers it; a plain
        # endswith has no index to read and scans every user.
        return queryset.filter(**{f"{path}__iendswith": term})
    return None


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

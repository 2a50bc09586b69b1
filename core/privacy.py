"""The one masking of phones, names and resident ID numbers, and what may be shown beside an ID.

Masks: +8613800000001 → 138****0001 (enough to tell people apart at a counter), 张伟 → 张*
(other workers' names where everyone can read them), 330106199001011234 → 330106********1234.

What may be shown beside a resident ID number: the one rule every surface asks.

The masked number (`330106********2444`) hides exactly the eight birth-date digits.
So the birth date, or anything derived from it (an age), completes it: shown
together, the full number is rebuilt. Whoever may not see the full number gets the
masked one and nothing derived from the hidden digits; whoever may (the worker
themself, a university holding `roster:sensitive` for a student who consented, staff
holding SEE_FULL_ID_PERMISSION) gets the full number and the birth date.

The API serializers, the roster CSV (both paths), the admin pages and any future
surface go through this module, so the rule is written once.

`EncryptedPersonalDetails`: the one shape of the details of a person helped (volunteering's
elderly person served, voice's person to be helped), every field encrypted, the row deleted when
the help ends.
"""

from dataclasses import dataclass
from datetime import date

from django.db import models

from core import crypto


class EncryptedPersonalDetails(models.Model):
    """Name, address, phone and notes of a person helped, each encrypted (core.crypto); blank stays blank.

    Abstract: each app keeps its own table, its one-to-one key to what the help is and its Meta; the
    fields are defined once here, as they were in both apps (so no migration follows)."""

    name_encrypted = models.TextField(editable=False)
    address_encrypted = models.TextField(editable=False)
    phone_encrypted = models.TextField(editable=False, blank=True)
    notes_encrypted = models.TextField(editable=False, blank=True)

    class Meta:
        abstract = True

    @staticmethod
    def seal(value: str) -> str:
        return crypto.encrypt(value) if value else ""

    @staticmethod
    def _open(token: str) -> str:
        return crypto.decrypt(token) if token else ""

    @property
    def name(self) -> str:
        return self._open(self.name_encrypted)

    @property
    def address(self) -> str:
        return self._open(self.address_encrypted)

    @property
    def phone(self) -> str:
        return self._open(self.phone_encrypted)

    @property
    def notes(self) -> str:
        return self._open(self.notes_encrypted)


def masked_phone(phone: str) -> str:
    """+8613800000001 → 138****0001; something shorter keeps at most its first three digits."""
    number = (phone or "").removeprefix("+86")
    if len(number) != 11:
        return number[:3] + "****" if number else ""
    return f"{number[:3]}****{number[7:]}"


def masked_name(name: str) -> str:
    """张伟 → 张*, 欧阳娜娜 → 欧***: the family name stays, the rest is hidden; no name → *."""
    name = (name or "").strip()
    if not name:
        return "*"
    return name[0] + "*" * max(1, len(name) - 1)


def masked_id_number(number: str) -> str:
    """330106199001011234 → 330106********1234: region and last four only (not 18 long: all stars)."""
    if len(number) != 18:
        return "*" * len(number)
    return number[:6] + "*" * 8 + number[14:]


# Staff who must read the number in clear (checking an ID card against the record).
SEE_FULL_ID_PERMISSION = "accounts.see_full_id_number"


@dataclass(frozen=True)
class ShownIdentity:
    id_number: str
    id_number_is_full: bool
    birth_date: date | None


def shown_identity(profile, *, full_allowed: bool) -> ShownIdentity:
    """The ID number and birth date of `profile` (a WorkerProfile or None) as this viewer may see them."""
    if profile is None:
        return ShownIdentity(id_number="", id_number_is_full=False, birth_date=None)
    if full_allowed and profile.id_number_encrypted:
        return ShownIdentity(
            id_number=profile.id_number(), id_number_is_full=True, birth_date=profile.birth_date
        )
    return ShownIdentity(id_number=profile.id_number_masked, id_number_is_full=False, birth_date=None)


def staff_may_see_full_id(user) -> bool:
    return bool(user and user.is_active and user.is_staff and user.has_perm(SEE_FULL_ID_PERMISSION))


def identity_admin_fields(user) -> tuple[str, ...]:
    """The read-only identity fields of a worker profile in admin for this staff member.

    Without the permission: the masked number and sex (sex is already digit 17 of the
    masked number); never the birth date. With it: the full number and the birth date.
    """
    if staff_may_see_full_id(user):
        return ("full_id_number", "birth_date", "sex")
    return ("id_number_masked", "sex")

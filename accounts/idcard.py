"""Resident identity card numbers (GB 11643-1999): validation and what they tell.

Eighteen characters: six of region, eight of birth date (YYYYMMDD), three of
sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check
character (0-9 or X). The check character catches every single-character
change and every swap of two adjacent different characters.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.validation import normalize_typed

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK_CHARACTERS = "10X98765432"
EARLIEST_BIRTH_YEAR = 1900

ID_FORMAT = _("An ID number has 18 characters: 17 digits and a last digit or X.")
ID_BIRTH_DATE = _("The birth date in this ID number (characters 7 to 14) is not a real date.")
ID_CHECK_DIGIT = _(
    "The check digit of this ID number is wrong: please check the last character (a digit or X)."
)

# ASCII only (\d would take other scripts' digits, and the same number would hash differently).
_SHAPE = re.compile(r"[1-9][0-9]{16}[0-9X]")


def check_character(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def birth_date_of(number: str) -> dt.date | None:
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    return born


def normalize_id_number(raw: str, *, today: dt.date | None = None) -> str:
    """Return the number in canonical form (upper-case X), or raise ValidationError."""
    # NFKC: full-width digits and Ｘ, as Chinese input methods type them, are the same number.
    number = normalize_typed(raw).strip().replace(" ", "").upper()
    if not _SHAPE.fullmatch(number):
        raise ValidationError(ID_FORMAT, code="id_format")
    born = birth_date_of(number)
    today = today or dt.date.today()
    if born is None or born.year < EARLIEST_BIRTH_YEAR or born > today:
        raise ValidationError(ID_BIRTH_DATE, code="id_birth_date")
    if check_character(number[:17]) != number[17]:
        raise ValidationError(ID_CHECK_DIGIT, code="id_check_digit")
    return number


def sex_of(number: str) -> str:
    return "male" if int(number[16]) % 2 else "female"


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

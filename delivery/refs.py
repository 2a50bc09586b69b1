"""Building and unit references as riders type them: "3幢2单元", "3栋", "12号楼", "三幢", "3-2", "A座"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

BAD_BUILDING_NUMBER = _(
    "“%(text)s” is not a building number we can read. Write it like 3, 3幢, 12号楼 or 3幢2单元."
)

_DIGITS = "零一二三四五六七八九"
_NUMBER = r"(?:\d{1,4}|[零一二两三四五六七八九十]{1,4}|[A-Za-z])"
_BUILDING_WORD = r"(?:幢|栋|号楼|号(?![门院])|座|楼(?![下上]))"
# The building, then optionally its unit: "3幢2单元", "3栋 2单元", "3-2" (幢-单元).
BUILDING_AND_UNIT = re.compile(
    rf"(?P<b>{_NUMBER})\s*(?:{_BUILDING_WORD}\s*(?:(?P<u>\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*单元)?"
    rf"|-(?P<u2>\d{{1,2}})(?!\d))"
)
WHOLE_REF = re.compile(
    rf"\s*(?P<b>{_NUMBER})\s*(?:{_BUILDING_WORD})?\s*(?:(?:(?P<u>\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*单元)"
    rf"|-(?P<u2>\d{{1,2}}))?\s*"
)


@dataclass(frozen=True)
class BuildingRef:
    number: str  # as Building.number stores it: "3", "A"
    unit: int | None = None


def chinese_number(text: str) -> int:
    """一 … 九十九 (and 两) as an int; plain digits pass through."""
    if text.isdigit():
        return int(text)
    text = text.replace("两", "二")
    if "十" in text:
        tens, _sep, ones = text.partition("十")
        return (_DIGITS.index(tens) if tens else 1) * 10 + (_DIGITS.index(ones) if ones else 0)
    value = 0
    for char in text:
        value = value * 10 + _DIGITS.index(char)
    return value


def normalize_number(text: str) -> str:
    text = text.strip()
    if re.fullmatch(r"[A-Za-z]", text):
        return text.upper()
    return str(chinese_number(text))


def _ref(match: re.Match) -> BuildingRef:
    unit = match.group("u") or match.group("u2")
    return BuildingRef(normalize_number(match.group("b")), chinese_number(unit) if unit else None)


def parse_building_ref(text: str) -> BuildingRef:
    """The whole text as one building (and unit) reference; ValueError with the rider's message."""
    match = WHOLE_REF.fullmatch(text or "")
    if match is None:
        raise ValueError(str(BAD_BUILDING_NUMBER) % {"text": (text or "").strip()})
    try:
        ref = _ref(match)
    except ValueError:
        raise ValueError(str(BAD_BUILDING_NUMBER) % {"text": text.strip()}) from None
    if ref.number == "0" or ref.unit == 0:
        raise ValueError(str(BAD_BUILDING_NUMBER) % {"text": text.strip()})
    return ref


def split_query(text: str) -> tuple[str, BuildingRef | None]:
    """A search box's text as (the place words, the building asked for): "紫金港某小区 3幢2单元"."""
    for match in BUILDING_AND_UNIT.finditer(text):
        # A building word must follow a number, or the number must stand on its own ("3-2"):
        # "西溪3号" is a building, "龙湖天街" holds none.
        try:
            ref = _ref(match)
        except ValueError:
            continue
        rest = (text[: match.start()] + " " + text[match.end() :]).strip()
        return " ".join(rest.split()), ref
    return " ".join(text.split()), None

"""The OneRoster 1.2 query parameters: limit/offset, sort/orderBy, filter, fields (spec §3.4)."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from core import validation

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_FILTER = 1000  # characters; the Link header repeats the filter four times

BAD_LIMIT = _("limit must be a whole number from 1 to %(max)d, offset a whole number from 0.")
BAD_FILTER = _(
    "The filter “%(filter)s” is not understood. Write it as field operator 'value', e.g. status='active'."
)
BAD_FILTER_FIELD = _("The field “%(field)s” cannot be filtered on here.")
BAD_FILTER_VALUE = _("“%(value)s” is not a valid value for %(field)s.")
BAD_SORT = _("The field “%(field)s” cannot be sorted on here.")
BAD_ORDER = _("orderBy must be asc or desc.")
BAD_FIELDS = _("The field “%(field)s” does not exist here.")


class QueryError(Exception):
    def __init__(self, message: str, code_minor: str) -> None:
        super().__init__(message)
        self.message = message
        self.code_minor = code_minor


@dataclass(frozen=True)
class Field:
    lookup: str  # ORM path of the annotated queryset
    kind: str = "text"  # text | datetime | date | sourced_id
    prefix: str = ""  # for sourced_id


OPERATORS = {"=": "exact", "!=": "exact", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte", "~": "icontains"}
CLAUSE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9.]*)\s*(!=|>=|<=|=|>|<|~)\s*'((?:[^']|'')*)'\s*$")


def _split(text: str) -> tuple[list[str], str]:
    """Clauses and the one logical operator joining them (the spec allows AND or OR, not both)."""
    parts, connector, current, quoted, index = [], "", "", False, 0
    while index < len(text):
        char = text[index]
        if char == "'":
            quoted = not quoted
        if not quoted:
            for word in (" AND ", " OR "):
                if text.startswith(word, index):
                    if connector and connector != word.strip():
                        raise QueryError(str(BAD_FILTER) % {"filter": text}, "invalid_filter_field")
                    connector = word.strip()
                    parts.append(current)
                    current = ""
                    index += len(word)
                    break
            else:
                current += char
                index += 1
            continue
        current += char
        index += 1
    parts.append(current)
    return parts, connector or "AND"


def _value(field: Field, name: str, raw: str) -> datetime | date | str:
    if validation.has_control_characters(raw):  # PostgreSQL text cannot hold NUL
        shown = validation.CONTROL_CHARACTERS.sub("", raw)
        raise QueryError(str(BAD_FILTER_VALUE) % {"value": shown, "field": name}, "invalid_filter_field")
    value: datetime | date | str | None
    if field.kind == "datetime":
        try:
            # A bare date or a time without zone is UTC here (the spec's dates are UTC).
            value = validation.parse_datetime_param(raw, name=name, naive_in="utc")
        except validation.BadInput as error:
            if error.template is validation.BAD_DATETIME:
                raise QueryError(
                    str(BAD_FILTER_VALUE) % {"value": raw, "field": name}, "invalid_filter_field"
                ) from None
            raise QueryError(error.message, "invalid_filter_field") from None
    elif field.kind == "date":
        value = parse_date(raw)
    else:
        value = raw
    if value is None:
        raise QueryError(str(BAD_FILTER_VALUE) % {"value": raw, "field": name}, "invalid_filter_field")
    return value


def parse_filter(text: str, fields: dict[str, Field]) -> Q:
    try:
        validation.clean_text_param(text, name="filter", max_length=MAX_FILTER)
    except validation.BadInput as error:
        raise QueryError(error.message, "invalid_filter_field") from None
    clauses, connector = _split(text)
    result = Q()
    for clause in clauses:
        match = CLAUSE.match(clause)
        if not match:
            raise QueryError(str(BAD_FILTER) % {"filter": text}, "invalid_filter_field")
        name, operator, raw = match.group(1), match.group(2), match.group(3).replace("''", "'")
        field = fields.get(name)
        if field is None:
            raise QueryError(str(BAD_FILTER_FIELD) % {"field": name}, "invalid_filter_field")
        if field.kind == "sourced_id":
            from academy.oneroster import ids

            if operator not in ("=", "!="):
                raise QueryError(str(BAD_FILTER) % {"filter": text}, "invalid_filter_field")
            pk = ids.decode(field.prefix, raw)
            condition = Q(**{field.lookup: pk}) if pk else Q(pk__in=[])
        else:
            try:
                condition = Q(**{f"{field.lookup}__{OPERATORS[operator]}": _value(field, name, raw)})
            except (OverflowError, ValueError) as error:
                message = str(BAD_FILTER_VALUE) % {"value": raw, "field": name}
                raise QueryError(message, "invalid_filter_field") from error
        if operator == "!=":
            condition = ~condition
        result = (result & condition) if connector == "AND" else (result | condition)
    return result


def parse_limits(params) -> tuple[int, int]:
    try:
        limit = int(params.get("limit", DEFAULT_LIMIT))
        offset = int(params.get("offset", 0))
    except ValueError:
        limit = offset = -1
    if not (1 <= limit <= MAX_LIMIT and 0 <= offset < 2**62):
        raise QueryError(str(BAD_LIMIT) % {"max": MAX_LIMIT}, "invalid_data")
    return limit, offset


def parse_sort(params, fields: dict[str, Field]) -> list[str]:
    name = params.get("sort", "")
    order = params.get("orderBy", "asc")
    if order not in ("asc", "desc"):
        raise QueryError(str(BAD_ORDER), "invalid_sort_field")
    if not name:
        return ["pk"]
    field = fields.get(name)
    if field is None:
        raise QueryError(str(BAD_SORT) % {"field": name}, "invalid_sort_field")
    lookup = "pk" if field.kind == "sourced_id" else field.lookup
    # The primary key breaks ties, so that pages never overlap.
    return [f"-{lookup}" if order == "desc" else lookup, "pk"]


def parse_fields(params, known: list[str]) -> list[str] | None:
    raw = params.get("fields", "")
    if not raw:
        return None
    wanted = [name.strip() for name in raw.split(",") if name.strip()]
    for name in wanted:
        if name not in known:
            raise QueryError(str(BAD_FIELDS) % {"field": name}, "invalid_selection_field")
    return wanted

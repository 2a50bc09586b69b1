"""The OneRoster 1.2 query parameters: limit/offset, sort/orderBy, filter, fields (REST binding §3.4).

Everything here becomes SQL (Q objects and order_by over the annotations of
academy.oneroster.selectors); no record is ever filtered or sorted in Python.
Errors carry codes of the 1.2 codeMinor vocabulary only."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from core import validation

DEFAULT_LIMIT = 100  # the spec's default; it sets no maximum
MAX_FILTER = 1000  # characters; the Link header repeats the filter four times
MAX_NUMBER = 2**62  # larger limits and offsets mean "everything" / "past the end" all the same
# Delta sync compares at the precision dateLastModified is shown with (milliseconds, see resources.stamp).
MILLISECOND = timedelta(milliseconds=1)

# The 1.2 codeMinor vocabulary (imsx_CodeMinorFieldDType): a bad sort or limit is invaliddata.
INVALID_DATA = "invaliddata"
INVALID_FILTER = "invalid_filter_field"
INVALID_SELECTION = "invalid_selection_field"

BAD_LIMIT = _("limit must be a whole number from 1, offset a whole number from 0.")
BAD_OPERATOR = _("The operator “%(operator)s” cannot be used on %(field)s.")
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
    # Scalar fields of the record sort; a nested field (roles.role, user.sourcedId) only filters.
    sortable: bool = True


def ref(lookup: str, prefix: str) -> Field:
    """The sourcedId inside a reference (user.sourcedId, terms.sourcedId): filters, never sorts."""
    return Field(lookup, "sourced_id", prefix, sortable=False)


def nested(lookup: str) -> Field:
    return Field(lookup, sortable=False)


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
                        raise QueryError(str(BAD_FILTER) % {"filter": text}, INVALID_FILTER)
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
        raise QueryError(str(BAD_FILTER_VALUE) % {"value": shown, "field": name}, INVALID_FILTER)
    value: datetime | date | str | None
    if field.kind == "datetime":
        try:
            # A bare date or a time without zone is UTC here (the spec's dates are UTC).
            value = validation.parse_datetime_param(raw, name=name, naive_in="utc")
        except validation.BadInput as error:
            if error.template is validation.BAD_DATETIME:
                raise QueryError(
                    str(BAD_FILTER_VALUE) % {"value": raw, "field": name}, INVALID_FILTER
                ) from None
            raise QueryError(error.message, INVALID_FILTER) from None
    elif field.kind == "date":
        try:
            value = parse_date(raw)
        except ValueError:  # well-formed but impossible, e.g. 2027-02-30
            value = None
    else:
        value = raw
    if value is None:
        raise QueryError(str(BAD_FILTER_VALUE) % {"value": raw, "field": name}, INVALID_FILTER)
    return value


def _datetime_condition(lookup: str, operator: str, value: datetime) -> Q:
    """A comparison with dateLastModified as shown, in milliseconds, over the column itself.

    The column holds microseconds; comparing its truncation, trunc(x) > v, is the same as
    x >= v + 1 ms, which keeps the column's index usable. So a client asking `>` the newest
    value it saw gets nothing once nothing has changed, and `=` finds the record it saw."""
    value = value.replace(microsecond=value.microsecond // 1000 * 1000)
    after = value + MILLISECOND
    if operator == ">":
        return Q(**{f"{lookup}__gte": after})
    if operator == ">=":
        return Q(**{f"{lookup}__gte": value})
    if operator == "<":
        return Q(**{f"{lookup}__lt": value})
    if operator == "<=":
        return Q(**{f"{lookup}__lt": after})
    return Q(**{f"{lookup}__gte": value, f"{lookup}__lt": after})  # = (and != negated by the caller)


def changed_after(lookup: str, moment: datetime) -> Q:
    """What a delta since `moment` holds: dateLastModified > moment, at millisecond precision."""
    return _datetime_condition(lookup, ">", moment)


def _condition(field: Field, name: str, operator: str, raw: str) -> Q:
    if field.kind == "sourced_id":
        from academy.oneroster import ids

        if operator not in ("=", "!="):
            raise QueryError(str(BAD_OPERATOR) % {"operator": operator, "field": name}, INVALID_FILTER)
        pk = ids.decode(field.prefix, raw)
        return Q(**{field.lookup: pk}) if pk else Q(pk__in=[])
    if operator == "~" and field.kind != "text":
        raise QueryError(str(BAD_OPERATOR) % {"operator": operator, "field": name}, INVALID_FILTER)
    value = _value(field, name, raw)
    try:
        if field.kind == "datetime":
            assert isinstance(value, datetime)
            return _datetime_condition(field.lookup, operator, value)
        return Q(**{f"{field.lookup}__{OPERATORS[operator]}": value})
    except (OverflowError, ValueError) as error:
        raise QueryError(str(BAD_FILTER_VALUE) % {"value": raw, "field": name}, INVALID_FILTER) from error


def parse_filter(text: str, fields: dict[str, Field]) -> Q:
    try:
        validation.clean_text_param(text, name="filter", max_length=MAX_FILTER)
    except validation.BadInput as error:
        raise QueryError(error.message, INVALID_FILTER) from None
    clauses, connector = _split(text)
    result = Q()
    for clause in clauses:
        match = CLAUSE.match(clause)
        if not match:
            raise QueryError(str(BAD_FILTER) % {"filter": text}, INVALID_FILTER)
        name, operator, raw = match.group(1), match.group(2), match.group(3).replace("''", "'")
        field = fields.get(name)
        if field is None:
            raise QueryError(str(BAD_FILTER_FIELD) % {"field": name}, INVALID_FILTER)
        condition = _condition(field, name, operator, raw)
        if operator == "!=":
            condition = ~condition
        result = (result & condition) if connector == "AND" else (result | condition)
    return result


def _whole_number(params, name: str, default: int, minimum: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,30}", raw) or int(raw) < minimum:
        raise QueryError(str(BAD_LIMIT), INVALID_DATA)
    return min(int(raw), MAX_NUMBER)


def parse_limits(params) -> tuple[int, int]:
    """limit from 1 (default 100, no maximum: a large page is streamed) and offset from 0."""
    return _whole_number(params, "limit", DEFAULT_LIMIT, 1), _whole_number(params, "offset", 0, 0)


def parse_sort(params, fields: dict[str, Field]) -> list[str]:
    name = params.get("sort", "")
    # The binding names asc and desc; clients write ASC and Desc too.
    order = params.get("orderBy", "asc").lower()
    if order not in ("asc", "desc"):
        raise QueryError(str(BAD_ORDER), INVALID_DATA)
    field = fields.get(name) if name else Field("pk")
    if field is None or not field.sortable:
        raise QueryError(str(BAD_SORT) % {"field": name}, INVALID_DATA)
    # sourcedIds sort in the order of our keys (they are a keyed permutation, not computable in SQL).
    lookup = "pk" if field.kind == "sourced_id" else field.lookup
    # The primary key breaks ties, so that pages never overlap.
    return [f"-{lookup}" if order == "desc" else lookup] + (["pk"] if lookup != "pk" else [])


def parse_fields(params, known: list[str]) -> list[str] | None:
    raw = params.get("fields", "")
    if not raw:
        return None
    wanted = [name.strip() for name in raw.split(",") if name.strip()]
    for name in wanted:
        if name not in known:
            raise QueryError(str(BAD_FIELDS) % {"field": name}, INVALID_SELECTION)
    return wanted

"""A category's own questions (Open311 service attributes) and the answers a report gives them.

A category stores its questions as a JSON list (`Category.attributes`), each a dict:

    {"code": "cover", "datatype": "singlevaluelist", "required": true, "order": 1,
     "description_zh": "井盖是缺失还是破损？", "description_en": "Is the cover missing or broken?",
     "values": [{"key": "missing", "name_zh": "缺失", "name_en": "Missing"}, ...]}

optionally with "variable" (default true; false: a note shown to the reporter, never answered) and
"datatype_description_zh" / "_en". The datatypes are GeoReport v2's. A report stores its answers as
`{code: value}`: text for string, text, number (as written, normalised) and datetime (ISO 8601),
one key for a singlevaluelist, a list of keys for a multivaluelist.

The same rules check an Open311 POST (`clean_answers`, English errors in the spec's list) and the
worker's report form (governance.forms builds one form field per question).
"""

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LISTS = ("singlevaluelist", "multivaluelist")
MAX_STRING, MAX_TEXT = 200, 4000
CODE = re.compile(r"^[a-z0-9_-]{1,40}$")
KEYS = {
    "code", "datatype", "required", "order", "variable", "description_zh", "description_en",
    "datatype_description_zh", "datatype_description_en", "values",
}  # fmt: skip
VALUE_KEYS = {"key", "name_zh", "name_en"}

DEFINITION_NOT_A_LIST = _("The attributes must be a JSON list of questions.")
DEFINITION_BAD = _("Question %(number)s: %(problem)s")
PROBLEMS = {
    "not_an_object": _("each question must be a JSON object."),
    "unknown_keys": _("unknown keys %(keys)s."),
    "code": _("code must be 1 to 40 lower-case letters, digits, - or _."),
    "code_twice": _("code %(code)s is used twice."),
    "datatype": _("datatype must be one of string, number, datetime, text, singlevaluelist, multivaluelist."),
    "required": _("required must be true or false."),
    "variable": _("variable must be true or false; a question that is not variable cannot be required."),
    "order": _("order must be a whole number."),
    "description": _("description_zh is required (at most 200 characters), description_en at most 200."),
    "values": _("a list question needs values: a list of {key, name_zh, name_en}, keys unique."),
    "no_values": _("only singlevaluelist and multivaluelist questions have values."),
}


def _problem(number: int, key: str, **params: Any) -> ValidationError:
    return ValidationError(
        DEFINITION_BAD, code=key, params={"number": number, "problem": PROBLEMS[key] % params}
    )


def validate_definitions(value: Any) -> None:
    """The model validator of Category.attributes: every question well formed, codes unique."""
    if not isinstance(value, list):
        raise ValidationError(DEFINITION_NOT_A_LIST, code="not_a_list")
    seen: set[str] = set()
    for number, question in enumerate(value, start=1):
        if not isinstance(question, dict):
            raise _problem(number, "not_an_object")
        if unknown := set(question) - KEYS:
            raise _problem(number, "unknown_keys", keys=", ".join(sorted(unknown)))
        code = question.get("code")
        if not isinstance(code, str) or not CODE.match(code):
            raise _problem(number, "code")
        if code in seen:
            raise _problem(number, "code_twice", code=code)
        seen.add(code)
        if question.get("datatype") not in DATATYPES:
            raise _problem(number, "datatype")
        if not isinstance(question.get("required", False), bool):
            raise _problem(number, "required")
        variable = question.get("variable", True)
        if not isinstance(variable, bool) or (not variable and question.get("required")):
            raise _problem(number, "variable")
        if type(question.get("order", number)) is not int:
            raise _problem(number, "order")
        texts = [question.get(key, "") for key in KEYS if key.startswith(("description", "datatype_desc"))]
        if (
            not isinstance(question.get("description_zh"), str)
            or not question["description_zh"].strip()
            or not all(isinstance(text, str) and len(text) <= 200 for text in texts)
        ):
            raise _problem(number, "description")
        values = question.get("values")
        if question["datatype"] in LISTS:
            if not _values_ok(values):
                raise _problem(number, "values")
        elif values not in (None, []):
            raise _problem(number, "no_values")


def _values_ok(values: Any) -> bool:
    if not isinstance(values, list) or not values:
        return False
    keys = set()
    for value in values:
        if not isinstance(value, dict) or set(value) - VALUE_KEYS or "key" not in value:
            return False
        if not all(isinstance(value.get(k, ""), str) for k in VALUE_KEYS) or not value["key"]:
            return False
        if not value.get("name_zh"):
            return False
        keys.add(value["key"])
    return len(keys) == len(values)


def _localised(entry: dict, key: str) -> str:
    english = (get_language() or "").startswith("en")
    return (entry.get(f"{key}_en") if english else "") or entry.get(f"{key}_zh", "")


def ordered(definitions: list[dict]) -> list[dict]:
    return sorted(definitions, key=lambda question: question.get("order", 0))


def question_text(question: dict) -> str:
    return _localised(question, "description")


def value_choices(question: dict) -> list[tuple[str, str]]:
    return [(value["key"], _localised(value, "name")) for value in question.get("values") or []]


def open311_attribute(question: dict) -> dict:
    """One attribute of a GeoReport v2 service definition, in the portal's language."""
    return {
        "variable": question.get("variable", True),
        "code": question["code"],
        "datatype": question["datatype"],
        "required": question.get("required", False),
        "datatype_description": _localised(question, "datatype_description"),
        "order": question.get("order", 0),
        "description": question_text(question),
        "values": [{"key": key, "name": name} for key, name in value_choices(question)],
    }


# --- Answers (Open311 POST) -----------------------------------------------------------------

ANSWER_REQUIRED = "attribute[%s] is required."
ANSWER_UNKNOWN = "attribute[%s] is not an attribute of service %s."
ANSWER_ONE_VALUE = "attribute[%s] takes one value."
ANSWER_NOT_IN_LIST = "attribute[%s] must be one of: %s."
ANSWER_NOT_A_NUMBER = "attribute[%s] must be a number."
ANSWER_NOT_A_DATETIME = "attribute[%s] must be an ISO 8601 date-time with a time zone."
ANSWER_TOO_LONG = "attribute[%s] must be at most %s characters."

ANSWER_KEY = re.compile(r"^attribute\[([^\]]*)\](\[\])?$")


class BadAnswer(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def posted_answers(data) -> dict[str, list[str]]:
    """The `attribute[code]=value` (and `attribute[code][]=value` for a list) fields of a POST."""
    answers: dict[str, list[str]] = {}
    for key in data:
        if match := ANSWER_KEY.match(key):
            given = [value.strip() for value in data.getlist(key) if value.strip()]
            answers.setdefault(match.group(1), []).extend(given)
    return answers


def clean_answers(*, definitions: list[dict], answers: dict[str, list[str]], service_code: str) -> dict:
    """The answers as a report stores them; BadAnswer (the spec's 400) for the first bad one."""
    questions = {question["code"]: question for question in definitions if question.get("variable", True)}
    for code in answers:
        if code not in questions:
            raise BadAnswer(ANSWER_UNKNOWN % (code, service_code))
    cleaned: dict[str, Any] = {}
    for code, question in questions.items():
        given = answers.get(code, [])
        if not given:
            if question.get("required"):
                raise BadAnswer(ANSWER_REQUIRED % code)
            continue
        cleaned[code] = clean_answer(question, given)
    return cleaned


def clean_answer(question: dict, given: list[str]) -> str | list[str]:
    code, datatype = question["code"], question["datatype"]
    if datatype == "multivaluelist":
        keys = [key for key, _name in value_choices(question)]
        if any(value not in keys for value in given):
            raise BadAnswer(ANSWER_NOT_IN_LIST % (code, ", ".join(keys)))
        return list(dict.fromkeys(given))
    if len(given) > 1:
        raise BadAnswer(ANSWER_ONE_VALUE % code)
    value = given[0]
    if datatype == "singlevaluelist":
        keys = [key for key, _name in value_choices(question)]
        if value not in keys:
            raise BadAnswer(ANSWER_NOT_IN_LIST % (code, ", ".join(keys)))
        return value
    if datatype == "number":
        return normalised_number(value, code)
    if datatype == "datetime":
        return normalised_datetime(value, code)
    limit = MAX_TEXT if datatype == "text" else MAX_STRING
    if len(value) > limit:
        raise BadAnswer(ANSWER_TOO_LONG % (code, limit))
    return value


def normalised_number(value: str | Decimal, code: str) -> str:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise BadAnswer(ANSWER_NOT_A_NUMBER % code) from None
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise BadAnswer(ANSWER_NOT_A_NUMBER % code)
    return format(number.normalize(), "f")


def normalised_datetime(value: str | datetime, code: str) -> str:
    try:
        moment = value if isinstance(value, datetime) else parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadAnswer(ANSWER_NOT_A_DATETIME % code)
    return moment.isoformat(timespec="seconds")


def answer_lines(definitions: list[dict], answers: dict) -> list[tuple[str, str]]:
    """(question, answer) in the portal's language, for staff: list keys shown by their names."""
    lines = []
    for question in ordered(definitions):
        if question["code"] not in answers:
            continue
        names = dict(value_choices(question))
        value = answers[question["code"]]
        keys = value if isinstance(value, list) else [value]
        shown = [str(names.get(key, key)) for key in keys]
        lines.append((question_text(question), "、".join(shown)))
    return lines

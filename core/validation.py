"""Validation of what people and other systems type: one module for every interface.

Query parameters and form fields reach the database only through these rules, so
that no input can cost a 500: PostgreSQL refuses NUL in text and UTC offsets
beyond ±15:59, Python's datetime overflows near the years 1 and 9999, and a
bigint ends at 2**63 - 1. Each function raises `BadInput(name, template, **params)`; each
interface turns it into its own error body (HSDS and /api/v1 `{"message",
"extra"}`, OneRoster imsx_StatusInfo, Open311's error list, a form error on
pages).

`InputGuardMiddleware` refuses NUL and control characters and over-long values in
any query string (and, for the machine interfaces, any form body) before a view
runs, in the error shape each interface declares in core.interfaces (as core.outage
answers its 503s).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import overload

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from core import interfaces

# C0 controls and DEL, except tab, line feed and carriage return (text areas send those).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_QUERY_VALUE = 2000  # characters in one query-string value
MAX_TEXT_PARAM = 200  # a search term and the like
# What arithmetic on a moment (a 90-day window, a time zone) can never overflow.
MIN_MOMENT = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
MAX_MOMENT = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
# PostgreSQL's limit for a UTC offset is ±15:59.
MAX_UTC_OFFSET = dt.timedelta(hours=15, minutes=59)
MAX_BIGINT = 2**63 - 1
MAX_JSON_DEPTH = 32

CONTROL_CHARACTER = _("%(name)s contains a control character (such as NUL); please remove it.")
CONTROL_CHARACTER_IN_FIELD = _("This field contains a control character; please remove it.")
TOO_LONG = _("%(name)s is too long: at most %(max)d characters.")
BAD_DATETIME = _("%(name)s must be an ISO 8601 date-time, e.g. 2026-03-01T08:00:00+08:00.")
NEEDS_TIME_ZONE = _(
    "%(name)s must be an ISO 8601 date-time with a time zone, e.g. 2026-03-01T08:00:00+08:00."
)
BAD_UTC_OFFSET = _("%(name)s has a UTC offset beyond ±15:59.")
DATETIME_OUT_OF_RANGE = _("%(name)s must be between 1900-01-01 and 2199-12-31.")
BAD_INTEGER = _("%(name)s must be a whole number from %(min)d to %(max)d.")
BAD_DECIMAL = _("%(name)s must be a number from %(min)s to %(max)s.")
TOO_DEEP = _("The JSON body is nested too deeply (at most %(max)d levels).")


class BadInput(ValueError):
    """One parameter or field was refused; `message` is the text people read, in the active language
    (an interface that answers in English renders it under translation.override("en"))."""

    def __init__(self, name: str, template, **params) -> None:
        super().__init__(name)
        self.name, self.template, self.params = name, template, {"name": name, **params}

    @property
    def message(self) -> str:
        return str(self.template) % self.params


def normalize_typed(raw: str | None) -> str:
    """NFKC: Chinese input methods often type full-width digits and signs (０１２３, ＋８６)."""
    return unicodedata.normalize("NFKC", raw or "")


def has_control_characters(value: str) -> bool:
    return bool(CONTROL_CHARACTERS.search(value))


def clean_text_param(raw: str | None, *, name: str, max_length: int = MAX_TEXT_PARAM) -> str:
    """A text parameter, stripped; '' when absent. Refuses control characters and over-long text."""
    value = (raw or "").strip()
    if has_control_characters(value):
        raise BadInput(name, CONTROL_CHARACTER)
    if len(value) > max_length:
        raise BadInput(name, TOO_LONG, max=max_length)
    return value


def check_moment(moment: dt.datetime, *, name: str) -> dt.datetime:
    """An aware moment the database and arithmetic both accept."""
    offset = moment.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise BadInput(name, BAD_UTC_OFFSET)
    if timezone.is_naive(moment):
        if not MIN_MOMENT.replace(tzinfo=None) <= moment < MAX_MOMENT.replace(tzinfo=None):
            raise BadInput(name, DATETIME_OUT_OF_RANGE)
        moment = timezone.make_aware(moment)
    try:
        in_range = MIN_MOMENT <= moment < MAX_MOMENT
    except OverflowError:
        in_range = False
    if not in_range:
        raise BadInput(name, DATETIME_OUT_OF_RANGE)
    return moment


def parse_datetime_param(
    raw: str | None, *, name: str, require_time_zone: bool = False, naive_in: str = "local"
) -> dt.datetime | None:
    """An ISO 8601 date-time (or a date, at midnight) as an aware datetime; None when absent.

    `naive_in` says in which zone a bare date or a time without zone is read:
    "local" (Asia/Shanghai) or "utc". With `require_time_zone`, both are refused.
    A "+" in a query string arrives as a space, so "…00 08:00" is read as "…00+08:00".
    """
    text = clean_text_param(raw, name=name, max_length=64)
    if not text:
        return None
    text = normalize_typed(text)
    if re.search(r"[T ]\d\d:\d\d(:\d\d(\.\d+)?)? \d\d:?\d\d$", text):
        text = text[: text.rindex(" ")] + "+" + text[text.rindex(" ") + 1 :]
    try:
        moment = parse_datetime(text)
        if moment is None and not require_time_zone:
            day = parse_date(text)
            moment = dt.datetime.combine(day, dt.time.min) if day else None
    except ValueError:  # a well-formed but impossible value, e.g. 2026-02-30 or +99:00
        moment = None
    if moment is None:
        raise BadInput(name, NEEDS_TIME_ZONE if require_time_zone else BAD_DATETIME)
    if timezone.is_naive(moment):
        if require_time_zone:
            raise BadInput(name, NEEDS_TIME_ZONE)
        if naive_in == "utc":
            moment = moment.replace(tzinfo=dt.UTC)
    return check_moment(moment, name=name)


@overload
def bounded_int(
    raw: str | None, *, name: str, min_value: int = 0, max_value: int = MAX_BIGINT, default: int
) -> int: ...
@overload
def bounded_int(
    raw: str | None, *, name: str, min_value: int = 0, max_value: int = MAX_BIGINT, default: None = None
) -> int | None: ...
def bounded_int(
    raw: str | None, *, name: str, min_value: int = 0, max_value: int = MAX_BIGINT, default: int | None = None
) -> int | None:
    """A whole number within bounds (full-width digits accepted); `default` when absent."""
    if raw is None:
        return default
    text = normalize_typed(raw).strip()
    refused = BadInput(name, BAD_INTEGER, min=min_value, max=max_value)
    if not re.fullmatch(r"[-+]?[0-9]{1,20}", text):
        raise refused
    value = int(text)
    if not min_value <= value <= max_value:
        raise refused
    return value


def bounded_decimal(raw: str | None, *, name: str, min_value: Decimal, max_value: Decimal) -> Decimal | None:
    if raw is None or raw == "":
        return None
    refused = BadInput(name, BAD_DECIMAL, min=min_value, max=max_value)
    text = normalize_typed(raw).strip()
    if len(text) > 40:
        raise refused
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise refused from None
    if not (value.is_finite() and min_value <= value <= max_value):
        raise refused
    return value


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than `limit` (checked before json.loads recurses)."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


# --- Form fields -------------------------------------------------------------------------------


class DateTimeParamField(forms.CharField):
    """A form (or django-filter) field over parse_datetime_param: bounded offsets and years."""

    def __init__(self, *, param_name: str = "value", require_time_zone: bool = False, **kwargs) -> None:
        self.param_name, self.require_time_zone = param_name, require_time_zone
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            return parse_datetime_param(value, name=self.param_name, require_time_zone=self.require_time_zone)
        except BadInput as error:
            raise forms.ValidationError(error.message, code="invalid") from None


# --- Every form's text fields ------------------------------------------------------------------


@deconstructible
class ProhibitControlCharactersValidator:
    """Django refuses NUL in form text; the other control characters (ESC, BEL, ...) too.

    Tab, line feed and carriage return stay: a text area holds lines.
    """

    code = "control_characters"

    def __call__(self, value) -> None:
        # NUL has Django's own validator (and message) on every CharField already.
        if value not in (None, "") and has_control_characters(str(value).replace("\x00", "")):
            raise forms.ValidationError(CONTROL_CHARACTER_IN_FIELD, code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, ProhibitControlCharactersValidator)


def refuse_control_characters_in_every_form() -> None:
    """Every form's CharField (and its subclasses: e-mail, URL, the allauth and admin forms) refuses
    control characters with a translated field error, keeping what was typed beside it.

    `default_validators` is the Field attribute Django reads for exactly this; CharField has none.
    """
    forms.CharField.default_validators = [ProhibitControlCharactersValidator()]


# --- Admin's autocomplete widgets ---------------------------------------------------------------


def keep_autocomplete_choices_valid() -> None:
    """Django's autocomplete widget looks up what was posted, as it was posted, when it shows the
    form again: a posted "😀" or 10**20 for a foreign key is a ValueError there, a 500 over an
    error the form had already found. Only values the key column can hold are looked up."""
    from django.contrib.admin.widgets import AutocompleteMixin
    from django.core.exceptions import ValidationError

    if getattr(AutocompleteMixin.optgroups, "keeps_valid_choices", False):
        return
    original = AutocompleteMixin.optgroups

    def optgroups(self, name, value, attr=None):
        opts = self.field.remote_field.model._meta
        target = opts.get_field(getattr(self.field.remote_field, "field_name", opts.pk.attname))
        kept = []
        for item in value:
            try:
                target.run_validators(target.to_python(item))
            except (TypeError, ValueError, ValidationError):
                continue
            kept.append(item)
        return original(self, name, kept, attr)

    # A deliberate patch of Django's method (the marker keeps it from being applied twice);
    # mypy rightly refuses both assignments in ordinary code.
    optgroups.keeps_valid_choices = True  # type: ignore[attr-defined]
    AutocompleteMixin.optgroups = optgroups  # type: ignore[method-assign]


# --- The middleware and each interface's error body --------------------------------------------


def json_bad_input(request: HttpRequest, error: BadInput) -> HttpResponse:
    """The `{"message", "extra"}` body of /api/v1 and HSDS (core.api)."""
    from core.api import INVALID_INPUT

    return JsonResponse(
        {"message": str(INVALID_INPUT), "extra": {"fields": {error.name: [error.message]}}}, status=400
    )


def page_bad_input(request: HttpRequest, error: BadInput) -> HttpResponse:
    body = loader.get_template("errors/400.html").render({"message": error.message})
    return HttpResponse(body, status=400)


def refused_value(params, *, max_length: int | None, check_keys: bool = True) -> BadInput | None:
    for key, values in params.lists():
        for text in (key, *values) if check_keys else values:
            if has_control_characters(text):
                return BadInput(key[:40], CONTROL_CHARACTER)
            if max_length is not None and len(text) > max_length:
                return BadInput(key[:40], TOO_LONG, max=max_length)
    return None


class InputGuardMiddleware:
    """Refuses NUL, control characters and over-long values before any view reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        interface = interfaces.interface_for(request.path)
        error = refused_value(request.GET, max_length=MAX_QUERY_VALUE)
        form_body = request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
        if error is None and interface.check_form_body and request.method == "POST" and form_body:
            # A form body's unknown names are ignored by the views; only the values are stored.
            error = refused_value(request.POST, max_length=None, check_keys=False)
        if error is not None:
            return interface.bad_input(request, error)
        return self.get_response(request)


def oauth_bad_input(request: HttpRequest, error: BadInput) -> HttpResponse:
    # RFC 6749 §5.2's body for a malformed request.
    return JsonResponse({"error": "invalid_request", "error_description": error.message}, status=400)

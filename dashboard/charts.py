"""Charts drawn by us: server-rendered SVG from the same table the page prints below it.

No script and no library: the SVG is markup in the page, readable on a laptop and a projector
(large type, strong colours, each value written beside its bar), and the table under each
chart is the accessible version of it. A suppressed value ("<5") gets no bar, only its label.
"""

import math
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from dashboard.cells import SUPPRESSED
from dashboard.selectors import Table

# Colour-blind-safe series colours (Okabe–Ito), in the order the series come.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")
# The map's shades, light to dark (ColorBrewer Blues), for five bands of report counts.
SHADES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
WIDTH = 760
LABEL_WIDTH = 200
BAR = 16
GAP = 4
GROUP_GAP = 14
FONT = 14
NO_DATA = _("No data yet.")
NO_GRIDS = _("No grids drawn yet.")


def _svg(height: float, title: str, body: list[str], width: int = WIDTH) -> SafeString:
    return mark_safe(  # noqa: S308 (every text inside went through escape())
        f'<svg class="chart" viewBox="0 0 {width} {math.ceil(height)}" width="{width}" '
        f'height="{math.ceil(height)}" role="img" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _legend(names: list[str], y: float) -> tuple[list[str], float]:
    parts, x = [], LABEL_WIDTH
    for index, name in enumerate(names):
        parts.append(
            f'<rect x="{x}" y="{y}" width="14" height="14" fill="{COLOURS[index % len(COLOURS)]}"/>'
            f'<text x="{x + 20}" y="{y + 12}" font-size="{FONT}">{escape(name)}</text>'
        )
        x += 34 + _text_width(name)
    return parts, y + 26


def _text_width(text: str, size: int = FONT) -> int:
    """Roughly how wide `text` is drawn: a CJK character is a full em, Latin about half."""
    return round(sum(size if ord(char) > 0x2E7F else size * 0.6 for char in text))


def _number(value: Decimal | int) -> str:
    return f"{value:,}"


def bars(table: Table) -> SafeString:
    """Horizontal bars, one group per row of the table, one bar per series column."""
    series = list(table.series)
    values = [row[i].value for row in table.rows for i in series]
    top = max((v for v in values if v is not None), default=0) or 1
    names = [table.header[i] for i in series]
    body, y = ([], 8.0) if len(series) == 1 else _legend(names, 8.0)
    plot = WIDTH - LABEL_WIDTH - 80
    for row in table.rows:
        group_height = len(series) * (BAR + GAP) - GAP
        body.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + group_height / 2 + 5}" text-anchor="end" '
            f'font-size="{FONT}">{escape(row[0].text()[:16])}</text>'
        )
        for position, column in enumerate(series):
            cell = row[column]
            length = 0.0 if cell.value is None else float(cell.value) / float(top) * plot
            colour = COLOURS[position % len(COLOURS)]
            if length:
                body.append(
                    f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR}" fill="{colour}">'
                    f"<title>{escape(table.header[column])}: {escape(cell.text())}</title></rect>"
                )
            body.append(
                f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + BAR - 3}" font-size="{FONT - 1}">'
                f"{escape(cell.text())}</text>"
            )
            y += BAR + GAP
        y += GROUP_GAP
    if not table.rows:
        body.append(f'<text x="{LABEL_WIDTH}" y="{y + 16}" font-size="{FONT}">{escape(NO_DATA)}</text>')
        y += 28
    return _svg(y, table.caption, body)


def line(table: Table) -> SafeString:
    """Lines over the months of the table (its first column), one per series column."""
    series = list(table.series)
    height, left, right, top_margin, bottom = 260, 90, 50, 40, 40
    plot_w, plot_h = WIDTH - left - right, height - top_margin - bottom
    values = [float(value) for row in table.rows for i in series if (value := row[i].value) is not None]
    top = max(values, default=0) or 1.0
    body, _y = _legend([table.header[i] for i in series], 8.0)
    body.append(
        f'<line x1="{left}" y1="{top_margin + plot_h}" x2="{left + plot_w}" y2="{top_margin + plot_h}" '
        f'stroke="#555"/><line x1="{left}" y1="{top_margin}" x2="{left}" y2="{top_margin + plot_h}" stroke="#555"/>'
        f'<text x="{left - 6}" y="{top_margin + 5}" text-anchor="end" font-size="{FONT - 2}">'
        f"{escape(_number(Decimal(top).quantize(Decimal(1))))}</text>"
        f'<text x="{left - 6}" y="{top_margin + plot_h}" text-anchor="end" font-size="{FONT - 2}">0</text>'
    )
    count = len(table.rows)
    step = plot_w / max(count - 1, 1)
    for position, column in enumerate(series):
        # A suppressed value ("<5") gets no point: the line goes from the shown one before it to
        # the shown one after it, and the table below says "<5".
        drawn = [(index, row) for index, row in enumerate(table.rows) if row[column].value is not None]
        points = [
            (left + index * step, top_margin + plot_h - float(row[column].value or 0) / top * plot_h)
            for index, row in drawn
        ]
        colour = COLOURS[position % len(COLOURS)]
        body.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="3" '
            f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in points)}"/>'
        )
        for (x, y), (_index, row) in zip(points, drawn, strict=True):
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"><title>{escape(row[0].text())} · '
                f"{escape(table.header[column])}: {escape(row[column].text())}</title></circle>"
            )
    for index, row in enumerate(table.rows):
        if index in (0, count - 1) or (count > 6 and index % 3 == 0):
            body.append(
                f'<text x="{left + index * step:.1f}" y="{height - 14}" text-anchor="middle" '
                f'font-size="{FONT - 2}">{escape(row[0].text())}</text>'
            )
    return _svg(height, table.caption, body)


def _rings(area: dict) -> list[list[list[float]]]:
    if area.get("type") == "MultiPolygon":
        return [ring for polygon in area["coordinates"] for ring in polygon[:1]]
    return area.get("coordinates", [])[:1]


def choropleth(shapes: list[dict], title: str) -> SafeString:
    """The grid polygons, shaded by their report count in five bands; "<5" is drawn hatched."""
    points = [point for shape in shapes for ring in _rings(shape["area"]) for point in ring]
    if not points:
        return _svg(40, title, [f'<text x="10" y="24" font-size="{FONT}">{escape(NO_GRIDS)}</text>'])
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    # Equirectangular, with longitude shrunk by the cosine of the latitude (Hangzhou: 30°N).
    squeeze = math.cos(math.radians((north + south) / 2))
    span_x, span_y = max((east - west) * squeeze, 1e-9), max(north - south, 1e-9)
    width, pad = WIDTH, 10
    scale = min((width - 2 * pad) / span_x, 420 / span_y)
    height = span_y * scale + 2 * pad + 40
    top = max((shape["count"].value or 0 for shape in shapes), default=0) or 1
    body = [
        '<defs><pattern id="few" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f0f0f0"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#999" stroke-width="2"/></pattern></defs>'
    ]
    for shape in shapes:
        count = shape["count"]
        if count.suppressed:
            fill = "url(#few)"
        elif not count.value:
            fill = "#ffffff"
        else:
            fill = SHADES[min(int(count.value / top * len(SHADES)), len(SHADES) - 1)]
        for ring in _rings(shape["area"]):
            path = " ".join(
                f"{pad + (lng - west) * squeeze * scale:.1f},{pad + (north - lat) * scale:.1f}"
                for lng, lat in ring
            )
            body.append(
                f'<polygon points="{path}" fill="{fill}" stroke="#333" stroke-width="1">'
                f"<title>{escape(shape['name'])}: {escape(count.text())}</title></polygon>"
            )
    y = height - 28
    legend = [("#ffffff", "0"), ("url(#few)", SUPPRESSED)] + [
        (shade, f"≤{math.ceil(top * (index + 1) / len(SHADES))}") for index, shade in enumerate(SHADES)
    ]
    x = pad
    for fill, text in legend:
        body.append(
            f'<rect x="{x}" y="{y}" width="18" height="14" fill="{fill}" stroke="#333"/>'
            f'<text x="{x + 24}" y="{y + 12}" font-size="{FONT - 2}">{escape(text)}</text>'
        )
        x += 80
    return _svg(height, title, body, width)


def chart_for(table: Table, shapes: list[dict] | None = None) -> SafeString:
    if table.chart == "bars":
        return bars(table)
    if table.chart == "line":
        return line(table)
    if table.chart == "map":
        return choropleth(shapes or [], table.caption)
    return mark_safe("")

"""Charts drawn on the server as SVG: bars, lines and a heat map. No JavaScript library and
nothing fetched at run time; the SVG scales with the page and prints."""

import math
from decimal import Decimal
from html import escape

from django.utils import formats
from django.utils.safestring import mark_safe

WIDTH, HEIGHT = 760, 320
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 20, 100
# Longer labels below the x axis are cut short (the whole label is the text's tooltip): a slanted
# label longer than this runs out of the picture.
LABEL_CHARACTERS = 20
COLOURS = ["#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#d63384", "#20c997", "#ffc107", "#6c757d"]


def _number(value, value_format: str) -> str:
    if value is None:
        return ""
    if value_format == "percent":
        return formats.number_format(Decimal(str(value)) * 100, decimal_pos=1) + " %"
    if value_format == "money":
        return formats.number_format(Decimal(str(value)), decimal_pos=2, force_grouping=True)
    return formats.number_format(value, decimal_pos=0 if float(value).is_integer() else 1, force_grouping=True)


def _frame(inner: str, *, title: str) -> str:
    return (
        f'<svg class="report-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="11">{inner}</svg>'
    )


def _axis(maximum: float, value_format: str) -> tuple[str, float]:
    maximum = maximum or 1
    if value_format == "integer" and maximum > 0:
        # Counts get whole numbers on the axis's five lines (not 1.5 customers).
        maximum = math.ceil(maximum / 4) * 4
    plot_height = HEIGHT - TOP - BOTTOM
    parts = []
    for step in range(5):
        value = maximum * step / 4
        y = TOP + plot_height - plot_height * step / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dee2e6"/>')
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#6c757d">'
            f"{escape(_number(value, value_format))}</text>"
        )
    return "".join(parts), maximum


def _x_label(x: float, label: str) -> str:
    y = HEIGHT - BOTTOM + 14
    shown = label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1].rstrip() + "…"
    return (
        f'<text x="{x:.1f}" y="{y}" text-anchor="end" transform="rotate(-35 {x:.1f} {y})" fill="#212529">'
        f"<title>{escape(label)}</title>{escape(shown)}</text>"
    )


def _legend(series: list[dict]) -> str:
    """The series' names under the picture, as HTML: they wrap however many there are."""
    if len(series) < 2:
        return ""
    items = "".join(
        f'<span class="me-3 text-nowrap"><span class="d-inline-block me-1 align-middle" '
        f'style="width:10px;height:10px;background:{COLOURS[index % len(COLOURS)]}"></span>'
        f"{escape(str(item['name']))}</span>"
        for index, item in enumerate(series)
    )
    return f'<div class="small mt-1" data-testid="chart-legend">{items}</div>'


def bar_chart(chart: dict, *, title: str) -> str:
    labels, series = chart["labels"], chart["series"]
    value_format = chart.get("value_format", "integer")
    maximum = max((float(v or 0) for item in series for v in item["values"]), default=0)
    grid, maximum = _axis(maximum, value_format)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(labels), 1)
    bar = slot * 0.8 / max(len(series), 1)
    parts = [grid]
    for index, label in enumerate(labels):
        for series_index, item in enumerate(series):
            value = float(item["values"][index] or 0)
            height = plot_height * value / maximum
            x = LEFT + slot * index + slot * 0.1 + bar * series_index
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_height - height:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                f'fill="{COLOURS[series_index % len(COLOURS)]}"><title>{escape(str(label))}: '
                f"{escape(_number(item['values'][index], value_format))}</title></rect>"
            )
        parts.append(_x_label(LEFT + slot * index + slot / 2, str(label)))
    return _frame("".join(parts), title=title)


def line_chart(chart: dict, *, title: str) -> str:
    labels, series = chart["labels"], chart["series"]
    value_format = chart.get("value_format", "integer")
    maximum = max((float(v or 0) for item in series for v in item["values"]), default=0)
    grid, maximum = _axis(maximum, value_format)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / max(len(labels) - 1, 1)
    parts = [grid]
    every = max(1, len(labels) // 12)
    for index, label in enumerate(labels):
        if index % every == 0:
            parts.append(_x_label(LEFT + step * index, str(label)))
    for series_index, item in enumerate(series):
        colour = COLOURS[series_index % len(COLOURS)]
        points = " ".join(
            f"{LEFT + step * index:.1f},{TOP + plot_height - plot_height * float(value or 0) / maximum:.1f}"
            for index, value in enumerate(item["values"])
        )
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
    return _frame("".join(parts), title=title)


def heatmap_chart(chart: dict, *, title: str) -> str:
    """`rows` labels down, `labels` across, `series[0].values` a list of rows of fractions."""
    rows, labels, matrix = chart["rows"], chart["labels"], chart["series"][0]["values"]
    cell_width = min(48, (WIDTH - 90) / max(len(labels), 1))
    cell_height = 18
    height = 30 + cell_height * len(rows)
    parts = []
    for index, label in enumerate(labels):
        parts.append(
            f'<text x="{90 + cell_width * index + cell_width / 2:.1f}" y="16" text-anchor="middle">'
            f"{escape(str(label))}</text>"
        )
    for row_index, label in enumerate(rows):
        y = 24 + cell_height * row_index
        parts.append(f'<text x="84" y="{y + 13}" text-anchor="end">{escape(str(label))}</text>')
        for index, value in enumerate(matrix[row_index]):
            if value is None:
                continue
            share = float(value)
            x = 90 + cell_width * index
            text_colour = "#fff" if share > 0.5 else "#212529"
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{cell_width - 1:.1f}" height="{cell_height - 1}" '
                f'fill="rgb({int(255 - 242 * share)},{int(255 - 145 * share)},{int(255 - 2 * share)})"/>'
                f'<text x="{x + cell_width / 2:.1f}" y="{y + 13}" text-anchor="middle" '
                f'fill="{text_colour}" font-size="9">'
                f"{round(share * 100)}</text>"
            )
    width = 90 + cell_width * len(labels) + 10
    return (
        f'<svg class="report-chart" viewBox="0 0 {width:.0f} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="11">{"".join(parts)}</svg>'
    )


def chart_svg(chart: dict | None, *, title: str) -> str:
    if not chart:
        return ""
    draw = {"bar": bar_chart, "line": line_chart, "heatmap": heatmap_chart}[chart["kind"]]
    legend = _legend(chart["series"]) if chart["kind"] != "heatmap" else ""
    return mark_safe(draw(chart, title=title) + legend)  # noqa: S308 — built here, every text escaped

"""An indicator's months as an SVG bar chart with its target as a dashed line (no JavaScript),
drawn with the growth report's canvas (storefront.reports.charts)."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import ceil

from flask_babel import format_decimal, gettext as _
from markupsafe import Markup

from storefront.reports.charts import (
    BOTTOM, HEIGHT, LEFT, REVENUE_COLOUR, RIGHT, TARGET_COLOUR, WIDTH, Canvas, month_label, nice_ticks,
)


def shown_value(value: Fraction | None, unit: str) -> str:
    if value is None:
        return "—"
    number = Decimal(value.numerator) / Decimal(value.denominator)
    return format_decimal(number, format="#,##0.#") + ("%" if unit == "percent" else "")


def indicator_trend_svg(months: list[tuple[str, Fraction | None]], *, unit: str, target: Decimal | None,
                        title: str, chart_id: str) -> Markup:
    values = [float(value) for _key, value in months if value is not None]
    top = max(values + [float(target or 0), 100.0 if unit == "percent" else 1.0])
    canvas = Canvas(nice_ticks(0, top, whole=unit == "count"))
    canvas.y_axis(lambda tick: format_decimal(tick, format="#,##0.#") + ("%" if unit == "percent" else ""))
    slot = (WIDTH - LEFT - RIGHT) / max(len(months), 1)
    label_every = ceil(len(months) / 12) or 1
    for index, (key, value) in enumerate(months):
        x = LEFT + index * slot
        if value is not None:
            canvas.bar(x + slot * 0.15, slot * 0.7, float(value), REVENUE_COLOUR, "bar-value")
        if index % label_every == 0:
            canvas.add('<text x="{}" y="{}" text-anchor="middle" class="tick">{}</text>',
                       round(x + slot / 2, 1), HEIGHT - BOTTOM + 18, month_label(key))
    legend = [(REVENUE_COLOUR, _("Value at the month's end"), "box")]
    if target is not None:
        y = canvas.y(float(target))
        canvas.add('<line class="target-line" x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2" '
                   'stroke-dasharray="6 3"></line>', LEFT, WIDTH - RIGHT, y, y, TARGET_COLOUR)
        legend.append((TARGET_COLOUR, _("Target"), "line"))
    canvas.legend(legend)
    desc = "; ".join(f"{month_label(key)}: {shown_value(value, unit)}" for key, value in months)
    return canvas.svg(chart_id, title, desc or _("No months yet."), "trend-chart")

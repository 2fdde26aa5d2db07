"""The growth report's charts, drawn on the server as SVG: no JavaScript, no CDN.

Each chart is an <svg role="img"> with a <title> and a <desc> for screen readers; the pages
put the same figures in a table beside it. Every piece of text is escaped.
"""
from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from fractions import Fraction
from math import ceil, floor, log10

from babel.numbers import format_compact_decimal
from flask_babel import format_decimal, get_locale, gettext as _
from markupsafe import Markup

from storefront.i18n import local_date
from storefront.reports.figures import RATIO_EDGES
from storefront.reports.services import Bucket

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 40, 48  # room for axis labels and the legend
REVENUE_COLOUR, PROFIT_COLOUR, TARGET_COLOUR, MARKER_COLOUR = "#a8201a", "#d99a00", "#2f6b3a", "#1f1b16"

def ratio_label(value: Decimal | Fraction) -> str:
    return format_decimal(Decimal(value.numerator) / value.denominator if isinstance(value, Fraction) else value,
                          format="#,##0.##")


def bucket_label(bucket: Bucket) -> str:
    low = None if bucket.low is None else Fraction(bucket.low, 100)
    high = None if bucket.high is None else Fraction(bucket.high, 100)
    if low is None:
        return f"< {ratio_label(high)}×"
    if high is None:
        return f"≥ {ratio_label(low)}×"
    return f"{ratio_label(low)}–{ratio_label(high)}×"


def bucket_index(value: Decimal) -> int:
    """The bucket a ratio falls in: [low, high), exactly."""
    return sum(1 for edge in RATIO_EDGES if value * 100 >= edge)


def nice_ticks(low: float, high: float, *, count: int = 5, whole: bool = False) -> list[float]:
    """Round axis values (1, 2 or 5 × 10ⁿ apart) covering low..high, zero included;
    `whole` keeps them whole numbers (counts of products)."""
    low, high = min(low, 0), max(high, 0)
    if high == low:
        high = low + 1
    raw_step = (high - low) / count
    magnitude = 10 ** floor(log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw_step)
    if whole:
        step = max(step, 1)
    first, last = floor(low / step), ceil(high / step)
    return [round(n * step, 10) for n in range(first, last + 1)]


def compact(value: float) -> str:
    return format_compact_decimal(value, locale=get_locale(), fraction_digits=1)


class Canvas:
    """A plot area with a y scale; collects SVG elements as escaped markup."""

    def __init__(self, ticks: list[float]):
        self.low, self.high = ticks[0], ticks[-1]
        self.ticks = ticks
        self.parts: list[Markup] = []

    def y(self, value: float) -> float:
        plot = HEIGHT - TOP - BOTTOM
        return round(TOP + plot * (self.high - value) / (self.high - self.low), 1)

    def add(self, template: str, *values) -> None:
        self.parts.append(Markup(template).format(*values))

    def bar(self, x: float, width: float, value: float, colour: str, css: str) -> None:
        top, base = self.y(max(value, 0)), self.y(min(value, 0))
        self.add('<rect class="{}" x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>',
                 css, round(x, 1), top, round(width, 1), round(base - top, 1), colour)

    def y_axis(self, label) -> None:
        for tick in self.ticks:
            y = self.y(tick)
            self.add('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#e7dfd3"></line>', LEFT, WIDTH - RIGHT, y, y)
            self.add('<text x="{}" y="{}" text-anchor="end" class="tick">{}</text>', LEFT - 6, y + 4, label(tick))

    def marker_label(self, x: float, text: str) -> None:
        """Beside a vertical marker, on its left near the right edge so it stays in view."""
        if x > WIDTH - 140:
            self.add('<text x="{}" y="{}" text-anchor="end" class="marker-label">{}</text>', x - 4, TOP + 8, text)
        else:
            self.add('<text x="{}" y="{}" class="marker-label">{}</text>', x + 4, TOP + 8, text)

    def legend(self, entries: list[tuple[str, str, str]]) -> None:
        """(colour, text, kind) with kind "box" or "line"; laid out left to right above the plot."""
        x = LEFT
        for colour, text, kind in entries:
            if kind == "box":
                self.add('<rect x="{}" y="10" width="12" height="12" fill="{}"></rect>', x, colour)
            else:
                self.add('<line x1="{}" x2="{}" y1="16" y2="16" stroke="{}" stroke-width="2" '
                         'stroke-dasharray="6 3"></line>', x, x + 14, colour)
            self.add('<text x="{}" y="20" class="legend">{}</text>', x + 18, text)
            x += 26 + 7 * len(text)

    def svg(self, chart_id: str, title: str, desc: str, css: str) -> Markup:
        return Markup(
            '<svg class="chart {css}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title {id}-desc" '
            'xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{title}</title>'
            '<desc id="{id}-desc">{desc}</desc>{body}</svg>'
        ).format(css=css, w=WIDTH, h=HEIGHT, id=chart_id, title=title, desc=desc,
                 body=Markup("").join(self.parts))


def ratio_histogram_svg(buckets: list[Bucket], targets: list[Decimal], *, chart_id: str) -> Markup:
    """Grouped bars (revenue, profit) per ratio bucket, with a line at each target ratio."""
    canvas = Canvas(nice_ticks(0, max([b.revenue for b in buckets] + [b.profit for b in buckets] + [1]), whole=True))
    canvas.y_axis(lambda tick: str(int(tick)))
    slot = (WIDTH - LEFT - RIGHT) / len(buckets)
    bar = slot * 0.36
    for index, bucket in enumerate(buckets):
        x = LEFT + index * slot
        canvas.bar(x + slot * 0.12, bar, bucket.revenue, REVENUE_COLOUR, "bar-revenue")
        canvas.bar(x + slot * 0.52, bar, bucket.profit, PROFIT_COLOUR, "bar-profit")
        canvas.add('<text x="{}" y="{}" text-anchor="middle" class="tick">{}</text>',
                   round(x + slot / 2, 1), HEIGHT - BOTTOM + 18, bucket_label(bucket))
    for target in targets:
        index = bucket_index(target)
        low = Decimal(buckets[index].low or 0) / 100
        high = Decimal(buckets[index].high) / 100 if buckets[index].high else low + 1
        x = round(LEFT + (index + float((target - low) / (high - low))) * slot, 1)
        canvas.add('<line class="target-line" x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2" '
                   'stroke-dasharray="6 3"></line>', x, x, TOP - 4, HEIGHT - BOTTOM, TARGET_COLOUR)
        canvas.marker_label(x, _("Target %(ratio)s×", ratio=ratio_label(target)))
    canvas.legend([(REVENUE_COLOUR, _("Revenue ratio"), "box"), (PROFIT_COLOUR, _("Profit ratio"), "box")])
    counts = "; ".join(
        _("%(bucket)s: revenue %(revenue)d, profit %(profit)d", bucket=bucket_label(b), revenue=b.revenue,
          profit=b.profit)
        for b in buckets
    )
    desc = _("Number of products compared with their baseline, by year-one growth ratio on the basis of their "
             "status. %(counts)s.", counts=counts)
    return canvas.svg(chart_id, _("Distribution of growth ratios"), desc, "ratio-histogram")


def month_position(months: list[str], day: date) -> float | None:
    """Where a day falls on the month axis, in slots from the left; None if outside it."""
    key = f"{day:%Y-%m}"
    if key not in months:
        return None
    return months.index(key) + (day.day - 1) / calendar.monthrange(day.year, day.month)[1]


def month_label(key: str) -> str:
    year, month = key.split("-")
    return f"{month}/{year}"


def monthly_chart_svg(
    series: list[tuple[str, int, int]],
    *,
    baseline_revenue: int | None,
    baseline_profit: int | None,
    certified_on: date,
    year_one_ends: date,
    chart_id: str,
    product_name: str,
) -> Markup:
    """Monthly revenue and profit bars, the baseline's monthly averages as dashed lines,
    and the certification day and the end of year one as vertical markers."""
    months = [key for key, _revenue, _profit in series]
    averages = [(value // 12, colour) for value, colour in
                ((baseline_revenue, REVENUE_COLOUR), (baseline_profit, PROFIT_COLOUR)) if value is not None]
    values = [v for _key, revenue, profit in series for v in (revenue, profit)] + [a for a, _c in averages]
    canvas = Canvas(nice_ticks(min(values, default=0), max(values, default=1)))
    canvas.y_axis(compact)
    slot = (WIDTH - LEFT - RIGHT) / max(len(series), 1)
    label_every = ceil(len(series) / 12) or 1
    for index, (key, revenue, profit) in enumerate(series):
        x = LEFT + index * slot
        canvas.bar(x + slot * 0.1, slot * 0.4, revenue, REVENUE_COLOUR, "bar-revenue")
        canvas.bar(x + slot * 0.5, slot * 0.4, profit, PROFIT_COLOUR, "bar-profit")
        if index % label_every == 0:
            canvas.add('<text x="{}" y="{}" text-anchor="middle" class="tick">{}</text>',
                       round(x + slot / 2, 1), HEIGHT - BOTTOM + 18, month_label(key))
    for average, colour in averages:
        y = canvas.y(average)
        canvas.add('<line class="baseline-line" x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2" '
                   'stroke-dasharray="6 3"></line>', LEFT, WIDTH - RIGHT, y, y, colour)
    for day, css, text in ((certified_on, "cert-marker", _("Certified")), (year_one_ends, "year-one-marker", _("Year one ends"))):
        position = month_position(months, day)
        if position is None:
            continue
        x = round(LEFT + position * slot, 1)
        canvas.add('<line class="{}" x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2"></line>',
                   css, x, x, TOP - 4, HEIGHT - BOTTOM, MARKER_COLOUR)
        canvas.marker_label(x, text)
    legend = [(REVENUE_COLOUR, _("Revenue"), "box"), (PROFIT_COLOUR, _("Profit"), "box")]
    if averages:
        legend += [(REVENUE_COLOUR, _("Baseline revenue ÷ 12"), "line"), (PROFIT_COLOUR, _("Baseline profit ÷ 12"), "line")]
    canvas.legend(legend)
    desc = _(
        "Revenue and profit of %(name)s on OCOP Market by month, %(first)s to %(last)s; "
        "certified on %(certified)s, year one ends on %(ends)s.",
        name=product_name, first=month_label(months[0]) if months else "", last=month_label(months[-1]) if months else "",
        certified=local_date(certified_on), ends=local_date(year_one_ends),
    )
    if averages:
        desc += " " + _("Dashed lines: the baseline's monthly average, revenue %(revenue)s and profit %(profit)s.",
                        revenue=compact(baseline_revenue // 12), profit=compact(baseline_profit // 12))
    else:
        desc += " " + _("No baseline has been entered.")
    return canvas.svg(chart_id, _("Monthly revenue and profit of %(name)s", name=product_name), desc, "monthly-chart")

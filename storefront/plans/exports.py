"""A plan's dashboard as a workbook (one sheet per plan): the same figures as the page (its JSON:
storefront.api.schemas)."""
from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from storefront.plans.services import Dashboard, shown_target
from storefront.spreadsheets import ILLEGAL_CHARACTERS_RE, escape_cell

def rounded(value: Fraction | None) -> Decimal | None:
    """Two decimals, halves away from zero, as every output shows a share."""
    if value is None:
        return None
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def dashboard_table(dashboard: Dashboard) -> list[list[object]]:
    rows: list[list[object]] = [[
        _("Indicator"), _("Unit"), _("Value"), _("Counted"), _("Of"), _("Target"), _("Status"),
        _("Change since the period began"),
    ]]
    for figure in dashboard.figures:
        rows.append([
            str(figure.indicator.label), figure.indicator.unit, rounded(figure.value), figure.measure.counted,
            figure.measure.total, shown_target(figure.target.low, figure.target.high) if figure.target else None,
            figure.status, rounded(figure.change),
        ])
    return rows


def sheet_title(dashboard: Dashboard, used: set[str]) -> str:
    """Sheet names: at most 31 characters, none of []:*?/\\, and unique in the workbook."""
    base = ILLEGAL_CHARACTERS_RE.sub("", dashboard.plan.name)
    for character in "[]:*?/\\":
        base = base.replace(character, " ")
    base = f"{base[:24]} {dashboard.plan.years}"[:31].strip()
    title, n = base, 2
    while title.lower() in used:
        title, n = f"{base[:28]} {n}", n + 1
    used.add(title.lower())
    return title


def dashboards_xlsx(dashboards: list[Dashboard]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for dashboard in dashboards:
        sheet = workbook.create_sheet(sheet_title(dashboard, used))
        sheet.append([escape_cell(dashboard.plan.name)])
        sheet.append([_("Area"), dashboard.plan.area.name if dashboard.plan.area else _("The whole country")])
        sheet.append([_("Years"), dashboard.plan.years])
        sheet.append([_("Figures on"), dashboard.day])
        sheet.append([])
        for row in dashboard_table(dashboard):
            sheet.append([escape_cell(cell) for cell in row])
        for cell in sheet[6]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 60
    if not dashboards:  # a workbook needs a sheet
        workbook.create_sheet(_("Plans")).append([_("No plan covers this year.")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

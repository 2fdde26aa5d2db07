"""The 1.5× growth report for programme staff: the table with its summary and ratio chart,
one product's months, and the same table as CSV or XLSX."""
import io
from dataclasses import dataclass
from math import ceil

from dateutil.relativedelta import relativedelta
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_decimal, gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm

from storefront.accounts.access import staff_required
from storefront.admin import bp
from storefront.catalog.labels import GROUP_LABELS, PRODUCER_KIND_LABELS
from storefront.catalog.listing import parse_int
from storefront.clock import vietnam_today
from storefront.extensions import db
from storefront.manage.services import find_product_by_code
from storefront.reports.charts import monthly_chart_svg, ratio_distribution, ratio_histogram_svg
from storefront.reports.exports import growth_csv, growth_xlsx, shown_ratio
from storefront.reports.forms import GrowthTargetForm
from storefront.reports.models import GROWTH_RATIO, PlanTarget
from storefront.reports.services import (
    GrowthReport,
    GrowthRow,
    ReportFilters,
    filter_args,
    growth_report,
    monthly_sales,
    parse_report_filters,
    parse_sort,
    report_areas,
    sort_rows,
)
from storefront.reports.targets import TargetError, growth_targets, remove_growth_target, set_growth_target
from storefront.spreadsheets import MIMETYPES

ROWS_PER_PAGE = 200  # the summary and the exports always cover every row
VIEWS = ("year_one", "trailing")
STATUS_LABELS = {
    "meets": _l("Meets target"),
    "below": _l("Below target"),
    "not_yet_due": _l("Not yet due"),
    "no_baseline": _l("No baseline"),
}


@bp.app_template_filter("growth_ratio")
def growth_ratio(value: float | None) -> str:
    """1,50× in Vietnamese, 1.50× in English: the same two decimals as the exports."""
    shown = shown_ratio(value)
    return "—" if shown is None else format_decimal(shown, format="#,##0.00") + "×"


@dataclass
class RequestedReport:
    report: GrowthReport
    rows: list[GrowthRow]  # every row, in the requested order
    filters: ReportFilters
    sort: str
    descending: bool
    notices: list[str]


def requested_report() -> RequestedReport:
    filters, notices = parse_report_filters(request.args)
    sort, descending, sort_notices = parse_sort(request.args)
    report = growth_report(filters, default_target=current_app.config["GROWTH_TARGET_DEFAULT"])
    rows = sort_rows(report.rows, sort, descending=descending)
    return RequestedReport(report, rows, filters, sort, descending, notices + sort_notices)


def link_args(wanted: RequestedReport, view: str) -> dict[str, dict]:
    """URL arguments that keep the filters (and the order, and the view) across the page's links."""
    filters = filter_args(wanted.filters)
    order = {"sort": wanted.sort, "dir": "desc" if wanted.descending else "asc"}
    view_arg = {"view": view} if view != "year_one" else {}
    return {
        "sort": filters | view_arg,  # a column header sets its own order
        "view": filters | order,
        "page": filters | order | view_arg,
        "export": filters | order,  # files always hold every row, both views' columns
    }


def chart_targets(report: GrowthReport) -> list[float]:
    """The targets the charted products are held to (one, unless plans differ)."""
    return sorted({row.target for row in report.rows if row.status in ("meets", "below")}) or [report.default_target]


@bp.get("/reports/growth")
@staff_required
def growth_report_page():
    wanted = requested_report()
    view = request.args.get("view") if request.args.get("view") in VIEWS else "year_one"
    rows = [row for row in wanted.rows if row.trailing_revenue is not None] if view == "trailing" else wanted.rows
    pages = max(1, ceil(len(rows) / ROWS_PER_PAGE))
    page = min(max(parse_int(request.args.get("page")) or 1, 1), pages)
    histogram = ratio_distribution(wanted.report.rows)
    return render_template(
        "admin/growth.html", wanted=wanted, report=wanted.report, view=view, total=len(rows),
        rows=rows[(page - 1) * ROWS_PER_PAGE:page * ROWS_PER_PAGE], page=page, pages=pages,
        links=link_args(wanted, view), areas=report_areas(), histogram=histogram,
        histogram_svg=ratio_histogram_svg(histogram, chart_targets(wanted.report), chart_id="ratio-chart"),
        status_labels=STATUS_LABELS, group_labels=GROUP_LABELS, kind_labels=PRODUCER_KIND_LABELS,
    )


@bp.get("/reports/growth.<any(csv, xlsx):extension>")
@staff_required
def growth_export(extension: str):
    wanted = requested_report()  # a bad filter value is ignored, as on the page
    data = growth_csv(wanted.rows) if extension == "csv" else growth_xlsx(wanted.rows)
    return send_file(io.BytesIO(data), mimetype=MIMETYPES[extension], as_attachment=True,
                     download_name=f"growth-report-{wanted.report.today:%Y%m%d}.{extension}")


@bp.get("/reports/growth/<product_code>")
@staff_required
def growth_product(product_code: str):
    product = find_product_by_code(product_code)
    if product is None:
        abort(404)
    report = growth_report(ReportFilters(product_id=product.id),
                           default_target=current_app.config["GROWTH_TARGET_DEFAULT"])
    if not report.rows:  # never certified 3★+: it has no year one
        abort(404)
    row = report.rows[0]
    series = monthly_sales(row.product_id, row.certified_on - relativedelta(months=12), report.today)
    chart = monthly_chart_svg(
        series, baseline_revenue=row.baseline_revenue, baseline_profit=row.baseline_profit,
        certified_on=row.certified_on, year_one_ends=row.year_one_ends, chart_id="monthly-chart",
        product_name=row.name,
    )
    return render_template("admin/growth_product.html", row=row, series=series, chart=chart,
                           status_labels=STATUS_LABELS, group_labels=GROUP_LABELS)


@bp.route("/targets", methods=["GET", "POST"])
@staff_required
def growth_targets_page():
    provinces = [province for province, _districts in report_areas()]
    form = GrowthTargetForm(provinces=provinces, year=vietnam_today().year)
    if form.validate_on_submit():
        try:
            created = set_growth_target(year=form.year.data, province=form.provinces.get(form.province.data),
                                        value=form.value.data)
        except TargetError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("Growth target saved.") if created else _("Growth target changed."), "success")
            return redirect(url_for("admin.growth_targets_page"))
    return render_template("admin/targets.html", form=form, targets=growth_targets(), remove_form=FlaskForm(),
                           default_target=current_app.config["GROWTH_TARGET_DEFAULT"])


@bp.post("/targets/<int:target_id>/remove")
@staff_required
def growth_target_remove(target_id: int):
    target = db.session.get(PlanTarget, target_id)
    if target is None or target.indicator != GROWTH_RATIO:
        abort(404)
    remove_growth_target(target=target)
    flash(_("Growth target removed."), "success")
    return redirect(url_for("admin.growth_targets_page"))

"""The 1.5× growth report for programme staff: the table with its summary and ratio chart,
one product's months, and the same table as CSV or XLSX; and what it compares against, entered
one product at a time: each certified product's pre-OCOP baseline and the revenue its producer
declares per calendar year (the files of them are imported on the imports pages)."""
from dataclasses import dataclass
from functools import partial

from dateutil.relativedelta import relativedelta
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, gettext as _, lazy_gettext as _l

from storefront.accounts.access import staff_required
from storefront.admin import bp
from storefront.catalog.labels import GROUP_LABELS, PRODUCER_KIND_LABELS
from storefront.catalog.services import find_product_by_code
from storefront.clock import vietnam_today
from storefront.i18n import current_language, safe_next
from storefront.query_args import choice, number, page_number, query_text
from storefront.reports.charts import bucket_label, monthly_chart_svg, ratio_histogram_svg
from storefront.reports.exports import growth_csv, write_growth_xlsx
from storefront.reports.forms import BaselineForm, DeclaredForm
from storefront.reports.imports import (
    CertifiedProduct,
    certified_product,
    certified_products_page,
    save_baseline,
    save_declared_revenue,
)
from storefront.reports.services import (
    GrowthPage,
    ReportFilters,
    ReportOrder,
    all_growth_rows,
    filter_args,
    growth_page,
    monthly_sales,
    one_growth_row,
    parse_report_filters,
    parse_sort,
    report_areas,
    report_day,
    shown_ratio,
)
from storefront.spreadsheets import csv_download, xlsx_download

ROWS_PER_PAGE = 50  # the summary, the chart and the files always cover every row
VIEWS = ("year_one", "trailing")
STATUS_LABELS = {
    "meets": _l("Meets target"),
    "below": _l("Below target"),
    "not_yet_due": _l("Not yet due"),
    "no_baseline": _l("No baseline"),
    "no_comparable_baseline": _l("No comparable baseline"),
}
BASIS_LABELS = {"declared": _l("Declared figures"), "platform": _l("Platform sales")}
DECLARATION_LABELS = {"full": _l("Full declaration"), "partial": _l("Partial declaration"), "none": _l("Not declared")}
CERTIFICATE_LABELS = {"valid": _l("Valid"), "expired": _l("Expired"), "revoked": _l("Revoked")}


@bp.app_template_filter("growth_ratio")
def growth_ratio(value) -> str:
    """1,50× in Vietnamese, 1.50× in English: the same two decimals as the exports."""
    shown = shown_ratio(value)
    return "—" if shown is None else format_decimal(shown, format="#,##0.00") + "×"


bp.add_app_template_filter(bucket_label, "bucket_label")


@dataclass
class RequestedReport:
    filters: ReportFilters
    order: ReportOrder
    view: str
    notices: list[str]


def requested_report() -> RequestedReport:
    filters, notices = parse_report_filters(request.args)
    order, sort_notices = parse_sort(request.args)
    view = choice(request.args, "view", VIEWS) or "year_one"
    return RequestedReport(filters, order, view, notices + sort_notices)


def link_args(wanted: RequestedReport) -> dict[str, dict]:
    """URL arguments that keep the filters (and the order, and the view) across the page's links."""
    filters = filter_args(wanted.filters)
    order = {"sort": wanted.order.column, "dir": "desc" if wanted.order.descending else "asc"}
    view_arg = {"view": wanted.view} if wanted.view != "year_one" else {}
    return {
        "sort": filters | view_arg,  # a column header sets its own order
        "view": filters | order,
        "page": filters | order | view_arg,
        "export": filters | order,  # files always hold every row, both views' columns
    }


@bp.get("/reports/growth")
@staff_required
def growth_report_page():
    wanted = requested_report()
    page: GrowthPage = growth_page(
        wanted.filters, default_target=current_app.config["GROWTH_TARGET_DEFAULT"], order=wanted.order,
        page=page_number(request.args), per_page=ROWS_PER_PAGE,
        past_year_one=wanted.view == "trailing",
    )
    return render_template(
        "admin/growth.html", wanted=wanted, report=page, view=wanted.view, links=link_args(wanted),
        areas=report_areas(),
        histogram_svg=ratio_histogram_svg(page.histogram, page.targets or [page.default_target], chart_id="ratio-chart"),
        status_labels=STATUS_LABELS, basis_labels=BASIS_LABELS, declaration_labels=DECLARATION_LABELS,
        certificate_labels=CERTIFICATE_LABELS, group_labels=GROUP_LABELS, kind_labels=PRODUCER_KIND_LABELS,
    )


@bp.get("/reports/growth.<any(csv, xlsx):extension>")
@staff_required
def growth_export(extension: str):
    wanted = requested_report()  # a bad filter value is ignored, as on the page
    rows = all_growth_rows(wanted.filters, default_target=current_app.config["GROWTH_TARGET_DEFAULT"],
                           order=wanted.order)
    name = f"growth-report-{report_day():%Y%m%d}.{extension}"
    if extension == "csv":
        return csv_download(growth_csv(rows, current_language()), name)
    return xlsx_download(partial(write_growth_xlsx, rows=rows, language=current_language()), name)


@bp.get("/reports/growth/<product_code>")
@staff_required
def growth_product(product_code: str):
    product = find_product_by_code(product_code)
    if product is None:
        abort(404)
    row = one_growth_row(product, default_target=current_app.config["GROWTH_TARGET_DEFAULT"])
    if row is None:  # never certified 3★+: it has no year one
        abort(404)
    series = monthly_sales(row.product_id, row.certified_on - relativedelta(months=12), report_day())
    chart = monthly_chart_svg(
        series, baseline_revenue=row.baseline_revenue, baseline_profit=row.baseline_profit,
        certified_on=row.certified_on, year_one_ends=row.year_one_ends, chart_id="monthly-chart",
        product_name=row.name,
    )
    return render_template("admin/growth_product.html", row=row, series=series, chart=chart,
                           status_labels=STATUS_LABELS, basis_labels=BASIS_LABELS,
                           declaration_labels=DECLARATION_LABELS, certificate_labels=CERTIFICATE_LABELS,
                           group_labels=GROUP_LABELS)


@bp.get("/targets")
@staff_required
def growth_targets_page():
    """Growth targets are now the growth indicator of plans."""
    return redirect(url_for("admin.plans_page"), code=301)


# --- Baselines and declared revenue ------------------------------------------------------------


@bp.get("/baselines")
@staff_required
def baselines():
    q = query_text(request.args)
    without = request.args.get("without") == "1"
    pages = certified_products_page(q=q, without_baseline=without, page=page_number(request.args))
    return render_template("admin/baselines.html", pages=pages, q=q, without=without)


@bp.route("/baselines/<code>", methods=["GET", "POST"])
@staff_required
def baseline_edit(code: str):
    item = product_or_404(code)
    back = back_to("admin.baselines")
    form = BaselineForm(obj=item.baseline)
    if form.validate_on_submit():
        created = save_baseline(product=item.product, revenue=form.revenue.data, profit=form.profit.data,
                                source=form.source.data, note=form.note.data)
        name = item.product.name_vi
        flash(_("Baseline created for %(product)s.", product=name) if created
              else _("Baseline updated for %(product)s.", product=name), "success")
        return redirect(back)
    return render_template("admin/baselines_edit.html", item=item, form=form, back=back)


@bp.get("/declared")
@staff_required
def declared():
    q = query_text(request.args)
    pages = certified_products_page(q=q, page=page_number(request.args))
    return render_template("admin/declared.html", pages=pages, q=q)


@bp.route("/declared/<code>", methods=["GET", "POST"])
@staff_required
def declared_edit(code: str):
    item = product_or_404(code)
    by_year = {d.year: d for d in item.declarations}
    year = number(request.args, "year", 1900, 9999) or default_year(item)
    form = DeclaredForm(obj=by_year.get(year), year=year)
    if form.validate_on_submit():
        created = save_declared_revenue(product=item.product, year=form.year.data, revenue=form.revenue.data,
                                        profit=form.profit.data, note=form.note.data)
        year = form.year.data
        flash(_("Declared revenue for %(year)d created.", year=year) if created
              else _("Declared revenue for %(year)d updated.", year=year), "success")
        return redirect(url_for("admin.declared_edit", code=item.product.code, next=request.args.get("next")))
    return render_template("admin/declared_edit.html", item=item, form=form, back=back_to("admin.declared"))


def product_or_404(code: str) -> CertifiedProduct:
    item = certified_product(code)
    if item is None:
        abort(404)
    return item


def default_year(item: CertifiedProduct) -> int:
    """The first year the growth report weighs that is over and not declared yet; else last year."""
    last_year = vietnam_today().year - 1
    declared = {d.year for d in item.declarations}
    return next((year for year in item.report_years if year <= last_year and year not in declared), last_year)


def back_to(endpoint: str) -> str:
    """Where the list was (its search and page), else the list itself."""
    return safe_next(request.args["next"]) if request.args.get("next") else url_for(endpoint)

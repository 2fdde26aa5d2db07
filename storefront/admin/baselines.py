"""Staff enter what the growth report compares against: each certified product's pre-OCOP
baseline and the revenue its producer declares per calendar year, one by one or as a file."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from storefront.accounts.access import staff_required
from storefront.admin import bp
from storefront.admin.uploads import import_page, spreadsheet
from storefront.clock import vietnam_today
from storefront.i18n import safe_next
from storefront.query_args import number, page_number
from storefront.reports.forms import BaselineForm, DeclaredForm
from storefront.reports.imports import (
    MAX_FILE_BYTES,
    MAX_FILE_LINES,
    CertifiedProduct,
    baseline_template_rows,
    certified_product,
    certified_products_page,
    declared_template_rows,
    import_baselines,
    import_declarations,
    save_baseline,
    save_declared_revenue,
)


@bp.get("/baselines")
@staff_required
def baselines():
    q = request.args.get("q", "").strip()[:100]
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
    q = request.args.get("q", "").strip()[:100]
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


@bp.route("/baselines/import", methods=["GET", "POST"])
@staff_required
def baselines_import():
    return import_page(import_baselines, "admin/baselines_import.html", url_for("admin.baselines"),
                       max_bytes=MAX_FILE_BYTES, max_lines=MAX_FILE_LINES)


@bp.route("/declared/import", methods=["GET", "POST"])
@staff_required
def declared_import():
    return import_page(import_declarations, "admin/declared_import.html", url_for("admin.declared"),
                       max_bytes=MAX_FILE_BYTES, max_lines=MAX_FILE_LINES)


@bp.get("/baselines/template.<any(csv, xlsx):extension>")
@staff_required
def baselines_template(extension: str):
    return spreadsheet(baseline_template_rows(), extension, "baselines")


@bp.get("/declared/template.<any(csv, xlsx):extension>")
@staff_required
def declared_template(extension: str):
    return spreadsheet(declared_template_rows(), extension, "declared-revenue")


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

"""Plans and their targets (/admin/plans), the plan dashboard (/admin/dashboard) with the list
behind each number and its months, the national view of every province's plan, and the
re-evaluation watchlist (/admin/watchlist): lapsing, lapsed and revoked certificates, filtered,
exported, and each product's re-evaluation marked as scheduled."""
from __future__ import annotations

from functools import partial

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from storefront.accounts.access import staff_required
from storefront.admin import bp
from storefront.catalog.labels import GROUP_LABELS
from storefront.catalog.models import Product
from storefront.clock import vietnam_today
from storefront.extensions import db
from storefront.plans.charts import indicator_trend_svg, shown_value
from storefront.plans.exports import dashboards_xlsx
from storefront.plans.forms import PlanForm, ScheduleForm
from storefront.plans.indicators import BY_CODE, INDICATORS
from storefront.plans.members import MemberFilters, member_sheet_title, member_table, members_page
from storefront.plans.models import Plan
from storefront.plans.services import (
    PlanError,
    all_plans,
    create_plan,
    default_plan,
    indicator_figure,
    indicator_months,
    plan_dashboard,
    plan_provinces,
    plan_scope,
    plans_of_year,
    remove_plan,
    shown_target,
    update_plan,
)
from storefront.plans.watchlist import (
    WATCH_DAYS,
    WatchFilters,
    WatchlistError,
    schedule_reevaluation,
    scheduled_count,
    watchlist_page,
    watchlist_table,
)
from storefront.query_args import choice, parse_int
from storefront.reports.services import report_areas
from storefront.spreadsheets import MIMETYPES, attachment, csv_chunks, csv_download, write_xlsx, xlsx_download


@bp.app_template_filter("indicator_value")
def indicator_value(value, unit: str) -> str:
    return shown_value(value, unit)


@bp.app_template_filter("plan_target")
def plan_target(target) -> str:
    return "—" if target is None else shown_target(target.low, target.high)


def plan_or_404(plan_id: int) -> Plan:
    return db.session.get(Plan, plan_id) or abort(404)


def provinces() -> list:
    return [province for province, _districts in report_areas()]


@bp.get("/plans")
@staff_required
def plans_page():
    return render_template("admin/plans/list.html", plans=all_plans())


@bp.route("/plans/new", methods=["GET", "POST"])
@staff_required
def plan_new():
    year = vietnam_today().year
    form = PlanForm(provinces=provinces(), first_year=year, last_year=year)
    if form.validate_on_submit():
        try:
            plan = create_plan(details=form.details(), actor=current_user)
        except PlanError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("Plan %(name)s created.", name=plan.name), "success")
            return redirect(url_for("admin.dashboard", plan=plan.id))
    return render_template("admin/plans/form.html", form=form, plan=None)


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@staff_required
def plan_edit(plan_id: int):
    plan = plan_or_404(plan_id)
    form = PlanForm(obj=plan, provinces=provinces(), plan=plan)
    if form.validate_on_submit():
        try:
            update_plan(plan=plan, details=form.details(), actor=current_user)
        except PlanError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("Plan %(name)s saved.", name=plan.name), "success")
            return redirect(url_for("admin.plans_page"))
    return render_template("admin/plans/form.html", form=form, plan=plan)


@bp.post("/plans/<int:plan_id>/remove")
@staff_required
def plan_remove(plan_id: int):
    plan = plan_or_404(plan_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    remove_plan(plan=plan, actor=current_user)
    flash(_("Plan %(name)s removed.", name=plan.name), "success")
    return redirect(url_for("admin.plans_page"))


def chosen_plan() -> Plan | None:
    """?plan=<id>, or the staff member's default; an unknown id is a 404."""
    if request.args.get("plan"):
        return plan_or_404(parse_int(request.args.get("plan")) or 0)
    return default_plan(current_user)


@bp.get("/dashboard")
@staff_required
def dashboard():
    plan = chosen_plan()
    board = plan_dashboard(plan) if plan else None
    scheduled = scheduled_count(plan_provinces(plan)) if plan else 0
    return render_template("admin/plans/dashboard.html", plan=plan, board=board, plans=all_plans(),
                           scheduled=scheduled)


@bp.get("/dashboard/<int:plan_id>/<indicator>")
@staff_required
def dashboard_indicator(plan_id: int, indicator: str):
    plan = plan_or_404(plan_id)
    if indicator not in BY_CODE:
        abort(404)
    filters = MemberFilters.parse(request.args)
    scope = plan_scope(plan)
    figure = indicator_figure(plan, indicator)
    months = indicator_months(plan, indicator)
    chart = indicator_trend_svg(months, unit=figure.indicator.unit,
                                target=figure.target.low if figure.target else None,
                                title=str(figure.indicator.label), chart_id="trend-chart")
    return render_template(
        "admin/plans/indicator.html", plan=plan, figure=figure, day=scope.day, filters=filters,
        members=members_page(indicator, scope, filters, request.args.get("page")), chart=chart, months=months,
        districts=district_choices(plan), group_labels=GROUP_LABELS,
    )


def district_choices(plan: Plan) -> list:
    return [district for province, districts in report_areas()
            if plan.area_id is None or province.id == plan.area_id for district in districts]


@bp.get("/dashboard/<int:plan_id>/<indicator>.<any(csv, xlsx):extension>")
@staff_required
def dashboard_indicator_export(plan_id: int, indicator: str, extension: str):
    plan = plan_or_404(plan_id)
    if indicator not in BY_CODE:
        abort(404)
    rows = member_table(indicator, plan_scope(plan), MemberFilters.parse(request.args))
    name = f"plan-{plan.id}-{indicator}-{vietnam_today():%Y%m%d}.{extension}"
    if extension == "csv":
        return csv_download(csv_chunks(rows), name)
    return xlsx_download(partial(write_xlsx, rows=rows, title=member_sheet_title(indicator), bold_header=True,
                                 column_widths=(16, 48, 24, 20, 10, 16, 28)), name)


def national_year() -> int:
    year = parse_int(request.args.get("year"))
    return year if year and 2000 <= year <= 2100 else vietnam_today().year


@bp.get("/dashboard/national")
@staff_required
def dashboard_national():
    year = national_year()
    boards = [plan_dashboard(plan, every_indicator=True) for plan in plans_of_year(year)]
    sort = choice(request.args, "sort", BY_CODE)
    descending = request.args.get("dir") == "desc"
    if sort:
        def key(board):
            value = board.figure(sort).value
            return (value is None, -value if descending and value is not None else value or 0)
        boards.sort(key=key)
    return render_template("admin/plans/national.html", boards=boards, year=year, indicators=INDICATORS,
                           sort=sort, descending=descending)


@bp.get("/dashboard.xlsx")
@staff_required
def dashboard_xlsx():
    """Every plan of the year (or the one asked for), one sheet each."""
    if request.args.get("plan"):
        plans = [plan_or_404(parse_int(request.args.get("plan")) or 0)]
    else:
        plans = plans_of_year(national_year())
    data = dashboards_xlsx([plan_dashboard(plan) for plan in plans])
    name = f"plan-dashboard-{vietnam_today():%Y%m%d}.xlsx"
    return Response(data, mimetype=MIMETYPES["xlsx"], headers=attachment(name))


# --- The re-evaluation watchlist ----------------------------------------------------------------


WATCH_LABELS = {
    "expiring": _l("Expires within %(days)d days", days=WATCH_DAYS),
    "expired": _l("Expired, not re-certified"),
    "revoked": _l("Revoked"),
}


@bp.get("/watchlist")
@staff_required
def watchlist():
    filters = WatchFilters.parse(request.args)
    page = watchlist_page(filters, request.args.get("page"))
    return render_template("admin/plans/watchlist.html", filters=filters, page=page, areas=report_areas(),
                           labels=WATCH_LABELS, group_labels=GROUP_LABELS, form=ScheduleForm())


@bp.get("/watchlist.<any(csv, xlsx):extension>")
@staff_required
def watchlist_export(extension: str):
    rows = watchlist_table(WatchFilters.parse(request.args), WATCH_LABELS)
    name = f"watchlist-{vietnam_today():%Y%m%d}.{extension}"
    if extension == "csv":
        return csv_download(csv_chunks(rows), name)
    return xlsx_download(partial(write_xlsx, rows=rows, title=_("Re-evaluation watchlist"), bold_header=True,
                                 number_formats=[None] * 10 + ["#,##0"]), name)


@bp.post("/watchlist/<int:product_id>/schedule")
@staff_required
def watchlist_schedule(product_id: int):
    product = db.session.get(Product, product_id) or abort(404)
    form = ScheduleForm()
    back = redirect(request.form.get("next") if (request.form.get("next") or "").startswith("/admin/watchlist")
                    else url_for("admin.watchlist"))
    if not form.validate_on_submit():
        flash(_("Give the day as a date, such as %(day)s.", day=vietnam_today().isoformat()), "error")
        return back
    try:
        schedule_reevaluation(product=product, scheduled_on=form.scheduled_on.data, note=form.note.data or "",
                              actor=current_user)
    except WatchlistError as error:
        flash(str(error), "error")
    else:
        flash(_("Re-evaluation of %(product)s scheduled.", product=product.name_vi) if form.scheduled_on.data
              else _("Schedule of %(product)s cleared.", product=product.name_vi), "success")
    return back

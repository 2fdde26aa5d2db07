"""The sales-point network for programme staff: the list, one outlet's page with its history,
opening, editing, closing and reopening outlets, who manages them, and district coverage."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from storefront.accounts.access import staff_required
from storefront.accounts.forms import ActionForm
from storefront.accounts.models import User
from storefront.accounts.services import find_user
from storefront.admin import bp
from storefront.admin.outlets.services import sales_point_coverage
from storefront.audit.services import record_history
from storefront.catalog.areas import find_area
from storefront.extensions import db
from storefront.form_fields import refreshing_area
from storefront.orders.services import open_orders_at
from storefront.outlets.forms import CloseOutletForm, ManagerForm, OutletForm
from storefront.outlets.management import (
    OutletFilters,
    close_outlet,
    district_places,
    find_outlet,
    open_outlet,
    outlets_page,
    reopen_outlet,
    stock_on_hand,
    update_outlet,
)
from storefront.outlets.models import OUTLET_KINDS, Outlet
from storefront.outlets.routes import map_points
from storefront.outlets.services import OutletError, assign_manager, unassign_manager
from storefront.query_args import choice, page_number, query_text

STATUSES = {"open": True, "closed": False}


@bp.get("/outlets")
@staff_required
def outlets():
    q = query_text(request.args)
    kind = choice(request.args, "kind", OUTLET_KINDS)
    status = choice(request.args, "status", STATUSES)
    area = find_area(request.args.get("area", "").strip())
    if area is not None and area.level not in ("province", "district"):
        area = None
    filters = OutletFilters(q=q, kind=kind, area=area, open=STATUSES.get(status))
    pages = outlets_page(filters, page=page_number(request.args))
    args = {"q": q or None, "kind": kind, "status": status, "area": area.code if area else None}
    return render_template("admin/outlets/list.html", pages=pages, args=args, places=district_places())


@bp.get("/outlets/coverage")
@staff_required
def outlet_coverage():
    todays_areas = request.args.get("areas") == "today"
    provinces = sales_point_coverage(todays_areas=todays_areas)
    districts = [district for province in provinces for district in province.districts]
    return render_template(
        "admin/outlets/coverage.html",
        provinces=provinces,
        todays_areas=todays_areas,
        total=len(districts),
        covered=sum(province.covered for province in provinces),
        uncovered=[district for district in districts if not district.covered],
    )


@bp.route("/outlets/new", methods=["GET", "POST"])
@staff_required
def outlet_new():
    form = OutletForm(creating=True, pickup_enabled=True)
    if not refreshing_area() and form.validate_on_submit():
        try:
            outlet = open_outlet(code=form.code.data, details=form.details(), actor=current_user)
        except OutletError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("%(outlet)s is open.", outlet=outlet.name), "success")
            return redirect(url_for("admin.outlet_page", code=outlet.code))
    return render_template("admin/outlets/form.html", form=form, outlet=None)


@bp.get("/outlets/<code>")
@staff_required
def outlet_page(code: str):
    outlet = outlet_or_404(code)
    return render_outlet_page(outlet)


@bp.route("/outlets/<code>/edit", methods=["GET", "POST"])
@staff_required
def outlet_edit(code: str):
    outlet = outlet_or_404(code)
    form = OutletForm(creating=False, obj=outlet)
    if request.method == "GET":
        form.show_place(outlet.area)
    elif not refreshing_area() and form.validate_on_submit():
        try:
            changed = update_outlet(outlet=outlet, details=form.details(), actor=current_user)
        except OutletError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("Saved the changes to %(outlet)s.", outlet=outlet.name) if changed
                  else _("Nothing changed."), "success" if changed else "info")
            return redirect(url_for("admin.outlet_page", code=outlet.code))
    return render_template("admin/outlets/form.html", form=form, outlet=outlet)


@bp.route("/outlets/<code>/close", methods=["GET", "POST"])
@staff_required
def outlet_close(code: str):
    outlet = outlet_or_404(code)
    if not outlet.active:
        return redirect(url_for("admin.outlet_page", code=outlet.code))
    form = CloseOutletForm()
    if form.validate_on_submit():
        try:
            close_outlet(outlet=outlet, reason=form.reason.data, actor=current_user)
        except OutletError as error:
            form.reason.errors.append(str(error))
        else:
            flash(_("%(outlet)s is closed.", outlet=outlet.name), "success")
            return redirect(url_for("admin.outlet_page", code=outlet.code))
    return render_template("admin/outlets/close.html", outlet=outlet, form=form, stock=stock_on_hand(outlet),
                           open_orders=open_orders_at(outlet))


@bp.post("/outlets/<code>/reopen")
@staff_required
def outlet_reopen(code: str):
    outlet = outlet_or_404(code)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        reopen_outlet(outlet=outlet, actor=current_user)
    except OutletError as error:
        flash(str(error), "error")
    else:
        flash(_("%(outlet)s is open again.", outlet=outlet.name), "success")
    return redirect(url_for("admin.outlet_page", code=outlet.code))


@bp.post("/outlets/<code>/managers")
@staff_required
def outlet_add_manager(code: str):
    outlet = outlet_or_404(code)
    form = ManagerForm()
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if user is None:
            form.email.errors.append(_("No account has the email %(email)s.", email=form.email.data))
        elif link_manager(outlet, user, form.email):
            return redirect(url_for("admin.outlet_page", code=outlet.code))
    return render_outlet_page(outlet, manager_form=form)


@bp.post("/outlets/<code>/managers/<int:user_id>/remove")
@staff_required
def outlet_remove_manager(code: str, user_id: int):
    outlet = outlet_or_404(code)
    user = next((manager for manager in outlet.managers if manager.id == user_id), None)
    if user is None:
        abort(404)
    unlink_manager(outlet, user)
    return redirect(url_for("admin.outlet_page", code=outlet.code))


# Who runs an outlet: changed from the outlet's page and from the manager's page alike.


def link_manager(outlet: Outlet, user: User, field) -> bool:
    """Link them and say so; or put the refusal on the form's field and return False."""
    try:
        assign_manager(outlet=outlet, user=user, actor=current_user)
    except OutletError as error:
        field.errors.append(str(error))
        return False
    flash(_("%(email)s now runs %(outlet)s.", email=user.email, outlet=outlet.name), "success")
    return True


def unlink_manager(outlet: Outlet, user: User) -> None:
    if not ActionForm().validate_on_submit():
        abort(400)
    unassign_manager(outlet=outlet, user=user, actor=current_user)
    flash(_("%(email)s no longer runs %(outlet)s.", email=user.email, outlet=outlet.name), "success")


def outlet_or_404(code: str) -> Outlet:
    outlet = find_outlet(code)
    if outlet is None:
        abort(404)
    return outlet


def render_outlet_page(outlet: Outlet, *, manager_form: ManagerForm | None = None):
    return render_template(
        "admin/outlets/page.html",
        outlet=outlet,
        managers=sorted(outlet.managers, key=lambda user: user.email),
        manager_form=manager_form or ManagerForm(formdata=None),
        stock=stock_on_hand(outlet),
        open_orders=open_orders_at(outlet),
        points=map_points([outlet]),
        history=record_history(outlet),
        manager_emails=manager_choices(),
    )


def manager_choices() -> list[str]:
    """Manager accounts to suggest in the form (a few hundred nationally)."""
    return list(db.session.scalars(
        db.select(User.email).where(User.role == "manager", User.active.is_(True)).order_by(User.email)
    ))

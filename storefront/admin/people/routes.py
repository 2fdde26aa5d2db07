"""People (admins only): the accounts, their roles and outlets, disabling them, reset links."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from storefront.accounts.access import admin_required
from storefront.accounts.forms import ROLE_LABELS, ActionForm, OutletCodeForm, RoleForm
from storefront.accounts.models import ROLES, User
from storefront.accounts.services import (
    AccountError,
    change_role,
    disable_user,
    enable_user,
    people_page,
    send_password_reset,
)
from storefront.admin import bp
from storefront.admin.outlets.routes import link_manager, unlink_manager
from storefront.audit.services import record_history
from storefront.extensions import db
from storefront.outlets.models import Outlet
from storefront.query_args import choice, page_number, query_text

STATUSES = {"active": True, "disabled": False}


@bp.get("/users")
@admin_required
def people():
    q = query_text(request.args)
    role = choice(request.args, "role", ROLES)
    status = choice(request.args, "status", STATUSES)
    pages = people_page(q=q, role=role, active=STATUSES.get(status), page=page_number(request.args))
    return render_template("admin/people.html", pages=pages, q=q, role=role, status=status, role_labels=ROLE_LABELS)


@bp.get("/users/<int:user_id>")
@admin_required
def person(user_id: int):
    return person_page(user_or_404(user_id))


@bp.post("/users/<int:user_id>/role")
@admin_required
def person_role(user_id: int):
    user = user_or_404(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            changed = change_role(user=user, role=form.role.data, actor=current_user)
        except AccountError as error:
            form.role.errors.append(str(error))
        else:
            if changed:
                flash(_("%(email)s is now: %(role)s.", email=user.email, role=ROLE_LABELS[user.role]), "success")
            return redirect(url_for("admin.person", user_id=user.id))
    return person_page(user, role_form=form)


@bp.post("/users/<int:user_id>/disable")
@admin_required
def person_disable(user_id: int):
    user = user_or_404(user_id)
    return account_action(user, lambda: disable_user(user=user, actor=current_user),
                          _("%(email)s is disabled: it can no longer log in.", email=user.email))


@bp.post("/users/<int:user_id>/enable")
@admin_required
def person_enable(user_id: int):
    user = user_or_404(user_id)
    return account_action(user, lambda: enable_user(user=user, actor=current_user),
                          _("%(email)s is enabled again.", email=user.email))


@bp.post("/users/<int:user_id>/reset-link")
@admin_required
def person_reset_link(user_id: int):
    user = user_or_404(user_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        send_password_reset(user=user, actor=current_user)
    except AccountError as error:
        return person_page(user, action_error=str(error))
    flash(_("A password-reset link is on its way to %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.post("/users/<int:user_id>/outlets")
@admin_required
def person_assign_outlet(user_id: int):
    user = user_or_404(user_id)
    form = OutletCodeForm()
    if form.validate_on_submit():
        outlet = db.session.scalar(db.select(Outlet).where(Outlet.code == form.code.data))
        if outlet is None:
            form.code.errors.append(_("No outlet has the code %(code)s.", code=form.code.data))
        elif link_manager(outlet, user, form.code):
            return redirect(url_for("admin.person", user_id=user.id))
    return person_page(user, outlet_form=form)


@bp.post("/users/<int:user_id>/outlets/<code>/remove")
@admin_required
def person_unassign_outlet(user_id: int, code: str):
    user = user_or_404(user_id)
    outlet = next((outlet for outlet in user.outlets if outlet.code == code), None)
    if outlet is None:
        abort(404)
    unlink_manager(outlet, user)
    return redirect(url_for("admin.person", user_id=user.id))


def user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


def account_action(user: User, action, success: str):
    """Disable or enable: the button's form, the rule, then the message."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        action()
    except AccountError as error:
        return person_page(user, action_error=str(error))
    flash(success, "success")
    return redirect(url_for("admin.person", user_id=user.id))


def person_page(user: User, *, role_form: RoleForm | None = None, outlet_form: OutletCodeForm | None = None,
                action_error: str | None = None):
    outlets = db.session.execute(
        db.select(Outlet.code, Outlet.name).where(Outlet.active.is_(True)).order_by(Outlet.code)
    ).all() if user.role == "manager" else []
    return render_template(
        "admin/person.html",
        person=user,
        role_form=role_form or RoleForm(role=user.role),
        outlet_form=outlet_form or OutletCodeForm(formdata=None),
        action_error=action_error,
        outlet_choices=outlets,
        history=record_history(user),
        role_labels=ROLE_LABELS,
    )

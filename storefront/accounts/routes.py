from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from storefront.accounts import bp
from storefront.accounts.forms import LoginForm, RegisterForm
from storefront.accounts.services import AccountError, authenticate, create_user, find_user
from storefront.extensions import limiter
from storefront.i18n import safe_next


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(email=form.email.data, password=form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong email or password."))
        else:
            login_user(user)
            flash(_("Welcome back!"), "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        if find_user(form.email.data):
            form.email.errors.append(_("An account with this email already exists."))
        else:
            try:
                user = create_user(
                    email=form.email.data, password=form.password.data, name=form.name.data
                )
            except AccountError as error:
                form.email.errors.append(str(error))
            else:
                login_user(user)
                flash(_("Your account is ready."), "success")
                return redirect(url_for("catalog.home"))
    return render_template("accounts/register.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("catalog.home"))

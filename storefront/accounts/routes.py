from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from storefront.accounts import bp
from storefront.accounts.forms import ForgotPasswordForm, LoginForm, NewPasswordForm, RegisterForm
from storefront.accounts.services import (
    AccountError,
    ResetLinkExpired,
    authenticate,
    log_in,
    log_out,
    register_customer,
    request_password_reset,
    reset_password,
    user_for_reset_token,
)
from storefront.extensions import limiter
from storefront.i18n import current_language, safe_next


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def account_limit() -> str:
    return current_app.config["ACCOUNT_RATE_LIMIT"]


def account_tried() -> str:
    """The account a form names, whatever address sends it: guesses spread over many addresses
    still add up on the account they try."""
    return "account:" + request.form.get("email", "").strip().lower()[:120]


def login_failed(response) -> bool:
    """A login that worked redirects; only the others count against the account."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(account_limit, key_func=account_tried, methods=["POST"], deduct_when=login_failed)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(email=form.email.data, password=form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong email or password."))
        else:
            log_in(user)
            flash(_("Welcome back!"), "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(account_limit, key_func=account_tried, methods=["POST"])  # each may send a message
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            register_customer(email=form.email.data, password=form.password.data, name=form.name.data,
                              language=current_language())
        except AccountError as error:
            form.password.errors.append(str(error))
        else:
            # The same words whether or not the address had an account, so the form reveals nobody.
            flash(_("We have sent a message to %(email)s: follow it to log in.",
                    email=form.email.data.strip().lower()), "info")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/register.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    log_out(current_user)
    flash(_("You are logged out."), "info")
    return redirect(url_for("catalog.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(account_limit, key_func=account_tried, methods=["POST"])  # each may send a message
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(email=form.email.data, language=current_language())
        # The same words whether or not the account exists, so the form reveals nobody.
        flash(_("If an account exists for %(email)s, we have sent it a link to choose a new password. "
                "The link works for %(hours)d hours.", email=form.email.data.strip().lower(),
                hours=current_app.config["PASSWORD_RESET_HOURS"]), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def reset_password_page(token: str):
    try:
        user = user_for_reset_token(token)
    except AccountError as error:
        expired = isinstance(error, ResetLinkExpired)
        return render_template("accounts/reset_link_unusable.html", message=str(error), expired=expired), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            reset_password(token=token, password=form.password.data)
        except AccountError as error:
            form.password.errors.append(str(error))
        else:
            flash(_("Your password is changed. Log in with it now."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form, user=user)

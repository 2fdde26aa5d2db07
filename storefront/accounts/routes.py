from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from storefront.accounts import bp
from storefront.accounts.forms import (
    AddressForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    ProfileForm,
    RegisterForm,
)
from storefront.accounts.services import (
    AccountError,
    ResetLinkExpired,
    WrongPassword,
    add_address,
    authenticate,
    change_password,
    log_in,
    log_out,
    register_customer,
    remove_address,
    request_password_reset,
    reset_password,
    update_profile,
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


def landing_page(user) -> str:
    """Where a login without a page to go back to leads: managers and staff to their workspace."""
    if user.is_staff:
        return url_for("admin.index")
    if user.role == "manager":
        return url_for("manage.index")
    return url_for("catalog.home")


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
            wanted = request.args.get("next")
            return redirect(safe_next(wanted) if wanted else landing_page(user))
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


# A person's own account


def account_page(profile: ProfileForm | None = None, address: AddressForm | None = None, status: int = 200):
    return render_template("accounts/account.html", profile=profile or ProfileForm(obj=current_user),
                           address_form=address or AddressForm(formdata=None)), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ProfileForm(obj=current_user)
    if not form.validate_on_submit():
        return account_page(form, status=400 if form.is_submitted() else 200)
    update_profile(user=current_user, name=form.name.data, phone=form.phone.data)
    flash(_("Your details are saved."), "success")
    return redirect(url_for(".account"))


@bp.post("/account/addresses")
@login_required
def address_add():
    form = AddressForm()
    if form.validate_on_submit():
        try:
            add_address(user=current_user, address=form.address.data)
        except AccountError as error:
            form.address.errors.append(str(error))
        else:
            flash(_("The address is saved."), "success")
            return redirect(url_for(".account"))
    return account_page(address=form, status=400)


@bp.post("/account/addresses/<int:address_id>/delete")
@login_required
def address_remove(address_id: int):
    address = next((kept for kept in current_user.addresses if kept.id == address_id), None)
    if address is None:
        abort(404)
    remove_address(user=current_user, address=address)
    flash(_("The address is removed."), "info")
    return redirect(url_for(".account"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password_change():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_password(user=user, current=form.current.data, password=form.password.data)
        except AccountError as error:
            (form.current if isinstance(error, WrongPassword) else form.password).errors.append(str(error))
        else:
            log_in(user)  # the change ended every session, this one included
            flash(_("Your password is changed."), "success")
            return redirect(url_for(".account"))
    return render_template("accounts/password_change.html", form=form), 400 if form.is_submitted() else 200

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp, ValidationError

from storefront.accounts.models import ROLES
from storefront.accounts.services import MAX_PASSWORD_LENGTH, AccountError, check_password_rules
from storefront.form_fields import Form, stripped
from storefront.orders.forms import VIETNAMESE_MOBILE, FullAddress, compact_phone

ROLE_LABELS = {
    "customer": _l("Customer"),
    "manager": _l("Sales-point manager"),
    "staff": _l("Programme staff"),
    "admin": _l("Administrator"),
}


# The email is the account's user name: "username" lets password managers save and fill it
# with the password.
class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=120)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "current-password"})


class AcceptablePassword:
    """The password rules of storefront.accounts.services, on a form; the form's email and name
    fields, if it has them, count as words too easy to guess."""

    def __call__(self, form, field) -> None:
        own_words = {word: form[word].data or "" for word in ("email", "name") if word in form}
        try:
            check_password_rules(field.data or "", **own_words)
        except AccountError as error:
            raise ValidationError(str(error)) from None


class NewPasswordForm(Form):
    """A password chosen twice, by the same rules wherever one is chosen."""

    password = PasswordField(_l("Password"), validators=[DataRequired(), AcceptablePassword()],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class RegisterForm(NewPasswordForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)],
                       render_kw={"autocomplete": "name"})
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=120)],
                       render_kw={"autocomplete": "username"})


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=120)],
                       render_kw={"autocomplete": "username"})


# A person's own account page


class ProfileForm(Form):
    name = StringField(_l("Full name"), filters=[stripped],
                       validators=[DataRequired(_l("Enter your name.")), Length(max=120)],
                       render_kw={"autocomplete": "name"})
    phone = StringField(
        _l("Mobile phone"), filters=[compact_phone],
        validators=[Optional(), Regexp(VIETNAMESE_MOBILE, message=_l("Enter a Vietnamese mobile number, such as 0905 123 456."))],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )


class AddressForm(Form):
    address = TextAreaField(_l("Delivery address"), filters=[stripped],
                            validators=[DataRequired(_l("Enter an address.")), FullAddress(), Length(max=300)],
                            render_kw={"rows": 3, "autocomplete": "street-address"})


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
                            render_kw={"autocomplete": "current-password"})


# The admin's forms on a person's page


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=[SelectChoice(role, ROLE_LABELS[role]) for role in ROLES])


class ActionForm(Form):
    """A button that changes something (disable, enable, send a link): only the CSRF token."""


class OutletCodeForm(Form):
    code = StringField(_l("Outlet code"), filters=[lambda value: value.strip().upper() if value else value],
                       validators=[DataRequired(), Length(max=20)])

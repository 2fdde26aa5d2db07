"""Language choice (Vietnamese first, English selectable) and display formats; the language
switch's page (/lang/<code>) is in routes.py."""
import re
from datetime import date, datetime, timezone
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from babel import Locale
from babel.numbers import format_currency
from flask import Blueprint, current_app, has_request_context, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_translations
from jinja2 import pass_eval_context
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

bp = Blueprint("i18n", __name__)

LANG_COOKIE = "lang"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
VIETNAMESE = Locale.parse("vi_VN")  # parsed once: a price on every card would parse it again


def select_locale() -> str:
    if not has_request_context():  # CLI commands and jobs speak the default language
        return "vi"
    languages = current_app.config["LANGUAGES"]
    if request.path.startswith("/api/"):  # its errors too, an unknown path's included
        return api_language(languages)
    lang = request.cookies.get(LANG_COOKIE)
    return lang if lang in languages else "vi"


def api_language(languages) -> str:
    """?lang= (a code the API knows), else the language cookie of a browser calling, else
    Accept-Language (programs carry no cookie), else Vietnamese. The page cache keys on it."""
    for asked in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if asked in languages:
            return asked
    return request.accept_languages.best_match(languages) or "vi"


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def current_language() -> str:
    return str(get_locale() or "vi")


def file_product_name(name_vi: str, name_en: str | None, language: str | None = None) -> str:
    """A product's name in a downloaded file: its English name in English when it has one, the
    registered Vietnamese name otherwise. `language` given (the file's, known once per file)
    spares looking the current one up for every row."""
    return name_en or name_vi if (language or current_language()) == "en" else name_vi


def decimal(value: float | None) -> str:
    """A number with the reader's decimal mark (75,1 in Vietnamese, 75.1 in English), to two
    decimals at most."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.##")


@lru_cache(maxsize=4096)  # a page shows a dozen amounts, the same prices again and again
def vnd(amount: int | None) -> str:
    """VND the way Vietnamese shops write it, in both languages: 150.000 ₫."""
    if amount is None:
        return ""
    return format_currency(amount, "VND", locale=VIETNAMESE)


# Dates as each language's readers write them, never with a two-digit year: 25/08/2025, 25 Aug 2025.
DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}


def date_pattern() -> str:
    return DATE_PATTERNS.get(current_language(), DATE_PATTERNS["vi"])


def local_date(value: date | None) -> str:
    return format_date(value, date_pattern()) if value else ""


def local_datetime(value: datetime | None) -> str:
    """Stored naive in UTC; shown in Asia/Ho_Chi_Minh by Flask-Babel: 25/08/2025 14:05."""
    if value is None:
        return ""
    return format_datetime(value.replace(tzinfo=timezone.utc), f"{date_pattern()} HH:mm")


def safe_next(target: str | None) -> str:
    """Where to go back to: a path on this site, else the home page.

    Browsers drop tabs and line breaks inside a URL and read a backslash as a slash, so
    "/<tab>/evil.example" or "/\\evil.example" would lead to another host: the target is read
    the way a browser would before anything but a plain path is refused."""
    cleaned = CONTROL_CHARACTERS.sub("", target or "")
    try:
        parts = urlsplit(cleaned)
    except ValueError:  # "//[evil": an unclosed IPv6 host
        return url_for("catalog.home")
    if "\\" in cleaned or parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return url_for("catalog.home")
    return urlunsplit(("", "", parts.path, parts.query, parts.fragment))


def this_page() -> str | None:
    """The address that shows this page again: its own, when it answers a GET. A form's answer
    from an address that answers a POST only (the form shown again with its errors, or refused
    for want of a login) is shown again by the page the form was sent from, when that page is
    this site's; None when it is not known."""
    if request.method in ("GET", "HEAD") or answers_a_get(request.path):
        return request.full_path.removesuffix("?")
    sent_from = urlsplit(request.referrer or "")
    if sent_from.netloc != request.host:
        return None
    return urlunsplit(("", "", sent_from.path, sent_from.query, ""))


def answers_a_get(path: str) -> bool:
    try:
        current_app.create_url_adapter(request).match(path, method="GET")
    except HTTPException:  # not allowed, unknown, or a redirect to another address
        return False
    return True


def install_template_gettext(app) -> None:
    """Templates call _() a hundred times and more per page. Flask-Babel's callables find the
    catalogue through several context lookups for each string, and Jinja wraps them in two more
    calls; about a fifth of a page's rendering went there. These look the catalogue up once per
    locale and are called directly, with the same result: the locale in force (force_locale
    included), autoescaped text, and `%` formatting as Jinja's new-style gettext does it."""
    catalogues = {}

    def translations():
        locale = get_locale()
        if locale not in catalogues:
            catalogues[locale] = get_translations()
        return catalogues[locale]

    @pass_eval_context
    def gettext(eval_ctx, string: str, **variables):
        return template_text(eval_ctx, translations().ugettext(string), variables)

    @pass_eval_context
    def ngettext(eval_ctx, singular: str, plural: str, num: int, **variables):
        variables.setdefault("num", num)
        return template_text(eval_ctx, translations().ungettext(singular, plural, num), variables)

    app.jinja_env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)


def template_text(eval_ctx, text: str, variables: dict):
    if eval_ctx.autoescape:
        text = Markup(text)
    # Always a format string, as in Jinja ("%%" is "%"); without a "%" there is nothing to format.
    return text % variables if "%" in text else text


def init_app(app) -> None:
    install_template_gettext(app)
    app.jinja_env.filters["vnd"] = vnd
    app.jinja_env.filters["decimal"] = decimal
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["Markup"] = Markup

"""Values from a query string or a form, read one way by every route: a value that cannot be what
is asked for becomes None (the route then ignores it, or answers 400), never an error from the
database. NUL bytes, which PostgreSQL refuses in text, are refused for the whole request."""
import re

from flask import abort, request
from werkzeug.routing import IntegerConverter

BIGGEST = 2**63 - 1  # what a 64-bit column holds
LARGEST_ID = 2**31 - 1  # what an INTEGER id column holds on PostgreSQL
MAX_PAGE = 10_000  # no list is paged further: counts are capped there too
MAX_QUERY = 100  # characters of typed search text


def parse_int(raw: str | None, low: int = -BIGGEST - 1, high: int = BIGGEST) -> int | None:
    """A whole number from `low` to `high` written in ASCII digits, else None."""
    text = (raw or "").strip()
    if not text or len(text) > 20 or not text.lstrip("+-").isascii() or not text.lstrip("+-").isdigit():
        return None
    value = int(text)
    return value if low <= value <= high else None


def number(args, name: str, low: int, high: int) -> int | None:
    """The argument `name` as a whole number from `low` to `high`; anything else is None."""
    return parse_int(args.get(name), low, high)


def decimal_number(args, name: str, low: float, high: float) -> float | None:
    """The argument `name` as a finite decimal (a dot before the fraction) from `low` to `high`."""
    text = (args.get(name) or "").strip()
    if not re.fullmatch(r"[+-]?[0-9]{1,4}(\.[0-9]{1,12})?", text):
        return None
    value = float(text)
    return value if low <= value <= high else None


def page_number(args, name: str = "page") -> int:
    """A page of a list: 1 unless a page from 1 to MAX_PAGE is asked for."""
    return number(args, name, 1, MAX_PAGE) or 1


def choice(args, name: str, allowed) -> str | None:
    """A filter value from the allowed ones; anything else is no filter."""
    value = args.get(name) or None
    return value if value in allowed else None


def query_text(args) -> str:
    """The typed search text ?q=, its spaces collapsed, at most MAX_QUERY characters."""
    return " ".join((args.get("q") or "").split())[:MAX_QUERY]


def refuse_nul_bytes() -> None:
    """Before every request: a NUL in the path, the query string or a form field is a 400."""
    values = [request.path, *request.args.keys(), *request.args.values()]
    if request.method == "POST" and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += [*request.form.keys(), *request.form.values()]
    if any("\x00" in value for value in values):
        abort(400, description="NUL bytes are not allowed.")


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: the ids in URLs are INTEGER columns, so a number past what they
    hold cannot name a row and is a 404 here, not a database error (PostgreSQL refuses to
    compare an INTEGER with it)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int = LARGEST_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)

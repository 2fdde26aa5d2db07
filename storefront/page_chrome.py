"""The header and footer around every page, the same for every visitor in a language but for a
few parts of the header: rendered once per language and kept, those parts filled in for each
request. Together they were over a third of an empty page's rendering (a dozen url_for and
as many translated labels)."""
from collections.abc import Callable, Hashable

from flask import Flask, current_app, render_template, request, url_for
from markupsafe import Markup, escape

from storefront.i18n import current_language, this_page
from storefront.page_cache import session_links
from storefront.static_files import static_url

# Marks the per-request parts in the kept header; no rendered text holds a NUL byte.
GAP = "\x00"


def keep(name: str, key: Hashable, render: Callable[[], object]):
    """What render() gives, kept per key in the app; made each time while templates reload
    (development), so that an edited template shows at once."""
    if current_app.jinja_env.auto_reload:
        return render()
    kept = current_app.extensions.setdefault(name, {})
    if key not in kept:
        kept[key] = render()
    return kept[key]


def site_header() -> Markup:
    """templates/_header.html with this request's session links (the cart, the account),
    language switch (back to this page), search words and static file addresses (which change
    with the files, storefront.static_files)."""
    language = current_language()
    pieces = keep("site_header", (language, request.script_root), header_with_gaps)
    parts = {
        "links": session_links(),
        "query": request.args.get("q", "")[:200] if request.blueprint == "catalog" else "",
        "logo": static_url("img/logo.svg"),
        "icons": static_url("img/icons.svg"),
        **{f"switch-{code}": url_for("i18n.set_language", code=code, next=this_page())
           for code in current_app.config["LANGUAGES"] if code != language},
    }
    # Kept text and the names of the parts between, in turn: text, name, text, …, name, text.
    return Markup("".join(escape(parts[piece]) if index % 2 else piece for index, piece in enumerate(pieces)))


def header_with_gaps() -> list[str]:
    def gap(name: str) -> Markup:
        return Markup(f"{GAP}{name}{GAP}")

    rendered = render_template(
        "_header.html", session_links=gap("links"), search_query=gap("query"), logo_url=gap("logo"),
        icons_url=gap("icons"), switch_urls={code: gap(f"switch-{code}") for code in current_app.config["LANGUAGES"]},
    )
    return rendered.split(GAP)


def init_app(app: Flask) -> None:
    app.add_template_global(site_header)

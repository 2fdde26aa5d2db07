from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from storefront.i18n import current_language
from storefront.page_chrome import keep
from storefront.payments.services import stripe_enabled
from storefront.policies import bp
from storefront.policies.meta import canonical_url, page_image_url, public_url
from storefront.vietqr import transfers_offered

# Shown outside production when the operator is not configured, so a demo shop reads whole.
DEMO_SHOP = {
    "SHOP_OPERATOR": "OCOP Market (demo operator)",
    "SHOP_HOTLINE": "1800 0000",
    "SHOP_ADDRESS": "1 Trần Phú, Hội An, Quảng Nam (demo address)",
}
POLICY_TITLES = {
    "returns": _l("Returns and refunds"),
    "privacy": _l("Privacy"),
    "terms": _l("Terms of sale"),
    "ocop": _l("How OCOP certification works"),
}


def fill_shop_identity(app: Flask) -> None:
    """Demo values outside production; in production a missing value is logged, not invented."""
    for key, demo in DEMO_SHOP.items():
        if app.config.get(key):
            continue
        if app.config["APP_ENV"] == "production":
            app.logger.warning("%s is not set: the footer and the policies leave it out", key)
        else:
            app.config[key] = demo


bp.record_once(lambda state: fill_shop_identity(state.app))
bp.add_app_template_global(canonical_url, "canonical_url")
bp.add_app_template_global(page_image_url, "page_image_url")
bp.add_app_template_global(public_url, "public_url")


@bp.app_context_processor
def shop_identity() -> dict:
    config = current_app.config
    return {
        "shop": {"operator": config["SHOP_OPERATOR"], "hotline": config["SHOP_HOTLINE"],
                 "address": config["SHOP_ADDRESS"]},
        "policy_titles": POLICY_TITLES,
    }


@bp.app_template_global()
def site_footer() -> Markup:
    """The footer of every page is the same for every visitor in a language: rendered once per
    language and shop identity and kept (it was a tenth of a cart page's rendering)."""
    key = (current_language(), request.script_root, *(current_app.config[name] for name in DEMO_SHOP))
    return keep("site_footer", key, lambda: Markup(render_template("_footer.html")))


@bp.get(f"/policies/<any({', '.join(POLICY_TITLES)}):name>")
def policy(name: str):
    config = current_app.config
    return render_template(
        f"policies/{name}.html",
        name=name,
        card_payment=stripe_enabled(),
        transfer_payment=transfers_offered(),
        card_minutes=config["CARD_RESERVATION_MINUTES"],
        pickup_hours=config["PICKUP_RESERVATION_HOURS"],
        transfer_hours=config["TRANSFER_RESERVATION_HOURS"],
        shipping_fee=config["SHIPPING_FEE"],
    )

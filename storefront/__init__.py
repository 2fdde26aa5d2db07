"""OCOP Market: create_app reads as the list of what the app is made of."""
import os
import sys

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, INSTANCE_DIR


def create_app(config_class: type = Config) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_object(config_class)
    app.logger.setLevel("INFO")  # order messages are logged when no SMTP server is set
    refuse_insecure_production(app)
    register_extensions(app)
    trust_proxies(app)  # after the page cache wraps the app: stored pages see the forwarded scheme too
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def refuse_insecure_production(app: Flask) -> None:
    production = app.config["APP_ENV"] == "production"
    if not app.config.get("SECRET_KEY"):
        if production:
            raise RuntimeError("SECRET_KEY must be set when APP_ENV=production")
        app.config["SECRET_KEY"] = "dev-only-not-secret"
    if production:  # cookies travel over HTTPS only
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = True
    if production and app.config["RATELIMIT_STORAGE_URI"].startswith("memory://") and worker_count(app) > 1:
        # Each worker would count alone: n workers let n times the login limit through.
        raise RuntimeError("RATELIMIT_STORAGE_URI must name a shared store (e.g. redis://127.0.0.1:6379/0) "
                           "when APP_ENV=production runs more than one worker")


def worker_count(app: Flask) -> int:
    """Processes serving the app: WEB_CONCURRENCY, or gunicorn's --workers when gunicorn runs it."""
    workers = app.config["WEB_CONCURRENCY"]
    if os.path.basename(sys.argv[0]).startswith("gunicorn"):
        from gunicorn.config import Config as GunicornConfig

        gunicorn_config = GunicornConfig()
        arguments = gunicorn_config.parser().parse_known_args(
            os.environ.get("GUNICORN_CMD_ARGS", "").split() + sys.argv[1:])[0]
        workers = max(workers, arguments.workers or 1)
    return workers


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES proxies, the client's address and scheme are the ones they forwarded;
    with none, X-Forwarded-* headers are ignored, as any client can send them."""
    if proxies := app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def register_extensions(app: Flask) -> None:
    from storefront import (
        compression, i18n, page_cache, page_chrome, revalidation, security_headers, session_cookie, static_files,
        transactions,
    )
    from storefront.accounts.access import send_to_log_in
    from storefront.accounts.services import load_user
    from storefront.catalog import versions
    from storefront.extensions import babel, cache, csrf, db, limiter, login_manager, migrate
    from storefront.search import index as search_index
    import storefront.models  # noqa: F401  (the whole schema, for migrations)

    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    app.session_interface = session_cookie.SessionCookie()
    db.init_app(app)
    transactions.init_app(app)  # on_commit(), before any listener that uses it
    migrate.init_app(app, db, render_as_batch=True)
    cache.init_app(app)
    versions.init_app(app)
    compression.init_app(app)  # after_request hooks run last first: compression sees the final page
    revalidation.init_app(app)
    page_cache.init_app(app)  # its before_request hook first: a stored page needs no other extension
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.unauthorized_handler(send_to_log_in)
    login_manager.user_loader(load_user)
    search_index.init_app(app)
    i18n.init_app(app)
    page_chrome.init_app(app)
    security_headers.init_app(app)
    static_files.init_app(app)


def register_blueprints(app: Flask) -> None:
    # A package's __init__ holds only its blueprint and its routes module attaches the pages:
    # a package that imported its own routes would pull every page, and all they import, into
    # any import of one of its services (the cycles tests/test_import_cycles.py forbids).
    from storefront.query_args import IdConverter

    app.url_map.converters["int"] = IdConverter  # before the routes that use it are added
    from storefront.accounts.routes import bp as accounts_bp
    from storefront.admin.routes import bp as admin_bp
    from storefront.api.openapi import register_api
    from storefront.api.routes import bp as api_bp
    from storefront.catalog.routes import bp as catalog_bp
    from storefront.i18n.routes import bp as i18n_bp
    from storefront.manage.routes import bp as manage_bp
    from storefront.orders.routes import bp as orders_bp
    from storefront.outlets.routes import bp as outlets_bp
    from storefront.payments.routes import bp as payments_bp
    from storefront.policies.routes import bp as policies_bp
    from storefront.till.routes import bp as till_bp

    app.register_blueprint(catalog_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(outlets_bp)
    app.register_blueprint(manage_bp, url_prefix="/manage")
    app.register_blueprint(till_bp, url_prefix="/manage")  # the till is part of the outlet's workspace
    app.register_blueprint(orders_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    register_api(app, api_bp)  # with the OpenAPI document its schemas describe
    app.register_blueprint(i18n_bp)
    app.register_blueprint(policies_bp)


def register_error_handlers(app: Flask) -> None:
    from storefront.errors import register
    from storefront.query_args import refuse_nul_bytes

    register(app)
    app.before_request(refuse_nul_bytes)


def register_commands(app: Flask) -> None:
    from storefront.accounts.commands import users_cli
    from storefront.catalog.commands import areas_cli
    from storefront.mail.commands import mail_cli
    from storefront.orders.commands import orders_cli
    from storefront.outlets.commands import stock_cli
    from storefront.payments.commands import payments_cli
    from storefront.reports.commands import reports_cli
    from storefront.search.commands import search_cli
    from storefront.seed.commands import seed_cli

    app.cli.add_command(seed_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(stock_cli)
    app.cli.add_command(payments_cli)
    app.cli.add_command(orders_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(areas_cli)
    app.cli.add_command(mail_cli)

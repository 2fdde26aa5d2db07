"""Bulk imports of a province's records for programme staff: producers, products and
evaluations from CSV or XLSX, with templates in Vietnamese and in English."""
from functools import partial

from flask import render_template, url_for
from flask_login import current_user

from storefront.accounts.access import staff_required
from storefront.admin import bp
from storefront.admin.uploads import import_page, spreadsheet
from storefront.catalog.imports import (
    KINDS,
    MAX_FILE_BYTES,
    MAX_FILE_LINES,
    import_evaluations,
    import_producers,
    import_products,
)

IMPORTERS = {"producers": import_producers, "products": import_products, "evaluations": import_evaluations}
KIND = "<any(producers, products, evaluations):kind>"


@bp.get("/imports")
@staff_required
def imports():
    return render_template("admin/imports/index.html", kinds=KINDS.values())


@bp.route(f"/imports/{KIND}", methods=["GET", "POST"])
@staff_required
def import_file(kind: str):
    return import_page(partial(IMPORTERS[kind], actor=current_user), "admin/imports/upload.html",
                       url_for("admin.import_file", kind=kind), max_bytes=MAX_FILE_BYTES,
                       max_lines=MAX_FILE_LINES, kind=KINDS[kind])


@bp.get(f"/imports/{KIND}/template-<any(vi, en):language>.<any(csv, xlsx):extension>")
@staff_required
def import_template(kind: str, language: str, extension: str):
    return spreadsheet([KINDS[kind].headers(language)], extension, f"{kind}-{language}")

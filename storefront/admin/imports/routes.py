"""Bulk imports for programme staff, from CSV or XLSX: a province's producers, products and
evaluations (with templates in Vietnamese and in English), and the growth report's baselines and
declared revenue. Every import page takes the uploaded file the same way, says why it was
refused or what it did, and hands out the templates to fill in."""
import io
from collections.abc import Callable, Sequence
from functools import partial

from flask import flash, redirect, render_template, send_file, url_for
from flask_babel import format_number, gettext as _, ngettext
from flask_login import current_user

from storefront.accounts.access import staff_required
from storefront.admin import bp
from storefront.catalog.imports import (
    KINDS,
    MAX_FILE_BYTES,
    MAX_FILE_LINES,
    import_evaluations,
    import_producers,
    import_products,
)
from storefront.clock import vietnam_today
from storefront.imports import ImportResult
from storefront.reports.forms import ImportForm
from storefront.reports.imports import (
    MAX_FILE_BYTES as REPORT_FILE_BYTES,
    MAX_FILE_LINES as REPORT_FILE_LINES,
    baseline_template_rows,
    declared_template_rows,
    import_baselines,
    import_declarations,
)
from storefront.spreadsheets import MEGABYTE, MIMETYPES, FileRejected, csv_bytes, xlsx_bytes

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


@bp.route("/baselines/import", methods=["GET", "POST"])
@staff_required
def baselines_import():
    return import_page(import_baselines, "admin/baselines_import.html", url_for("admin.baselines"),
                       max_bytes=REPORT_FILE_BYTES, max_lines=REPORT_FILE_LINES)


@bp.route("/declared/import", methods=["GET", "POST"])
@staff_required
def declared_import():
    return import_page(import_declarations, "admin/declared_import.html", url_for("admin.declared"),
                       max_bytes=REPORT_FILE_BYTES, max_lines=REPORT_FILE_LINES)


@bp.get("/baselines/template.<any(csv, xlsx):extension>")
@staff_required
def baselines_template(extension: str):
    return spreadsheet(baseline_template_rows(), extension, "baselines")


@bp.get("/declared/template.<any(csv, xlsx):extension>")
@staff_required
def declared_template(extension: str):
    return spreadsheet(declared_template_rows(), extension, "declared-revenue")


# --- What every import page shares ------------------------------------------------------------


def import_page(importer: Callable[..., ImportResult], template: str, success_url: str, *,
                max_bytes: int, max_lines: int, **context):
    form = ImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = importer(filename=upload.filename, data=upload.read(max_bytes + 1))
        except FileRejected as error:
            problems = error.problems
        else:
            flash(imported_message(result), "success")
            return redirect(success_url)
    return render_template(template, form=form, problems=problems, max_megabytes=max_bytes // MEGABYTE,
                           max_lines=format_number(max_lines), **context)


def imported_message(result: ImportResult) -> str:
    message = _("File imported: %(created)s created, %(updated)s updated.",
                created=format_number(result.created), updated=format_number(result.updated))
    if result.skipped:
        message += " " + ngettext("%(lines)s line without figures was left as it was.",
                                  "%(lines)s lines without figures were left as they were.", result.skipped,
                                  lines=format_number(result.skipped))
    if result.unchanged:
        message += " " + ngettext("%(lines)s line matched what was already saved.",
                                  "%(lines)s lines matched what was already saved.", result.unchanged,
                                  lines=format_number(result.unchanged))
    if result.indexed_later:
        message += " " + _("The shop's search shows these changes in a few minutes, once they are indexed.")
    return message


def spreadsheet(rows: list[Sequence[object]], extension: str, name: str):
    data = csv_bytes(rows) if extension == "csv" else xlsx_bytes(rows, title=name, bold_header=True)
    return send_file(io.BytesIO(data), mimetype=MIMETYPES[extension], as_attachment=True,
                     download_name=f"{name}-{vietnam_today():%Y%m%d}.{extension}")

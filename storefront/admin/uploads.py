"""What every import page shares: taking the uploaded file, saying why it was refused or what it
did, and handing out the templates to fill in."""
import io
from collections.abc import Callable, Sequence

from flask import flash, redirect, render_template, send_file
from flask_babel import format_number, gettext as _, ngettext

from storefront.clock import vietnam_today
from storefront.imports import ImportResult
from storefront.reports.forms import ImportForm
from storefront.spreadsheets import MEGABYTE, MIMETYPES, FileRejected, csv_bytes, xlsx_bytes


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

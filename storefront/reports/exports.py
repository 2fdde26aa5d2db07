"""The growth report as files, with the same figures as the page (its JSON: storefront.api.schemas).

The files speak the language of the page they are downloaded from (Vietnamese from the command
line): headers, status words, group and producer kinds, dates, and product names where the
product has an English one (the registered Vietnamese name otherwise).
The file words have their own translation context ("growth file"), since a short header may
read otherwise than the page's label for the same thing. Money is whole đồng,
ratios are rounded to two decimals exactly as the page shows them, dates are dates. Files are
written as the rows are read from the database, so their size does not weigh on memory.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from flask_babel import force_locale, lazy_pgettext, pgettext

from storefront.catalog.labels import PRODUCER_KIND_LABELS, group_label
from storefront.i18n import file_product_name
from storefront.reports.services import GrowthRow, rounded_ratio
from storefront.spreadsheets import csv_chunks, write_xlsx

STATUS_WORDS = {
    "meets": lazy_pgettext("growth file", "Meets"),
    "below": lazy_pgettext("growth file", "Below"),
    "not_yet_due": lazy_pgettext("growth file", "Not yet due"),
    "no_baseline": lazy_pgettext("growth file", "No baseline"),
    "no_comparable_baseline": lazy_pgettext("growth file", "No comparable baseline"),
}
BASIS_WORDS = {"declared": lazy_pgettext("growth file", "Declared figures"),
               "platform": lazy_pgettext("growth file", "Platform sales")}
DECLARATION_WORDS = {"full": lazy_pgettext("growth file", "Full"), "partial": lazy_pgettext("growth file", "Partial"),
                     "none": lazy_pgettext("growth file", "Not declared")}
CERTIFICATE_WORDS = {"valid": lazy_pgettext("growth file", "Valid"), "expired": lazy_pgettext("growth file", "Expired"),
                     "revoked": lazy_pgettext("growth file", "Revoked")}
XLSX_DATE_FORMATS = {"vi": "dd/mm/yyyy", "en": "d mmm yyyy"}  # as the pages write dates


def declared_years_text(row: GrowthRow) -> str:
    """'2024, 2025', or '2024 (missing 2025)' when a year of year one is not declared."""
    declared = ", ".join(str(year) for year, present in row.declared_years if present)
    missing = ", ".join(str(year) for year, present in row.declared_years if not present)
    if not declared:
        return ""
    return pgettext("growth file", "%(declared)s (missing %(missing)s)", declared=declared, missing=missing) \
        if missing else declared


@dataclass(frozen=True)
class ExportColumn:
    header: object  # a lazy string, read in the file's language
    value: Callable[[GrowthRow], object]
    kind: str = "text"  # text, whole (a count or a year), money, ratio or date
    words: Callable[[str], object] | None = None  # the value's word in the current language
    by_language: bool = False  # the value is value(row, language): the file's language


COLUMNS = (
    ExportColumn(lazy_pgettext("growth file", "Product code"), lambda r: r.code),
    ExportColumn(lazy_pgettext("growth file", "Product name"), lambda r, language: file_product_name(r.name, r.name_en, language),
                 by_language=True),
    ExportColumn(lazy_pgettext("growth file", "Province"), lambda r: r.province),
    ExportColumn(lazy_pgettext("growth file", "District"), lambda r: r.district),
    ExportColumn(lazy_pgettext("growth file", "Group"), lambda r: r.group, words=group_label),
    ExportColumn(lazy_pgettext("growth file", "Kind of producer"), lambda r: r.producer_kind,
                 words=lambda kind: PRODUCER_KIND_LABELS.get(kind, kind)),
    ExportColumn(lazy_pgettext("growth file", "Stars now"), lambda r: r.stars, "whole"),
    ExportColumn(lazy_pgettext("growth file", "Stars at certification"), lambda r: r.first_stars, "whole"),
    ExportColumn(lazy_pgettext("growth file", "Certified on"), lambda r: r.certified_on, "date"),
    ExportColumn(lazy_pgettext("growth file", "Year one ends"), lambda r: r.year_one_ends, "date"),
    ExportColumn(lazy_pgettext("growth file", "Certificate now"), lambda r: r.certificate, words=CERTIFICATE_WORDS.__getitem__),
    ExportColumn(lazy_pgettext("growth file", "Valid until"), lambda r: r.certified_until, "date"),
    ExportColumn(lazy_pgettext("growth file", "Revoked on"), lambda r: r.revoked_on, "date"),
    ExportColumn(lazy_pgettext("growth file", "Baseline revenue"), lambda r: r.baseline_revenue, "money"),
    ExportColumn(lazy_pgettext("growth file", "Baseline profit"), lambda r: r.baseline_profit, "money"),
    ExportColumn(lazy_pgettext("growth file", "Year-one revenue"), lambda r: r.revenue, "money"),
    ExportColumn(lazy_pgettext("growth file", "Year-one profit"), lambda r: r.profit, "money"),
    ExportColumn(lazy_pgettext("growth file", "Revenue ratio"), lambda r: rounded_ratio(r.revenue, r.baseline_revenue), "ratio"),
    ExportColumn(lazy_pgettext("growth file", "Profit ratio"), lambda r: rounded_ratio(r.profit, r.baseline_profit), "ratio"),
    ExportColumn(lazy_pgettext("growth file", "Declaration"), lambda r: r.declaration, words=DECLARATION_WORDS.__getitem__),
    ExportColumn(lazy_pgettext("growth file", "Years declared"), declared_years_text),
    ExportColumn(lazy_pgettext("growth file", "Declared revenue"), lambda r: r.declared_revenue, "money"),
    ExportColumn(lazy_pgettext("growth file", "Declared profit"), lambda r: r.declared_profit, "money"),
    ExportColumn(lazy_pgettext("growth file", "Declared revenue ratio"), lambda r: rounded_ratio(r.declared_revenue, r.baseline_revenue), "ratio"),
    ExportColumn(lazy_pgettext("growth file", "Declared profit ratio"), lambda r: rounded_ratio(r.declared_profit, r.baseline_profit), "ratio"),
    ExportColumn(lazy_pgettext("growth file", "Basis"), lambda r: r.basis, words=BASIS_WORDS.__getitem__),
    ExportColumn(lazy_pgettext("growth file", "Target"), lambda r: r.target, "ratio"),
    ExportColumn(lazy_pgettext("growth file", "Status"), lambda r: r.status, words=STATUS_WORDS.__getitem__),
    ExportColumn(lazy_pgettext("growth file", "Revenue, last 12 months"), lambda r: r.trailing_revenue, "money"),
    ExportColumn(lazy_pgettext("growth file", "Profit, last 12 months"), lambda r: r.trailing_profit, "money"),
    ExportColumn(lazy_pgettext("growth file", "Revenue ratio, last 12 months"), lambda r: rounded_ratio(r.trailing_revenue, r.baseline_revenue), "ratio"),
    ExportColumn(lazy_pgettext("growth file", "Profit ratio, last 12 months"), lambda r: rounded_ratio(r.trailing_profit, r.baseline_profit), "ratio"),
)

XLSX_FORMATS = {"whole": "0", "money": "#,##0", "ratio": "0.00"}


def headers(language: str) -> list[str]:
    with force_locale(language):
        return [str(column.header) for column in COLUMNS]


def in_words(column: ExportColumn, language: str) -> Callable[[GrowthRow], object]:
    """The column's value for a row in the file's `language`, as its word when the column has
    words: each word translated once per file, not once per row."""
    if column.by_language:
        return lambda row: column.value(row, language)
    if column.words is None:
        return column.value
    said: dict[object, str] = {}

    def word(row: GrowthRow) -> str:
        key = column.value(row)
        if key not in said:
            said[key] = str(column.words(key))
        return said[key]

    return word


def table(rows: Iterable[GrowthRow], language: str = "vi") -> Iterator[list[object]]:
    """The header, then one list of typed values per row, in COLUMNS order, in `language`."""
    with force_locale(language):
        yield [str(column.header) for column in COLUMNS]
        values = [in_words(column, language) for column in COLUMNS]
        for row in rows:
            yield [value(row) for value in values]


def growth_csv(rows: Iterable[GrowthRow], language: str = "vi") -> Iterator[bytes]:
    """Plain integers, ratios with a dot, ISO dates; a chunk at a time."""
    return csv_chunks(table(rows, language))


def write_growth_xlsx(file: BinaryIO, rows: Iterable[GrowthRow], language: str = "vi") -> None:
    """Numbers and dates as typed cells with display formats; the header row and the code and
    name columns stay in view."""
    with force_locale(language):
        title = pgettext("growth file", "Growth")
    formats = XLSX_FORMATS | {"date": XLSX_DATE_FORMATS.get(language, XLSX_DATE_FORMATS["vi"])}
    write_xlsx(
        file,
        table(rows, language),
        title=title,
        bold_header=True,
        column_widths=[max(12, len(header) + 2) for header in headers(language)],
        number_formats=[formats.get(column.kind) for column in COLUMNS],
        freeze_panes="C2",
    )

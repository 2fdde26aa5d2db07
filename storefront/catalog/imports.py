"""A province's existing records in bulk: producers, products and OCOP evaluations from CSV or
XLSX, with English or Vietnamese headers (each column may be named either way).

A file is all or nothing: every line is checked first and any bad line refuses the whole file,
each problem naming its line and column. A line obeys the same rules as the back-office forms:
the checks are catalog.services' own (producer_problem, product_problem, evaluation_problem,
revocation_problem), numbers and codes are kept in capitals the same way (capitals). Each line is matched to what is saved by its natural key:
- a producer by its registration number;
- a product by its code (it names its producer by registration number);
- an evaluation by product code, issue date and council level (a council evaluates a product
  once on a given day; a certificate number is not a key, since products rated below 3★ get
  none, and a re-evaluation may keep the old number; the number stays on one product, checked by
  certificate_products as the form does).
A matched line updates what differs, a new one is created, a line equal to what is saved
changes nothing, so importing the same file again creates and updates nothing. An optional
column left out of the file leaves that field as it is; present and empty, it clears it.

Writing is a few bulk statements whatever the size (a nationwide file is ~16,000 lines), with
an audit entry per created or changed record. Bulk statements skip the session's flush, so the
search index is told which products and producers they wrote; evaluations then update their
products' certification by catalog.services.certifying_evaluation, the one definition of which
evaluation certifies a product (refresh_certification uses it too).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale, format_number, gettext as _, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storefront.accounts.models import User
from storefront.audit.services import Change, record_changes
from storefront.catalog.labels import COUNCIL_LABELS, GROUP_LABELS, PRODUCER_KIND_LABELS
from storefront.catalog.models import (
    CERTIFIED_MIN_STARS,
    COUNCIL_LEVELS,
    MAX_PRICE,
    PRODUCER_KINDS,
    PRODUCT_GROUPS,
    Area,
    Evaluation,
    Producer,
    Product,
    slugify,
    stars_for_score,
)
from storefront.catalog.services import (
    CatalogError,
    capitals,
    certificate_elsewhere,
    certificate_products,
    certifying_evaluation,
    evaluation_problem,
    origin_of,
    producer_problem,
    product_code_problem,
    product_problem,
    revocation_problem,
    unique_slugs,
)
from storefront.clock import VIETNAM, utc_start_of, utcnow
from storefront.imports import ImportResult, save_rows
from storefront.lookups import rows_where_in, scalars_where_in
from storefront.search.analysis import folded
from storefront.search.index import current_index, follow_bulk_changes
from storefront.spreadsheets import (
    MEGABYTE,
    FileRejected,
    Problems,
    cell_text,
    column_positions,
    in_column,
    on_line,
    parse_amount,
    parse_day,
    parse_decimal,
    read_rows,
    refuse_if,
    unescape_cell,
)
from storefront.transactions import once_more_if_raced

# A nationwide file is ~16,000 lines; 100,000 is the bench scale.
MAX_FILE_LINES = 100_000
MAX_FILE_BYTES = 16 * MEGABYTE
YES = {"yes", "y", "true", "1", "x", "co"}  # "có" folds to "co"
NO = {"no", "n", "false", "0", "khong", ""}


@dataclass(frozen=True)
class Column:
    name: str  # the English header, also the field it fills (unless the import maps it)
    vietnamese: str  # the Vietnamese header
    required: bool  # in the header and filled in on every line
    help: str  # what goes in it, for the import page


@dataclass(frozen=True)
class ImportKind:
    name: str
    title: str
    columns: tuple[Column, ...]
    key_help: str

    def headers(self, language: str) -> list[str]:
        return [column.vietnamese if language == "vi" else column.name for column in self.columns]


PRODUCERS = ImportKind("producers", _l("Producers"), (
    Column("registration_no", "Số đăng ký", True,
           _l("Business or cooperative registration number; it identifies the producer.")),
    Column("name", "Tên chủ thể", True, _l("Name of the cooperative, enterprise or household.")),
    Column("kind", "Loại hình", True, _l("cooperative, enterprise, cooperative_group or household, or their "
                                        "Vietnamese names (Hợp tác xã, Doanh nghiệp, Tổ hợp tác, Hộ kinh doanh).")),
    Column("commune_code", "Mã xã", True, _l("Official code of the commune (or district) where it is.")),
    Column("address", "Địa chỉ", False, _l("Street address.")),
    Column("contact_person", "Người liên hệ", False, _l("Who to contact.")),
    Column("phone", "Điện thoại", False, _l("Phone number.")),
    Column("email", "Thư điện tử", False, _l("Email address.")),
    Column("women_led", "Nữ làm chủ", False, _l("yes or no (có / không).")),
    Column("ethnic_minority_led", "Dân tộc thiểu số làm chủ", False, _l("yes or no (có / không).")),
), _l("A producer is matched by its registration number."))

PRODUCTS = ImportKind("products", _l("Products"), (
    Column("code", "Mã sản phẩm", True, _l("Product code; it identifies the product.")),
    Column("name_vi", "Tên sản phẩm", True, _l("Name in Vietnamese.")),
    Column("name_en", "Tên tiếng Anh", False, _l("Name in English.")),
    Column("group", "Nhóm sản phẩm", True, _l("food, beverage, herbal, handicraft, ornamental or tourism, or the "
                                             "group's name (Thực phẩm, Đồ uống…).")),
    Column("subgroup", "Phân nhóm", False, _l("Sub-group, e.g. fish sauce.")),
    Column("producer_registration_no", "Số đăng ký chủ thể", True,
           _l("Registration number of its producer (import the producers first).")),
    Column("unit", "Đơn vị tính", True, _l("What one unit is, e.g. chai 500 ml.")),
    Column("unit_en", "Đơn vị tính tiếng Anh", False, _l("The unit in English, e.g. 500 ml bottle.")),
    Column("price", "Giá bán", True, _l("Price of a unit in đồng, e.g. 150000 or 150.000.")),
    Column("unit_cost", "Giá vốn", True, _l("Cost of a unit in đồng.")),
    Column("description_vi", "Mô tả", False, _l("Description in Vietnamese.")),
    Column("description_en", "Mô tả tiếng Anh", False, _l("Description in English.")),
), _l("A product is matched by its code."))

EVALUATIONS = ImportKind("evaluations", _l("Evaluations"), (
    Column("product_code", "Mã sản phẩm", True, _l("Code of the product evaluated (import the products first).")),
    Column("score", "Điểm", True, _l("The council's score out of 100; the stars follow from it (90+ 5★, 70+ 4★, "
                                    "50+ 3★, 30+ 2★).")),
    Column("council_level", "Cấp đánh giá", True, _l("district, province or central (huyện, tỉnh, trung ương).")),
    Column("issued_on", "Ngày cấp", True, _l("Date of the decision, e.g. 2024-03-15 or 15/03/2024; the certificate "
                                            "is valid 36 months from it.")),
    Column("decision_no", "Số quyết định", False, _l("Number of the council's decision.")),
    Column("certificate_no", "Số giấy chứng nhận", False, _l("Certificate number (3★ and more only).")),
    Column("revoked_on", "Ngày thu hồi", False, _l("Date the certificate was revoked, if it was.")),
    Column("revoked_reason", "Lý do thu hồi", False, _l("Why it was revoked (needed with the date).")),
), _l("An evaluation is matched by product code, issue date and council level."))

KINDS = {kind.name: kind for kind in (PRODUCERS, PRODUCTS, EVALUATIONS)}


# --- Reading a file's lines ------------------------------------------------------------------


@dataclass(frozen=True)
class FileLine:
    number: int
    cells: dict[str, object]  # by column name, only the columns the file has
    headers: dict[str, str]  # column name → its header as the file writes it, for messages


def read_lines(kind: ImportKind, filename: str, data: bytes) -> list[FileLine]:
    (header_line, header), *rows = read_rows(filename=filename, data=data, max_bytes=MAX_FILE_BYTES,
                                             max_lines=MAX_FILE_LINES)
    positions = column_positions(
        header_line, header, columns=[column.name for column in kind.columns],
        optional=[column.name for column in kind.columns if not column.required],
        aliases={column.name: (column.vietnamese,) for column in kind.columns}, others=(),
    )
    if not rows:
        raise FileRejected([_("The file has a header but no lines.")])
    headers = {name: cell_text(header, at) for name, at in positions.items()}
    return [
        FileLine(number, {name: row[at] if at < len(row) else None for name, at in positions.items()}, headers)
        for number, row in rows
    ]


class LineCheck:
    """Reads one line's cells, noting each problem with its line and column."""

    def __init__(self, line: FileLine, problems: Problems) -> None:
        self.line, self.problems, self.ok = line, problems, True

    def has(self, column: str) -> bool:
        return column in self.line.cells

    def problem(self, column: str, message: str) -> None:
        """A problem in a column, or on the line when the file has no such column (a rule that
        needs a value the file left out)."""
        self.ok = False
        number = self.line.number
        header = self.line.headers.get(column)
        self.problems.append((number, in_column(number, header, message) if header else on_line(number, message)))

    def refuse(self, error: CatalogError | None, columns: Mapping[str | None, str]) -> None:
        """A rule of catalog.services the line breaks, in the column of the field it names."""
        if error is not None:
            column = columns.get(error.field, error.field) or ""
            message = str(error)
            self.problem(column, message.removesuffix(".") if column in self.line.headers else message)

    def text(self, column: str, max_length: int, *, required: bool = False) -> str:
        text = unescape_cell(cell_text([self.line.cells.get(column)], 0))
        if required and not text:
            self.problem(column, _("the cell is empty"))
        elif len(text) > max_length:
            self.problem(column, _("longer than %(n)d characters", n=max_length))
        return text

    def choice(self, column: str, words: Mapping[str, str]) -> str | None:
        text = self.text(column, 100, required=True)
        if text and folded(text) not in words:
            self.problem(column, _("“%(value)s” is not one of: %(choices)s", value=text[:40],
                                   choices=", ".join(sorted(set(words.values())))))
        return words.get(folded(text))

    def parsed(self, column: str, parse: Callable[[object], object]):
        value = self.line.cells.get(column)
        if isinstance(value, str):
            value = unescape_cell(value.strip())
        result = parse(value)
        if isinstance(result, str):
            self.problem(column, result)
            return None
        return result

    def amount(self, column: str) -> int | None:
        value = self.parsed(column, parse_amount)
        if value is not None and not 0 <= value <= MAX_PRICE:
            self.problem(column, _("%(value)s is not between 0 and %(max)s đồng", value=format_number(value),
                                   max=format_number(MAX_PRICE)))
            return None
        return value

    def yes_no(self, column: str) -> bool | None:
        text = folded(self.text(column, 20))
        if text in YES:
            return True
        if text in NO:
            return False
        self.problem(column, _("write yes or no (có or không)"))
        return None

    def day(self, column: str, *, required: bool = False) -> date | None:
        if not self.text(column, 40, required=required):
            return None
        # Which days a date may hold is the rule of its record (evaluation_problem,
        # revocation_problem), the same for the back-office form.
        return self.parsed(column, parse_day)


def words_for(labels: Mapping[str, object], codes: Iterable[str], **aliases: str) -> dict[str, str]:
    """What a cell may say for each code: the code itself, its label in Vietnamese and in
    English, and a few usual short forms, all compared folded (no tone marks, any case)."""
    words = {folded(code): code for code in codes}
    for language in ("vi", "en"):
        with force_locale(language):
            words.update({folded(str(label)): code for code, label in labels.items()})
    words.update({folded(alias.replace("_", " ")): code for alias, code in aliases.items()})
    return words


# --- Matching lines with what is saved, and writing ---------------------------------------------


@dataclass(frozen=True)
class Entry:
    line: int
    key: object
    label: str
    values: dict  # the model's columns this line sets


@dataclass
class Split:
    new: list[Entry] = field(default_factory=list)
    changed: list[tuple[Entry, int, dict, dict]] = field(default_factory=list)  # entry, id, before, after
    unchanged: int = 0


def refuse_repeated_keys(entries: list[Entry], problems: Problems, describe: Callable[[object], str]) -> None:
    first_seen: dict[object, int] = {}
    for entry in entries:
        if entry.key in first_seen:
            problems.append((entry.line, on_line(entry.line, _("%(what)s is already on line %(first)d.",
                                                                what=describe(entry.key), first=first_seen[entry.key]))))
        else:
            first_seen[entry.key] = entry.line


def split_entries(entries: list[Entry], existing: dict[object, dict],
                  same: Callable[[str, object, object], bool] = lambda _field, old, new: old == new) -> Split:
    """New lines, lines that change a saved record (only where `same` says a value differs), and
    how many match what is saved."""
    split = Split()
    for entry in entries:
        saved = existing.get(entry.key)
        if saved is None:
            split.new.append(entry)
            continue
        before = {name: saved[name] for name in entry.values}
        after = {name: before[name] if same(name, before[name], value) else value
                 for name, value in entry.values.items()}
        if after == before:
            split.unchanged += 1
        else:
            split.changed.append((entry, saved["id"], before, after))
    return split


def write_split(model: type, split: Split, actor: User | None, saved: Callable[[Iterable], dict[object, dict]], *,
                new_rows: list[dict] | None = None,
                derived: Callable[[dict], dict] = lambda _after: {}) -> tuple[list[int], list[int]]:
    """Insert and update in bulk, with an audit entry per record; the new and the changed ids.
    `saved` finds saved rows by natural key: the new rows' ids are read back with it. `derived`
    gives the columns an update sets besides the line's (the ORM sets them on a form's save)."""
    rows = new_rows if new_rows is not None else [entry.values for entry in split.new]
    save_rows(model, rows, [after | derived(after) | {"id": id_} for _entry, id_, _before, after in split.changed])
    created = saved(entry.key for entry in split.new) if split.new else {}
    new_ids = [created[entry.key]["id"] for entry in split.new]
    record_changes(actor=actor, model=model, action="import_create", changes=[
        Change(id_, entry.label, None, row) for id_, entry, row in zip(new_ids, split.new, rows)
    ])
    record_changes(actor=actor, model=model, action="import_update", changes=[
        Change(id_, entry.label, before, after) for entry, id_, before, after in split.changed
    ])
    return new_ids, [id_ for _entry, id_, _before, _after in split.changed]


def saved_rows(columns: list, key_column, keys: Iterable, key_of: Callable[[dict], object]) -> dict[object, dict]:
    """The saved rows whose key column is one of `keys`, as dicts keyed by natural key."""
    rows = rows_where_in(select(*columns), key_column, set(keys))
    return {key_of(row): row for row in (dict(row._mapping) for row in rows)}


def result(split: Split, *, products_changed: int = 0) -> ImportResult:
    return ImportResult(created=len(split.new), updated=len(split.changed), unchanged=split.unchanged,
                        indexed_later=current_index().indexes_later(products_changed))


# --- Producers ---------------------------------------------------------------------------------

PRODUCER_FIELDS = ("registration_no", "name", "kind", "area_id", "address", "contact_person", "phone", "email",
                   "women_led", "ethnic_minority_led")


def import_producers(*, filename: str, data: bytes, actor: User | None) -> ImportResult:
    lines = read_lines(PRODUCERS, filename, data)
    kinds = words_for(PRODUCER_KIND_LABELS, PRODUCER_KINDS, htx="cooperative", hop_tac_xa="cooperative",
                      doanh_nghiep="enterprise", to_hop_tac="cooperative_group", ho_kinh_doanh="household")
    areas = {area.code: area for area in scalars_where_in(
        select(Area), Area.code, {cell_text([line.cells.get("commune_code")], 0) for line in lines})}
    problems: Problems = []
    entries = []
    for line in lines:
        check = LineCheck(line, problems)
        values = {
            "registration_no": capitals(check.text("registration_no", 40, required=True)),
            "name": check.text("name", 200, required=True),
            "kind": check.choice("kind", kinds),
        }
        code = check.text("commune_code", 20, required=True)
        area = areas.get(code)
        if code and area is None:
            check.problem("commune_code", _("no commune or district has the code %(code)s", code=code))
        elif area is not None and area.level not in ("commune", "district"):
            check.problem("commune_code", _("%(code)s is a province: give the commune's code", code=code))
        else:
            values["area_id"] = area.id if area else None
        for column, length in (("address", 255), ("contact_person", 120), ("phone", 20)):
            if check.has(column):
                values[column] = check.text(column, length)
        if check.has("email"):
            values["email"] = email = check.text("email", 120)
            if email:
                try:
                    validate_email(email, check_deliverability=False)
                except EmailNotValidError:
                    check.problem("email", _("“%(value)s” is not an email address", value=email[:40]))
        for column in ("women_led", "ethnic_minority_led"):
            if check.has(column):
                values[column] = check.yes_no(column)
        if check.ok:
            check.refuse(producer_problem(name=values["name"], kind=values["kind"],
                                          registration_no=values["registration_no"], area=area),
                         {"area": "commune_code"})
        if check.ok:
            entries.append(Entry(line.number, values["registration_no"], values["name"], values))
    refuse_repeated_keys(entries, problems, lambda key: _("Registration number %(number)s", number=key))
    refuse_if(problems)

    def saved(keys: Iterable) -> dict[object, dict]:
        return saved_rows([Producer.id, *(getattr(Producer, name) for name in PRODUCER_FIELDS)],
                          Producer.registration_no, keys, lambda row: row["registration_no"])

    def upsert() -> ImportResult:
        split = split_entries(entries, saved(entry.key for entry in entries))
        # New rows get their folded name from the column default, updated ones here.
        _new_ids, changed_ids = write_split(Producer, split, actor, saved,
                                            derived=lambda after: {"name_folded": slugify(after["name"])})
        follow_bulk_changes(producers=changed_ids)  # their products' index text names them and their place
        return result(split)

    return once_more_if_raced(upsert)


# --- Products ----------------------------------------------------------------------------------

PRODUCT_FIELDS = ("code", "name_vi", "name_en", "group", "subgroup", "producer_id", "province_id", "district_id",
                  "unit", "unit_en", "price", "unit_cost", "description_vi", "description_en")


def import_products(*, filename: str, data: bytes, actor: User | None) -> ImportResult:
    lines = read_lines(PRODUCTS, filename, data)
    groups = words_for(GROUP_LABELS, PRODUCT_GROUPS)
    producers = producers_with_places(capitals(cell_text([line.cells.get("producer_registration_no")], 0))
                                      for line in lines)
    saved_producer_ids = dict(rows_where_in(select(Product.code, Product.producer_id), Product.code,
                                            {capitals(cell_text([line.cells.get("code")], 0)) for line in lines}))
    problems: Problems = []
    entries = []
    for line in lines:
        check = LineCheck(line, problems)
        values = {
            "code": capitals(check.text("code", 30, required=True)),
            "name_vi": check.text("name_vi", 200, required=True),
            "group": check.choice("group", groups),
            "unit": check.text("unit", 60, required=True),
            "price": check.amount("price"),
            "unit_cost": check.amount("unit_cost"),
        }
        if values["code"]:
            check.refuse(product_code_problem(values["code"]), {})
        for column, length, empty in (("name_en", 200, None), ("unit_en", 60, None), ("subgroup", 80, ""), ("description_vi", 5000, ""),
                                      ("description_en", 5000, None)):
            if check.has(column):
                values[column] = check.text(column, length) or empty
        registration_no = capitals(check.text("producer_registration_no", 40, required=True))
        producer = producers.get(registration_no)
        if registration_no and producer is None:
            check.problem("producer_registration_no",
                          _("no producer has the registration number %(number)s", number=registration_no))
        elif producer is not None:
            province, district = origin_of(producer)
            values |= {"producer_id": producer.id, "province_id": province.id,
                       "district_id": district.id if district else None}
        if check.ok:
            check.refuse(product_problem(
                name_vi=values["name_vi"], group=values["group"], unit=values["unit"], price=values["price"],
                unit_cost=values["unit_cost"], producer=producer,
                keeps_producer=saved_producer_ids.get(values["code"]) == producer.id,
            ), {"producer": "producer_registration_no"})
        if check.ok:
            entries.append(Entry(line.number, values["code"], values["name_vi"], values))
    refuse_repeated_keys(entries, problems, lambda key: _("Product code %(code)s", code=key))
    refuse_if(problems)

    def saved(keys: Iterable) -> dict[object, dict]:
        return saved_rows([Product.id, *(getattr(Product, name) for name in PRODUCT_FIELDS)], Product.code, keys,
                          lambda row: row["code"])

    def upsert() -> ImportResult:
        split = split_entries(entries, saved(entry.key for entry in entries))
        slugs = unique_slugs([(entry.values["name_vi"], entry.values["code"]) for entry in split.new])
        new_rows = [entry.values | {"slug": slug} for entry, slug in zip(split.new, slugs)]
        now = utcnow()
        new_ids, changed_ids = write_split(Product, split, actor, saved, new_rows=new_rows,
                                           derived=lambda _after: {"updated_at": now})
        follow_bulk_changes(products=[*new_ids, *changed_ids])
        return result(split, products_changed=len(new_ids) + len(changed_ids))

    return once_more_if_raced(upsert)


def producers_with_places(registration_numbers: Iterable[str]) -> dict[str, Producer]:
    """Producers by registration number, each with its area up to the province loaded."""
    statement = select(Producer).options(
        selectinload(Producer.area).selectinload(Area.parent).selectinload(Area.parent))
    return {producer.registration_no: producer
            for producer in scalars_where_in(statement, Producer.registration_no, set(registration_numbers))}


# --- Evaluations -------------------------------------------------------------------------------

EVALUATION_FIELDS = ("product_id", "score", "stars", "council_level", "issued_on", "expires_on", "decision_no",
                     "certificate_no", "revoked_at", "revoked_reason")


def import_evaluations(*, filename: str, data: bytes, actor: User | None) -> ImportResult:
    lines = read_lines(EVALUATIONS, filename, data)
    councils = words_for(COUNCIL_LABELS, COUNCIL_LEVELS, huyen="district", cap_huyen="district", tinh="province",
                         cap_tinh="province", trung_uong="central", cap_trung_uong="central")
    products = {product.code: product for product in scalars_where_in(
        select(Product), Product.code, {capitals(cell_text([line.cells.get("product_code")], 0)) for line in lines})}

    def saved(keys: Iterable) -> dict[object, dict]:
        return saved_rows([Evaluation.id, *(getattr(Evaluation, name) for name in EVALUATION_FIELDS)],
                          Evaluation.product_id, {product_id for product_id, _day, _council in keys},
                          lambda row: (row["product_id"], row["issued_on"], row["council_level"]))

    # A column left out keeps the saved value: the rules judge the evaluation as it will be.
    existing = saved((product.id, None, None) for product in products.values())
    # Each certificate number's product, saved or on an earlier line, as record_evaluation checks it.
    certificate_owners = certificate_products(
        {capitals(cell_text([line.cells.get("certificate_no")], 0)) for line in lines} - {""})
    problems: Problems = []
    entries = []
    for line in lines:
        check = LineCheck(line, problems)
        code = capitals(check.text("product_code", 30, required=True))
        product = products.get(code)
        if code and product is None:
            check.problem("product_code", _("no product has the code %(code)s", code=code))
        score = check.parsed("score", parse_decimal) if check.text("score", 20, required=True) else None
        if score is not None and not 0 <= score <= 100:
            check.problem("score", _("a score is from 0 to 100"))
        council = check.choice("council_level", councils)
        issued_on = check.day("issued_on", required=True)
        values = {"score": score, "council_level": council, "issued_on": issued_on}
        if check.has("decision_no"):
            values["decision_no"] = capitals(check.text("decision_no", 60))
        if check.has("certificate_no"):
            values["certificate_no"] = capitals(check.text("certificate_no", 60)) or None
        if check.has("revoked_on"):
            revoked_on = check.day("revoked_on")
            values["revoked_at"] = utc_start_of(revoked_on) if revoked_on else None
        if check.has("revoked_reason"):
            values["revoked_reason"] = check.text("revoked_reason", 255) or None
        if not check.ok:
            continue
        stars = stars_for_score(score)
        evaluation = existing.get((product.id, issued_on, council), {}) | values
        check.refuse(evaluation_problem(score=score, council_level=council, issued_on=issued_on,
                                        certificate_no=evaluation.get("certificate_no")), {})
        if values.get("certificate_no") and stars < CERTIFIED_MIN_STARS:
            check.problem("certificate_no", _("a product rated below 3★ gets no certificate"))
        if evaluation.get("revoked_at") or evaluation.get("revoked_reason"):
            revoked_at = evaluation.get("revoked_at")
            check.refuse(revocation_problem(stars=stars, issued_on=issued_on, revoked_on=revoked_at and vietnam_day(revoked_at),
                                            reason=evaluation.get("revoked_reason") or ""),
                         {"reason": "revoked_reason", None: "revoked_on"})
        if check.ok and values.get("certificate_no"):
            owner = certificate_owners.setdefault(values["certificate_no"], product)
            if owner != product:
                check.refuse(certificate_elsewhere(values["certificate_no"], owner.code), {})
        if check.ok:
            values |= {"product_id": product.id, "stars": stars, "expires_on": Evaluation.expiry_for(issued_on)}
            entries.append(Entry(line.number, (product.id, issued_on, council),
                                 f"{product.code} · {issued_on.isoformat()} · {council}", values))
    codes = {product.id: product.code for product in products.values()}
    refuse_repeated_keys(entries, problems, lambda key: _(
        "The evaluation of %(code)s on %(day)s by the %(council)s council",
        code=codes[key[0]], day=key[1].isoformat(), council=key[2]))
    refuse_if(problems)

    def upsert() -> ImportResult:
        split = split_entries(entries, saved(entry.key for entry in entries), same=same_evaluation_value)
        write_split(Evaluation, split, actor, saved)
        product_ids = ({entry.values["product_id"] for entry in split.new}
                       | {entry.values["product_id"] for entry, *_rest in split.changed})
        refresh_certifications(product_ids)
        return result(split, products_changed=len(product_ids))

    return once_more_if_raced(upsert)


def same_evaluation_value(name: str, saved: object, new: object) -> bool:
    """A revocation is dated by its day in the file, to the second when recorded on a page."""
    if name == "revoked_at" and isinstance(saved, datetime) and isinstance(new, datetime):
        return vietnam_day(saved) == vietnam_day(new)
    return saved == new


def vietnam_day(moment: datetime) -> date:
    return moment.replace(tzinfo=timezone.utc).astimezone(VIETNAM).date()


def refresh_certifications(product_ids: set[int]) -> None:
    """Point each product at its certifying evaluation again, by the catalogue's own rule
    (certifying_evaluation), as one bulk UPDATE; the search index is told which products."""
    by_product: dict[int, list] = {product_id: [] for product_id in product_ids}
    for row in rows_where_in(
        select(Evaluation.id, Evaluation.product_id, Evaluation.stars, Evaluation.revoked_at, Evaluation.issued_on,
               Evaluation.expires_on), Evaluation.product_id, product_ids,
    ):
        by_product[row.product_id].append(row)
    now = utcnow()
    rows = []
    for product_id, evaluations in by_product.items():
        latest = certifying_evaluation(evaluations)
        rows.append({"id": product_id, "certification_id": latest.id if latest else None,
                     "certified_stars": latest.stars if latest else None,
                     "certified_from": latest.issued_on if latest else None,
                     "certified_until": latest.expires_on if latest else None, "updated_at": now})
    save_rows(Product, [], rows)
    follow_bulk_changes(products=product_ids)

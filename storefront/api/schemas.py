"""What each route of /api/v1 reads and answers, described once: the query schemas parse and check
the parameters (a refusal is a 400 naming the parameter, see openapi.QueryParser), the response
schemas write the JSON, and flask-smorest derives /api/v1/openapi.json from both."""
from fractions import Fraction

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, pre_dump, validate
from marshmallow.utils import missing

from config import Config
from storefront.catalog.filters import MAX_QUERY_LENGTH, SORTS
from storefront.catalog.models import CERTIFIED_MIN_STARS, MAX_PRICE, PHOTO_SIZES, PRODUCER_KINDS, PRODUCT_GROUPS
from storefront.catalog.photos import photo_urls
from storefront.i18n import current_language
from storefront.outlets.directory import product_availability, province_of
from storefront.outlets.models import OUTLET_KINDS
from storefront.plans.exports import rounded
from storefront.query_args import MAX_PAGE, parse_int
from storefront.reports.services import (
    BASES,
    CERTIFICATES,
    CERTIFICATION_YEARS,
    DECLARATIONS,
    DEFAULT_SORT,
    SORT_COLUMNS,
    STATUSES,
    rounded_ratio,
    shown_ratio,
)

LANGUAGES = Config.LANGUAGES
MAX_PER_PAGE = 100
# A page of the growth report costs its whole summary: programs read it in larger pages.
REPORT_PER_PAGE, REPORT_MAX_PER_PAGE = 100, 1000
IN_LANGUAGE = "In the response's language; Vietnamese where the product has no English."
MONEY = "Whole đồng (VND has no minor unit)."


# --- Query parameters --------------------------------------------------------------------------

class WholeNumber(fields.Integer):
    """ASCII digits from `low` to `high`, read as every page reads numbers (query_args.parse_int)."""

    def __init__(self, low: int, high: int, **kwargs):
        super().__init__(metadata={"minimum": low, "maximum": high} | kwargs.pop("metadata", {}), **kwargs)
        self.low, self.high = low, high

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        number = parse_int(value if isinstance(value, str) else None, self.low, self.high)
        if number is None:
            raise ValidationError(_("%(parameter)s must be a whole number from %(low)s to %(high)s, not %(value)s.",
                                    parameter=self.name, low=self.low, high=self.high, value=str(value)[:20]))
        return number


def choice(name: str, choices, *, message=None, **kwargs) -> fields.String:
    message = message or _l("%(parameter)s must be one of: %(choices)s.", parameter=name, choices=", ".join(choices))
    return fields.String(validate=validate.OneOf(choices, error=message), **kwargs)


def page_field() -> WholeNumber:
    return WholeNumber(1, MAX_PAGE, load_default=1, metadata={"description": "Page number, from 1."})


class LanguageArgs(Schema):
    lang = choice("lang", LANGUAGES, metadata={"description": (
        "Language of names, units and descriptions: en gives the English ones where the product has them "
        "(missing_english tells where it has not, and the Vietnamese text stands in). Without it, the "
        "Accept-Language header decides, else Vietnamese.")})

    @post_load
    def leave_language(self, data: dict, **_kwargs) -> dict:
        """storefront.i18n reads lang for the whole request: the route is not given it."""
        data.pop("lang", None)
        return data


class PageArgs(LanguageArgs):
    page = page_field()
    per_page = WholeNumber(1, MAX_PER_PAGE, load_default=24, metadata={"description": "Items per page."})


def given_query(text: str) -> None:
    if not text.strip():
        raise ValidationError(_("Give a search query in q."))


def query_text(*, required: bool = False) -> fields.String:
    short_enough = validate.Length(max=MAX_QUERY_LENGTH, error=_l("q must be at most %(n)s characters.",
                                                                  n=MAX_QUERY_LENGTH))
    return fields.String(required=required, validate=[given_query, short_enough] if required else short_enough,
                         error_messages={"required": _l("Give a search query in q.")},
                         metadata={"description": "Text, with or without Vietnamese diacritics."})


class ListingArgs(PageArgs):
    """Checked here; storefront.catalog.filters.parse_filters then reads them as the pages do
    (it looks the area up, the one check left to it)."""
    q = query_text()
    stars = fields.List(WholeNumber(CERTIFIED_MIN_STARS, 5),
                        metadata={"description": "OCOP stars; repeat for several."})
    group = choice("group", PRODUCT_GROUPS, metadata={"description": "OCOP product group."})
    area = fields.String(metadata={"description": "Official code of a province or district."})
    min_price = WholeNumber(0, MAX_PRICE, metadata={"description": "Lowest price in VND."})
    max_price = WholeNumber(0, MAX_PRICE, metadata={"description": "Highest price in VND."})
    sort = choice("sort", SORTS, metadata={"description": "Order of the results."})


class SearchArgs(ListingArgs):
    q = query_text(required=True)


class GrowthArgs(LanguageArgs):
    """Checked here; storefront.reports.services.parse_report_filters then reads them as the page
    does (it looks the area up, the one check left to it)."""
    area = fields.String(metadata={"description": "Official code of a province or district."})
    areas = choice("areas", ("today",), metadata={"description": (
        "With a province in area: count it as it is today, with the provinces merged with it since (2025); "
        "by default, each province on its own.")})
    group = choice("group", PRODUCT_GROUPS, metadata={"description": "OCOP product group."})
    stars = WholeNumber(CERTIFIED_MIN_STARS, 5, metadata={
        "description": "Stars now (of the latest certificate not revoked, valid or expired)."})
    first_stars = WholeNumber(CERTIFIED_MIN_STARS, 5, metadata={
        "description": "Stars at the first 3★+ certification (C)."})
    year = WholeNumber(*CERTIFICATION_YEARS, metadata={"description": "Year of the first 3★+ certification."})
    kind = choice("kind", PRODUCER_KINDS, metadata={"description": "Kind of producer."})
    basis = choice("basis", BASES, metadata={"description": "Only rows whose status comes from this basis."})
    sort = choice("sort", SORT_COLUMNS, load_default=DEFAULT_SORT,
                  message=_l("sort must name a sort column: %(choices)s.", choices=", ".join(SORT_COLUMNS)),
                  metadata={"description": "Column to order the rows by (default code)."})
    dir = choice("dir", ("asc", "desc"), load_default="asc", message=_l("dir must be a sort direction: asc or desc."),
                 metadata={"description": "Direction of the order; missing figures go last."})
    page = page_field()
    per_page = WholeNumber(1, REPORT_MAX_PER_PAGE, load_default=REPORT_PER_PAGE,
                           metadata={"description": "Rows per page (default 100)."})


# --- Responses -------------------------------------------------------------------------------

class Answer(Schema):
    """A response: every field is always written (null where the schema allows it)."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        field_obj.required = True


class From:
    """Mixed into a field: its value is value_of(the object), not one of its attributes."""

    def __init__(self, *args, value_of, **kwargs):
        super().__init__(*args, **kwargs)
        self.value_of = value_of

    def get_value(self, obj, attr, accessor=None, default=missing):
        return self.value_of(obj)


class TextFrom(From, fields.String):
    pass


class NestedFrom(From, fields.Nested):
    pass


class FlagFrom(From, fields.Boolean):
    pass


class ListFrom(From, fields.List):
    pass


class NumberFrom(From, fields.Float):
    pass


def link(endpoint: str, key: str, value_of) -> TextFrom:
    return TextFrom(value_of=lambda obj: url_for(endpoint, **{key: value_of(obj)}, _external=True),
                    metadata={"format": "uri"})


class Certification(Answer):
    stars = fields.Integer(metadata={"minimum": 1, "maximum": 5})
    score = fields.Float()
    council_level = fields.String(metadata={"enum": ["district", "province", "central"]})
    certificate_no = fields.String(allow_none=True)
    decision_no = fields.String()
    issued_on = fields.Date()
    expires_on = fields.Date()
    valid = FlagFrom(value_of=lambda cert: cert.is_valid())


def photo_size(side: int, square: bool) -> str:
    return f"{side}×{side}, cropped square." if square else f"The whole photo, at most {side} px a side."


class Photo(Answer.from_dict({size: fields.String(metadata={"format": "uri", "description": photo_size(*shape)})
                              for size, shape in PHOTO_SIZES.items()})):
    """WebP files; their addresses change with their content, so they may be cached for good."""

    @pre_dump
    def urls(self, photo, **_kwargs) -> dict[str, str]:
        return photo_urls(photo, external=True)


class Producer(Answer):
    name = fields.String()
    kind = fields.String(metadata={"enum": list(PRODUCER_KINDS)})


class Origin(Answer):
    province = TextFrom(value_of=lambda product: product.province.name)
    district = TextFrom(value_of=lambda product: product.district.name if product.district else None, allow_none=True)


class ProductSummary(Answer):
    """`name` and `unit` in the request's language (?lang= or Accept-Language), the Vietnamese
    ones where the product has no English; `missing_english` says whether any is missing."""
    slug = fields.String()
    code = fields.String()
    language = TextFrom(value_of=lambda _product: current_language(), metadata={
        "enum": list(LANGUAGES), "description": "The language of name, unit and description."})
    name = TextFrom(value_of=lambda product: product.name(current_language()), metadata={"description": IN_LANGUAGE})
    name_vi = fields.String()
    name_en = fields.String(allow_none=True)
    missing_english = fields.Boolean(metadata={"description": (
        "True when the product lacks the English of its name, unit or description "
        "(the Vietnamese stands in for it in English responses).")})
    group = fields.String(metadata={"enum": list(PRODUCT_GROUPS)})
    subgroup = fields.String()
    unit = TextFrom(value_of=lambda product: product.unit_in(current_language()), metadata={
        "description": "What one unit is, in the response's language where the product has it."})
    unit_vi = TextFrom(value_of=lambda product: product.unit)
    unit_en = fields.String(allow_none=True)
    price_vnd = fields.Integer(attribute="price", metadata={"description": MONEY})
    producer = fields.Nested(Producer)
    origin = NestedFrom(Origin, value_of=lambda product: product)
    certification = fields.Nested(Certification, allow_none=True)
    photos = fields.List(fields.Nested(Photo), metadata={
        "description": "The product's photos, first one first; empty: show the group's drawing."})
    sellable = fields.Boolean(attribute="is_sellable")
    url = link("catalog.product_detail", "slug", lambda product: product.slug)


class Lot(Answer):
    lot_code = fields.String()
    produced_on = fields.Date()
    best_before = fields.Date(allow_none=True)
    standards = fields.List(fields.String(), attribute="standard_list")
    trace_url = link("catalog.trace", "lot_code", lambda lot: lot.lot_code)


class Availability(Answer):
    outlet = TextFrom(value_of=lambda entry: entry.outlet.code)
    name = TextFrom(value_of=lambda entry: entry.outlet.name)
    available = fields.Integer()


class ProductDetail(ProductSummary):
    description = TextFrom(value_of=lambda product: product.description(current_language()),
                           metadata={"description": IN_LANGUAGE})
    description_vi = fields.String()
    description_en = fields.String(allow_none=True)
    lots = fields.List(fields.Nested(Lot))
    availability = ListFrom(fields.Nested(Availability), value_of=product_availability, metadata={
        "description": "Sales points with the product available, nearest to its origin first."})


class Kept(fields.Nested):
    """Items already written by their schema and kept per catalogue version (catalog.cards):
    documented as that schema, passed on as they are."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class FacetValue(Answer):
    key = fields.String()
    label = fields.String()
    count = fields.Integer()


class ProductPage(Answer):
    items = fields.List(Kept(ProductSummary))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()
    typo_fallback = fields.Boolean(metadata={"description": "True when only close spellings matched."})
    facets = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(FacetValue)))


class Outlet(Answer):
    code = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"enum": list(OUTLET_KINDS)})
    district = TextFrom(value_of=lambda outlet: outlet.district.name if outlet.district else None, allow_none=True,
                        metadata={"description": "Null where the province has no districts."})
    province = TextFrom(value_of=lambda outlet: province_of(outlet).name)
    address = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    phone = fields.String()
    opening_hours = fields.String()
    pickup_enabled = fields.Boolean(metadata={"description": "Online orders can be collected here."})
    url = link("outlets.outlet_detail", "code", lambda outlet: outlet.code)


class OutletList(Answer):
    items = fields.List(fields.Nested(Outlet))


class StockedProduct(Answer):
    slug = fields.String(attribute="product.slug")
    name = TextFrom(value_of=lambda item: item.product.name(current_language()), metadata={"description": IN_LANGUAGE})
    name_vi = fields.String(attribute="product.name_vi")
    missing_english = fields.Boolean(attribute="product.missing_english")
    price_vnd = fields.Integer(attribute="product.price", metadata={"description": MONEY})
    stars = fields.Integer(attribute="product.certification.stars", metadata={"minimum": 3, "maximum": 5})
    available = fields.Integer(metadata={"minimum": 1, "description": "On hand less reserved."})
    url = link("catalog.product_detail", "slug", lambda item: item.product.slug)


class OutletStockPage(Answer):
    outlet = fields.String(attribute="outlet.code", metadata={"description": "The outlet's code."})
    items = fields.List(fields.Nested(StockedProduct), attribute="stock.items")
    page = fields.Integer(attribute="stock.page")
    per_page = fields.Integer(attribute="stock.per_page")
    total = fields.Integer(attribute="stock.total")
    pages = fields.Integer(attribute="stock.pages")


# --- Staff: the growth report and a plan's dashboard -------------------------------------------

GROWTH_RULES = (
    "C is the issue date of the product's first 3★+ certificate, also when it was revoked later "
    "(revocation ends validity from its own date). Year one is [C, C + 12 months) in Vietnamese days. "
    "Platform figures are the sales ledger's: revenue = Σ amount, profit = Σ (amount − cost) of year one; "
    "a refund, return or void counts in the period of the sale it reverses. Declared figures for year one "
    "weigh each calendar year's declaration by the days of year one in it (whole đồng, rounded towards zero): "
    "full when every such year is declared, partial otherwise. The status compares the declared figures "
    "when full, else the platform's, exactly (value × 100 ≥ target in hundredths × baseline): meets when "
    "revenue and profit both reach the target; no_comparable_baseline when baseline revenue or profit is "
    "0 or less; not_yet_due while year one runs."
)
RATIO = ("Figure ÷ baseline, computed exactly and rounded to 2 decimals (halves away from zero) as on the page "
         "and in the files; null without a positive baseline.")
OPTIONAL_MONEY = "Whole đồng; null when not known."


def ratio(figure: str, baseline: str) -> NumberFrom:
    def value_of(row):
        shown = rounded_ratio(getattr(row, figure), getattr(row, baseline))
        return None if shown is None else float(shown)
    return NumberFrom(value_of=value_of, allow_none=True, metadata={"description": RATIO})


def optional_money(description: str = OPTIONAL_MONEY) -> fields.Integer:
    return fields.Integer(allow_none=True, metadata={"description": description})


class DeclaredYear(Answer):
    year = fields.Integer()
    declared = fields.Boolean()


class GrowthRow(Answer):
    code = fields.String()
    name = fields.String(metadata={"description": "As registered, in Vietnamese."})
    name_en = fields.String(allow_none=True, metadata={"description": "The product's English name, if it has one."})
    province = fields.String()
    district = fields.String(allow_none=True)
    group = fields.String(metadata={"enum": list(PRODUCT_GROUPS)})
    producer_kind = fields.String(metadata={"enum": list(PRODUCER_KINDS)})
    stars = fields.Integer(allow_none=True, metadata={"minimum": 3, "maximum": 5, "description": (
        "Stars now: of the latest certificate not revoked (null when all are revoked).")})
    first_stars = fields.Integer(metadata={"minimum": 3, "maximum": 5, "description": "Stars at C."})
    certified_on = fields.Date(metadata={"description": "C, the first 3★+ certification."})
    year_one_ends = fields.Date(metadata={"description": "Year one is [certified_on, year_one_ends)."})
    certificate = fields.String(metadata={"enum": list(CERTIFICATES), "description": "The certification today."})
    certified_until = fields.Date(allow_none=True, metadata={"description": "End of the latest certificate not revoked."})
    revoked_on = fields.Date(allow_none=True, metadata={
        "description": "Latest revocation of any of its certificates (Vietnam)."})
    target = fields.Float(metadata={
        "description": "The plan's growth target for this product, e.g. 1.5 (two decimals at most)."})
    baseline_revenue = optional_money()
    baseline_profit = optional_money()
    revenue = fields.Integer(metadata={"description": (
        "Platform sales in year one, from the sales ledger (refunds deducted in the period of the sale they reverse).")})
    profit = fields.Integer(metadata={"description": "Year one: revenue less the cost of the goods sold."})
    revenue_ratio = ratio("revenue", "baseline_revenue")
    profit_ratio = ratio("profit", "baseline_profit")
    declaration = fields.String(metadata={"enum": list(DECLARATIONS), "description": (
        "full: every calendar year of year one declared; partial: some.")})
    declared_years = ListFrom(
        fields.Nested(DeclaredYear), metadata={"description": "The calendar years year one falls in."},
        value_of=lambda row: [{"year": year, "declared": declared} for year, declared in row.declared_years])
    declared_revenue = optional_money(
        "All-channel revenue declared, weighted over year one; null unless the declaration is full.")
    declared_profit = optional_money()
    declared_revenue_ratio = ratio("declared_revenue", "baseline_revenue")
    declared_profit_ratio = ratio("declared_profit", "baseline_profit")
    basis = fields.String(metadata={"enum": list(BASES), "description": (
        "What the status compares: declared figures when the declaration is full, else platform sales.")})
    status = fields.String(metadata={"enum": list(STATUSES)})
    trailing_revenue = optional_money("The last 12 months; null until year one is over.")
    trailing_profit = optional_money()
    trailing_revenue_ratio = ratio("trailing_revenue", "baseline_revenue")
    trailing_profit_ratio = ratio("trailing_profit", "baseline_profit")
    chart_url = link("admin.growth_product", "product_code", lambda row: row.code)


class GrowthTally(Answer):
    products = fields.Integer()
    due = fields.Integer(metadata={"description": "Past year one."})
    no_baseline = fields.Integer(metadata={"description": "Due, without a baseline."})
    no_comparable_baseline = fields.Integer(metadata={"description": "Due, baseline revenue or profit 0 or less."})
    with_baseline = fields.Integer(metadata={"description": "Compared: due, with a baseline above zero."})
    meets = fields.Integer(metadata={"description": "Compared and meeting the target."})
    share = fields.Float(allow_none=True, metadata={"description": "meets ÷ with_baseline."})
    declared = fields.Integer(metadata={"description": "Compared on declared figures."})
    meets_declared = fields.Integer()
    platform = fields.Integer(metadata={"description": "Compared on platform sales."})
    meets_platform = fields.Integer()


class KeyedTally(GrowthTally):
    """A tally of the rows with one value of a dimension (JSON object keys must be text; stars are numbers)."""
    key = fields.Raw(allow_none=True, metadata={"type": ["string", "integer", "null"]})


def keyed_tallies(dimension: str) -> ListFrom:
    return ListFrom(fields.Nested(KeyedTally), metadata={"description": f"By {dimension.replace('_', ' ')}."},
                    value_of=lambda summary: [{"key": key, **tally} for key, tally in summary[dimension].items()])


class GrowthSummary(Answer):
    """Over every matching row, not only this page."""
    overall = fields.Nested(GrowthTally)
    district = keyed_tallies("district")
    group = keyed_tallies("group")
    stars = keyed_tallies("stars")
    first_stars = keyed_tallies("first_stars")


def bucket_edge(hundredths: int | None) -> float | None:
    return None if hundredths is None else float(shown_ratio(Fraction(hundredths, 100)))


class Bucket(Answer):
    low = NumberFrom(value_of=lambda bucket: bucket_edge(bucket.low), data_key="from", allow_none=True)
    below = NumberFrom(value_of=lambda bucket: bucket_edge(bucket.high), allow_none=True)
    revenue = fields.Integer()
    profit = fields.Integer()


class GrowthReport(Answer):
    """The route answers {"page": GrowthPage, "filters": …, "order": ReportOrder, "per_page": n}."""
    today = fields.Date(attribute="page.today", metadata={"description": "The report's day (Vietnam)."})
    default_target = fields.Float(attribute="page.default_target", metadata={
        "description": "Used where no plan sets a target."})
    filters = fields.Dict(metadata={"description": "The filters applied, as query parameters."})
    sort = fields.String(attribute="order.column", metadata={"enum": list(SORT_COLUMNS)})
    dir = TextFrom(value_of=lambda report: "desc" if report["order"].descending else "asc",
                   metadata={"enum": ["asc", "desc"]})
    page = fields.Integer(attribute="page.page")
    per_page = fields.Integer()
    pages = fields.Integer(attribute="page.pages")
    total = fields.Integer(attribute="page.total", metadata={
        "description": "Rows matching the filters, over every page."})
    summary = fields.Nested(GrowthSummary, attribute="page.summary")
    histogram = fields.List(fields.Nested(Bucket), attribute="page.histogram", metadata={
        "description": "Compared products by ratio (on their basis): [from, below)."})
    rows = fields.List(fields.Nested(GrowthRow), attribute="page.rows")


class PlanOfDashboard(Answer):
    id = fields.Integer()
    name = fields.String()
    area = TextFrom(value_of=lambda plan: plan.area.code if plan.area else None, allow_none=True,
                    metadata={"description": "The province's code; null for the whole country."})
    first_year = fields.Integer()
    last_year = fields.Integer()
    todays_areas = fields.Boolean(metadata={"description": "Counted by today's provinces (after mergers)."})


class IndicatorTarget(Answer):
    low = fields.Float()
    high = fields.Float(allow_none=True)


def shown(value) -> float | None:
    value = rounded(value)
    return None if value is None else float(value)


class IndicatorValue(Answer):
    code = fields.String(attribute="indicator.code")
    label = fields.String(attribute="indicator.label")
    unit = fields.String(attribute="indicator.unit", metadata={"enum": ["count", "percent"]})
    value = NumberFrom(value_of=lambda figure: shown(figure.value), allow_none=True,
                      metadata={"description": "A count, or a share in per cent (two decimals)."})
    counted = fields.Integer(attribute="measure.counted")
    of = fields.Integer(attribute="measure.total", metadata={
        "description": "The population the share is of (products, producers, districts, sales points)."})
    target = fields.Nested(IndicatorTarget, allow_none=True)
    status = fields.String(allow_none=True, metadata={"enum": ["met", "close", "behind", None]})
    change_since_start = NumberFrom(value_of=lambda figure: shown(figure.change), allow_none=True, metadata={
        "description": "Levels with a target only: the value now less the value the day before the period began."})


class PlanDashboard(Answer):
    plan = fields.Nested(PlanOfDashboard)
    figures_on = fields.Date(attribute="day", metadata={
        "description": "The day figures are taken on: the period's end, or today while it runs."})
    indicators = fields.List(fields.Nested(IndicatorValue), attribute="figures")


class ErrorDetail(Schema):
    status = fields.Integer(required=True)
    message = fields.String(required=True)
    request_id = fields.String(metadata={"description": "With a 500: quote it when reporting the error."})


class Error(Schema):
    """Every error of the API, 404 and 500 included (storefront.errors)."""
    error = fields.Nested(ErrorDetail, required=True)

"""Display names of the catalogue's fixed vocabularies, in the visitor's language."""
from flask_babel import lazy_gettext as _l

GROUP_LABELS = {
    "food": _l("Food"),
    "beverage": _l("Beverages"),
    "herbal": _l("Medicinal herbs"),
    "handicraft": _l("Handicrafts"),
    "ornamental": _l("Ornamental plants & animals"),
    "tourism": _l("Community tourism"),
}

PRODUCER_KIND_LABELS = {
    "cooperative": _l("Cooperative"),
    "enterprise": _l("Enterprise"),
    "cooperative_group": _l("Cooperative group"),
    "household": _l("Household business"),
}

COUNCIL_LABELS = {
    "district": _l("District council"),
    "province": _l("Provincial council"),
    "central": _l("Central council"),
}

TRACE_EVENT_LABELS = {
    "planting": _l("Planting"),
    "harvest": _l("Harvest"),
    "processing": _l("Processing"),
    "packaging": _l("Packaging"),
    "inspection": _l("Inspection"),
    "shipping": _l("Shipping"),
}

SORT_LABELS = {
    "relevance": _l("Relevance"),
    "price_asc": _l("Price: low to high"),
    "price_desc": _l("Price: high to low"),
    "stars": _l("Most stars"),
    "newest": _l("Newest"),
}


def group_label(group: str) -> str:
    return str(GROUP_LABELS.get(group, group))

"""The drawing shown for a product without photos: one that fits its sub-group (a fish-sauce
bottle, a roll of silk), else its group's drawing.

Sub-groups are free text typed by staff and importers ("nước mắm", "Rượu"), so a drawing is
chosen by the first keyword (whole words) the sub-group contains; the order decides between
two ("nấm dược liệu" is a mushroom, "bánh tráng" is not a cake, "sữa hạt" is a drink).
"""
from __future__ import annotations

import unicodedata

from storefront.catalog.models import Product
from storefront.static_files import static_url

ART_BY_KEYWORD = (
    ("nước mắm", "fish-sauce"), ("mắm", "fish-sauce"),
    ("bánh tráng", "rice-paper"), ("bánh", "cake"), ("kẹo", "cake"),
    ("gạo", "rice"), ("mì", "noodles"), ("miến", "noodles"), ("phở", "noodles"), ("bún", "noodles"),
    ("mật ong", "honey"), ("sữa", "drink"), ("hạt", "nuts"), ("điều", "nuts"),
    ("hải sản", "seafood"), ("cá", "seafood"), ("tôm", "seafood"),
    ("trái cây", "fruit"), ("nha đam", "fruit"), ("quả", "fruit"),
    ("nấm", "mushroom"), ("gia vị", "spice"), ("quế", "spice"), ("tiêu", "spice"), ("ớt", "spice"),
    ("rượu", "wine"), ("trà", "tea"), ("chè", "tea"), ("cà phê", "coffee"),
    ("nước", "drink"),
    ("sâm", "ginseng"), ("tinh dầu", "essential-oil"), ("mỹ phẩm", "cosmetic"), ("dược liệu", "herb"),
    ("lụa", "silk"), ("thổ cẩm", "brocade"), ("dệt", "brocade"), ("gốm", "pottery"),
    ("chiếu", "mat"), ("mây", "basket"), ("tre", "basket"), ("mo cau", "basket"),
    ("đèn lồng", "lantern"),
    ("lan", "orchid"), ("cây cảnh", "bonsai"), ("bonsai", "bonsai"), ("cây giống", "seedling"),
    ("làng nghề", "village"), ("cộng đồng", "homestay"), ("homestay", "homestay"),
    ("sinh thái", "fields"), ("nông nghiệp", "fields"),
)
# Art that is already a group's drawing (the handicraft drawing is a clay pot).
GROUP_ART = {"pottery": "groups/handicraft.svg"}


def art_name(subgroup: str) -> str | None:
    words = f" {unicodedata.normalize('NFC', subgroup).lower()} "
    for keyword, name in ART_BY_KEYWORD:
        if f" {keyword} " in words:
            return name
    return None


def art_url(product: Product) -> str:
    name = art_name(product.subgroup or "")
    if name is None:
        filename = f"img/groups/{product.group}.svg"
    else:
        filename = "img/" + GROUP_ART.get(name, f"art/{name}.svg")
    return static_url(filename)  # its address built once: a listing page shows 24

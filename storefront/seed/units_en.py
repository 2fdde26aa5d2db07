"""The English of the seed catalogues' units ("chai 500 ml" → "500 ml bottle"): a container
word, then its size or its count."""
import re

CONTAINERS = {
    "bánh": "cake", "bình": "jug", "bầu": "gourd flask", "bộ": "set", "chai": "bottle", "chiếc": "piece",
    "ché": "jar", "chậu": "pot", "cái": "piece", "củ": "bulb", "giò": "plant", "gói": "pack",
    "hũ": "jar", "hộp": "box", "tuýp": "tube", "túi": "bag", "xấp": "length",
}
COUNTED = {"cái": "pieces", "túi": "bags", "phần": "servings"}
WHOLE_UNITS = {"lượt khách": "visitor", "đêm/khách": "night per guest"}
SIZE = re.compile(r"^(?P<word>\S+)(?: (?P<amount>[\d.,]+) (?P<measure>\S+))?$")


def english_unit(unit: str) -> str | None:
    """The unit in English, or None for a unit these words do not cover."""
    if unit in WHOLE_UNITS:
        return WHOLE_UNITS[unit]
    found = SIZE.match(unit)
    if found is None or found["word"] not in CONTAINERS:
        return None
    container, amount, measure = CONTAINERS[found["word"]], found["amount"], found["measure"]
    if amount is None:
        return container
    if measure in COUNTED:
        return f"{container} of {amount} {COUNTED[measure]}"
    return f"{amount} {measure.replace('lít', 'litre')} {container}"

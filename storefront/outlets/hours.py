"""Whether a sales point is open now, read from its opening hours as the staff write them
("7:30–17:30, thứ Hai đến thứ Bảy", "8:00–22:00 hằng ngày", "7:00–17:00 daily"). Hours this
cannot read in full give no answer (None) rather than a guess."""
from __future__ import annotations

import re
from datetime import datetime

from storefront.clock import VIETNAM

TIME_RANGE = re.compile(r"(\d{1,2})(?:[:h](\d{2})|h)?\s*[–—-]\s*(\d{1,2})(?:[:h](\d{2})|h)?")
DAYS = {
    "thứ hai": 0, "thứ ba": 1, "thứ tư": 2, "thứ năm": 3, "thứ sáu": 4, "thứ bảy": 5, "chủ nhật": 6,
    "t2": 0, "t3": 1, "t4": 2, "t5": 3, "t6": 4, "t7": 5, "cn": 6,
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}
DAY = "|".join(sorted(map(re.escape, DAYS), key=len, reverse=True))
DAY_RANGE = re.compile(rf"(?:từ\s+)?({DAY})\s*(?:đến|tới|to|–|—|-)\s*({DAY})")
EVERY_DAY = re.compile(r"hằng ngày|hàng ngày|mỗi ngày|cả tuần|daily|every day")


def open_now(hours: str, moment: datetime | None = None) -> bool | None:
    """True or False for `moment` (aware; now in Vietnam by default), None when unreadable."""
    text = " ".join((hours or "").lower().split())
    times = TIME_RANGE.search(text)
    if times is None:
        return None
    rest = (text[:times.start()] + " " + text[times.end():]).strip(" ,;.")
    days = DAY_RANGE.fullmatch(rest)
    if days:
        first, last = DAYS[days.group(1)], DAYS[days.group(2)]
        open_days = {day % 7 for day in range(first, last + (7 if last < first else 0) + 1)}
    elif rest == "" or EVERY_DAY.fullmatch(rest):
        open_days = set(range(7))
    else:
        return None
    opens_hour, opens_minute, closes_hour, closes_minute = (int(part or 0) for part in times.groups())
    opens, closes = opens_hour * 60 + opens_minute, closes_hour * 60 + closes_minute
    if not (opens < closes <= 24 * 60):
        return None  # past midnight, or not a time of day
    local = (moment or datetime.now(VIETNAM)).astimezone(VIETNAM)
    minute = local.hour * 60 + local.minute
    return local.weekday() in open_days and opens <= minute < closes

"""Time as the shop counts it: stored in UTC, calendar days in Vietnam."""
from datetime import date, datetime, time, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """Naive UTC, the form every timestamp column stores."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def vietnam_today() -> date:
    """Certificates and daily figures run by Vietnamese calendar days, whatever the server's zone."""
    return datetime.now(VIETNAM).date()


def vietnam_date(moment: datetime) -> date:
    """The Vietnamese calendar day of a stored (naive UTC) moment."""
    return moment.replace(tzinfo=timezone.utc).astimezone(VIETNAM).date()

# The growth report asks this of the same few hundred certification days, for every product.
@lru_cache(maxsize=8192)
def utc_start_of(day: date) -> datetime:
    """Midnight in Vietnam as the naive UTC the timestamp columns store."""
    return datetime.combine(day, time.min, tzinfo=VIETNAM).astimezone(timezone.utc).replace(tzinfo=None)

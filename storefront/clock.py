"""Time as the shop counts it: stored in UTC, calendar days in Vietnam."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """Naive UTC, the form every timestamp column stores."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def vietnam_today() -> date:
    """Certificates and daily figures run by Vietnamese calendar days, whatever the server's zone."""
    return datetime.now(VIETNAM).date()

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


def vietnam_date(moment: datetime) -> date:
    """The Vietnamese calendar day of a stored (naive UTC) moment."""
    return moment.replace(tzinfo=timezone.utc).astimezone(VIETNAM).date()


def vietnam_day_start(day: date) -> datetime:
    """Midnight of a Vietnamese calendar day, as a stored (naive UTC) moment."""
    start = datetime(day.year, day.month, day.day, tzinfo=VIETNAM)
    return start.astimezone(timezone.utc).replace(tzinfo=None)

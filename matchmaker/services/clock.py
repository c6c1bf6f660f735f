"""Today's date where the stations are: the one clock dated steps are checked against."""

import calendar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """The calendar date in Henan now (UTC runs eight hours behind it)."""
    return now().astimezone(LOCAL).date()


def local_date(moment: datetime) -> date:
    """The calendar date in Henan of a stored moment."""
    return moment.astimezone(LOCAL).date()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

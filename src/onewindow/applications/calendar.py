"""Working days in mainland China: weekends and public holidays off, the adjusted working
weekends (调休) on, from the `holidays` package's calendar for China."""

import datetime
import functools

import holidays


@functools.cache
def _china(year: int) -> holidays.HolidayBase:
    return holidays.China(years=[year - 1, year, year + 1])


def is_working_day(day: datetime.date) -> bool:
    return _china(day.year).is_working_day(day)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (the day of `start` itself not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    while days:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """How many working days lie after `start` up to and including `end` (0 if end ≤ start)."""
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += is_working_day(day)
    return count

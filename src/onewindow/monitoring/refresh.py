"""Rebuild the monitoring aggregates from the registry, the permits and the applications.

Each table is one GROUP BY query run in the database (a few thousand result rows, whatever
the number of persons); nothing loads persons into Python. All tables are replaced in one
transaction, so the dashboard shows either the previous refresh or this one. At 8 million
persons it takes well under a minute on SQLite (bench/monitoring.py).
"""

import datetime
import time
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from onewindow.applications.models import REVIEW_OPEN, Application, Review, ReviewStatus
from onewindow.permits.models import Permit, PermitStatus
from onewindow.registry.models import Person, PersonStatus, ResidenceRegistration

from .models import (
    ApplicationCell,
    LeadTimeCell,
    MovementCell,
    PermitCell,
    PopulationCell,
    Refresh,
    ReviewCell,
)

# Age bands as (label, lowest age); each band runs to the next one's lowest age.
AGE_BANDS = (("0-17", 0), ("18-24", 18), ("25-34", 25), ("35-44", 35), ("45-59", 45), ("60+", 60))
# How far back registrations and departures are counted, in months.
MOVEMENT_MONTHS = 36
EXPIRY_WINDOWS = (30, 60, 90)
# An endorsement counts as due from this many days before its date (and stays due after it).
ENDORSEMENT_NOTICE_DAYS = 30
ENDORSED_TYPES = ("residence_permit",)


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _utc_offset_minutes() -> int:
    """The site time zone's offset now (Asia/Shanghai has had no daylight saving since 1991)."""
    offset = datetime.datetime.now(zoneinfo.ZoneInfo(settings.TIME_ZONE)).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


class Month(models.Func):
    """'YYYY-MM' of a date, or of a timestamp in the site's time zone, computed by the database
    itself (Django's TruncMonth calls a Python function per row on SQLite)."""

    output_field = models.CharField()

    def __init__(self, expression: Any, *, local: bool = False) -> None:
        super().__init__(expression)
        self.local = local

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        if self.local:
            return f"strftime('%%Y-%%m', {sql}, '{_utc_offset_minutes():+d} minutes')", params
        return f"substr({sql}, 1, 7)", params

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        if self.local:
            return f"to_char({sql} AT TIME ZONE %s, 'YYYY-MM')", [*params, settings.TIME_ZONE]
        return f"to_char({sql}, 'YYYY-MM')", params


class LocalDate(models.Func):
    """The date of a timestamp in the site's time zone, computed by the database (Django's
    __date lookup calls a Python function per row on SQLite)."""

    output_field = models.DateField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, '{_utc_offset_minutes():+d} minutes')", params

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(({sql} AT TIME ZONE %s) AS date)", [*params, settings.TIME_ZONE]


class DaysBetween(models.Func):
    """Whole days from one timestamp to a later one (never negative)."""

    output_field = models.IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        (a, pa), (b, pb) = (compiler.compile(e) for e in self.source_expressions)
        return f"MAX(0, CAST(julianday({b}) - julianday({a}) AS INTEGER))", [*pb, *pa]

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        (a, pa), (b, pb) = (compiler.compile(e) for e in self.source_expressions)
        return (
            f"GREATEST(0, CAST(FLOOR(EXTRACT(EPOCH FROM ({b} - {a})) / 86400) AS INTEGER))",
            [*pb, *pa],
        )


def _foreign(nationality: str) -> Case:
    return Case(When(**{nationality: "CN"}, then=Value(False)), default=Value(True))


def _age_band(as_of: datetime.date) -> Case:
    whens = [
        When(birth_date__gt=years_before(as_of, AGE_BANDS[i + 1][1]), then=Value(label))
        for i, (label, _low) in enumerate(AGE_BANDS[:-1])
    ]
    return Case(*whens, default=Value(AGE_BANDS[-1][0]), output_field=models.CharField())


# Each builder returns GROUP BY querysets whose value names are the cell table's columns; the
# refresh inserts their rows with INSERT … SELECT, so no row passes through Python.


def _population(as_of: datetime.date) -> list[QuerySet]:
    return [
        Person.objects.filter(status=PersonStatus.ACTIVE)
        .annotate(
            district_id=F("current_district_id"),
            foreign=_foreign("nationality"),
            age_band=_age_band(as_of),
        )
        .values("district_id", "nationality", "hukou_province", "sex", "foreign", "age_band")
        .annotate(count=Count("pk"))
        .order_by()
    ]


def _window_start(as_of: datetime.date) -> str:
    first = as_of.replace(day=1) - datetime.timedelta(days=31 * (MOVEMENT_MONTHS - 1))
    return f"{first:%Y-%m}"


def movement_window(as_of: datetime.date, *, full: bool = False) -> tuple[datetime.date, bool]:
    """From which day registrations and departures are recounted, and whether that is the
    whole window (MOVEMENT_MONTHS).

    Closed months hardly change, so after a refresh in the last 31 days only the month of
    that refresh and the one before it are recounted (the incremental part of the nightly
    run). The whole window is recounted on the first of each month, after a gap, or when
    asked (`onewindow nightly --full`), which also picks up records entered late for an
    older month."""
    start = datetime.date.fromisoformat(f"{_window_start(as_of)}-01")
    previous = latest_refresh()
    if (
        full
        or previous is None
        or as_of.day == 1
        or not 0 <= (as_of - previous.as_of).days <= 31
        or not MovementCell.objects.exists()
    ):
        return start, True
    month_before = (previous.as_of.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    return max(start, month_before), False


def _movements(since: datetime.date, as_of: datetime.date) -> list[QuerySet]:
    """Arrivals and departures as separate rows (the other count zero): panels sum them."""
    residences = ResidenceRegistration.objects.annotate(foreign=_foreign("person__nationality"))
    out = []
    for field, attr, other in (
        ("valid_from", "arrivals", "departures"),
        ("valid_to", "departures", "arrivals"),
    ):
        out.append(
            residences.filter(**{f"{field}__gte": since, f"{field}__lte": as_of})
            # `district_id + 0` keeps SQLite from walking the district index to group (a
            # random read of the table per row); it scans the table in order instead.
            .annotate(
                month=Month(field),
                district_=ExpressionWrapper(F("district_id") + 0, models.BigIntegerField()),
                **{other: Value(0)},
            )
            .values("month", "district_", "foreign", other)
            .annotate(**{attr: Count("pk")})
            .order_by()
        )
    return out


def renewed(as_of: datetime.date) -> Exists:
    """Whether the holder has a permit of the same type that has not ended by `as_of`.

    "Not revoked" rather than "status = valid": an equality on the status would lead SQLite's
    planner to the (status, valid_to) index, a scan of every current permit for each row;
    this way it takes the holder's index (measured: minutes against milliseconds at 1 million
    persons)."""
    return Exists(
        Permit.objects.filter(
            holder=OuterRef("holder"), permit_type=OuterRef("permit_type"), valid_to__gte=as_of
        ).exclude(status=PermitStatus.REVOKED)
    )


def _permits(as_of: datetime.date) -> list[QuerySet]:
    day = datetime.timedelta(days=1)
    notice = as_of + ENDORSEMENT_NOTICE_DAYS * day
    current = Q(valid_from__lte=as_of, valid_to__gte=as_of)
    windows = {
        f"expiring_{days}": Count(
            "pk", filter=Q(valid_to__gte=as_of, valid_to__lte=as_of + days * day)
        )
        for days in EXPIRY_WINDOWS
    }
    return [
        Permit.objects.filter(status="valid", holder__status=PersonStatus.ACTIVE)
        .annotate(
            district_id=F("holder__current_district_id"),
            foreign=_foreign("holder__nationality"),
        )
        .values("district_id", "foreign", "permit_type")
        .annotate(
            in_force=Count("pk", filter=current),
            lapsed=Count("pk", filter=Q(valid_to__lt=as_of) & ~renewed(as_of)),
            endorsement_due=Count(
                "pk",
                filter=current
                & Q(permit_type__in=ENDORSED_TYPES)
                & (
                    Q(endorsed_until__isnull=True, valid_from__lte=years_before(notice, 1))
                    | Q(endorsed_until__lte=notice)
                ),
            ),
            **windows,
        )
        .order_by()
    ]


def _applications(as_of: datetime.date) -> list[QuerySet]:
    return [
        Application.objects.filter(submitted_at__isnull=False)
        .annotate(month=Month("submitted_at", local=True))
        .values("month", "district_id", "type_code", "status")
        .annotate(count=Count("pk"))
        .order_by()
    ]


def _reviews(as_of: datetime.date) -> list[QuerySet]:
    is_open = Q(status__in=REVIEW_OPEN)
    return [
        Review.objects.annotate(
            month=Month("created_at", local=True),
            type_code=F("application__type_code"),
            decided_on=LocalDate("decided_at"),
        )
        .values("month", "district_id", "type_code", "agency_id")
        .annotate(
            open=Count("pk", filter=is_open),
            waiting_on_applicant=Count("pk", filter=Q(status=ReviewStatus.INFO_REQUESTED)),
            overdue=Count(
                "pk",
                filter=is_open & Q(due_date__lt=as_of) & ~Q(status=ReviewStatus.INFO_REQUESTED),
            ),
            decided=Count("pk", filter=Q(decided_at__isnull=False)),
            decided_late=Count(
                "pk", filter=Q(decided_at__isnull=False, decided_on__gt=F("due_date"))
            ),
        )
        .order_by()
    ]


def _lead_times(as_of: datetime.date) -> list[QuerySet]:
    reviews = (
        Review.objects.filter(decided_at__isnull=False)
        .annotate(
            month=Month("decided_at", local=True),
            type_code=F("application__type_code"),
            days=DaysBetween("created_at", "decided_at"),
            rollup=Value(False),
        )
        .values("month", "district_id", "type_code", "agency_id", "days", "rollup")
        .annotate(count=Count("pk"))
        .order_by()
    )
    whole = (
        Application.objects.filter(decided_at__isnull=False, submitted_at__isnull=False)
        .annotate(
            month=Month("decided_at", local=True),
            days=DaysBetween("submitted_at", "decided_at"),
            agency_id=Value(None, output_field=models.BigIntegerField()),
            rollup=Value(False),
        )
        .values("month", "district_id", "type_code", "agency_id", "days", "rollup")
        .annotate(count=Count("pk"))
        .order_by()
    )
    # The whole city's histograms, summed from the districts' rows just written: what an
    # unfiltered dashboard reads, a tenth of the rows.
    city = (
        LeadTimeCell.objects.filter(rollup=False)
        .annotate(rollup_=Value(True))
        .values("month", "type_code", "agency_id", "days", "rollup_")
        .annotate(count_=Sum("count"))
        .order_by()
    )
    return [reviews, whole, city]


def _insert_select(model: type[models.Model], query: QuerySet) -> int:
    """INSERT INTO the cell table SELECT … the GROUP BY query: the database does it all.

    The columns are named after the compiled SELECT's own order (a field's name, or an
    annotation's, where a trailing underscore avoids a clash with a field of the same model)."""
    compiler = query.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    columns = {}
    for field in model._meta.concrete_fields:
        columns[field.name] = columns[field.attname] = field.column
    names = [alias or expr.target.name for expr, _sql, alias in compiler.select]
    quote = connection.ops.quote_name
    targets = ", ".join(quote(columns[n.rstrip("_")]) for n in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({targets}) {sql}",
            params,
        )
        return cursor.rowcount


STEPS: tuple[tuple[str, type[models.Model], Callable[[datetime.date], list[QuerySet]]], ...] = (
    ("population", PopulationCell, _population),
    ("permits", PermitCell, _permits),
    ("applications", ApplicationCell, _applications),
    ("reviews", ReviewCell, _reviews),
    ("lead times", LeadTimeCell, _lead_times),
)


def refresh_aggregates(
    *,
    as_of: datetime.date | None = None,
    full: bool = False,
    progress: Callable[[str, int, float], None] | None = None,
) -> Refresh:
    """Recompute the aggregate tables as of `as_of` (today) in one transaction: every table
    whole, but the registrations and departures only for the recent months (see
    `movement_window`) unless `full`.

    Interrupting it rolls the transaction back: the previous figures stay, and running it
    again starts over.
    """
    as_of = as_of or timezone.localdate()
    started = time.perf_counter()
    with transaction.atomic():
        since, whole = movement_window(as_of, full=full)
        run = Refresh.objects.create(as_of=as_of, started_at=timezone.now())
        step = time.perf_counter()
        stale = MovementCell.objects.all()
        if not whole:
            stale = stale.filter(Q(month__gte=f"{since:%Y-%m}") | Q(month__lt=_window_start(as_of)))
        stale.delete()
        total = sum(_insert_select(MovementCell, q) for q in _movements(since, as_of))
        if progress:
            label = "movements" if whole else f"movements since {since:%Y-%m}"
            progress(label, total, time.perf_counter() - step)
        for name, model, build in STEPS:
            step = time.perf_counter()
            model.objects.all().delete()
            created = sum(_insert_select(model, query) for query in build(as_of))
            total += created
            if progress:
                progress(name, created, time.perf_counter() - step)
        run.finished_at = timezone.now()
        run.seconds = round(time.perf_counter() - started, 3)
        run.cells = total
        run.save(update_fields=["finished_at", "seconds", "cells"])
    return run


def latest_refresh() -> Refresh | None:
    return Refresh.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()

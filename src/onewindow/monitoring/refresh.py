"""Rebuild the monitoring aggregates from the registry, the permits and the applications.

Each table is one GROUP BY query run in the database (a few thousand result rows, whatever
the number of persons); nothing loads persons into Python. All tables are replaced in one
transaction, so the dashboard shows either the previous refresh or this one. At 8 million
persons it takes well under a minute on SQLite (bench/monitoring.py).
"""

import datetime
import time
import zoneinfo
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from onewindow.applications.models import REVIEW_OPEN, Application, Review, ReviewStatus
from onewindow.permits.models import Permit
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
BATCH = 5_000


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


def _population(as_of: datetime.date) -> Iterable[PopulationCell]:
    rows = (
        Person.objects.filter(status=PersonStatus.ACTIVE)
        .annotate(band=_age_band(as_of))
        .values("current_district_id", "nationality", "hukou_province", "sex", "band")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in rows.iterator():
        yield PopulationCell(
            district_id=r["current_district_id"],
            foreign=r["nationality"] != "CN",
            nationality=r["nationality"],
            hukou_province=r["hukou_province"],
            age_band=r["band"],
            sex=r["sex"],
            count=r["n"],
        )


def _movements(as_of: datetime.date) -> Iterable[MovementCell]:
    since = (as_of.replace(day=1) - datetime.timedelta(days=31 * (MOVEMENT_MONTHS - 1))).replace(
        day=1
    )
    cells: dict[tuple[Any, ...], MovementCell] = {}
    residences = ResidenceRegistration.objects.annotate(foreign=_foreign("person__nationality"))
    for field, attr in (("valid_from", "arrivals"), ("valid_to", "departures")):
        rows = (
            residences.filter(**{f"{field}__gte": since, f"{field}__lte": as_of})
            .annotate(month=Month(field))
            .values("month", "district_id", "foreign")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for r in rows.iterator():
            key = (r["month"], r["district_id"], r["foreign"])
            cell = cells.setdefault(
                key, MovementCell(month=key[0], district_id=key[1], foreign=key[2])
            )
            setattr(cell, attr, r["n"])
    return cells.values()


def _permits(as_of: datetime.date) -> Iterable[PermitCell]:
    day = datetime.timedelta(days=1)
    renewed = Permit.objects.filter(
        holder=OuterRef("holder"),
        permit_type=OuterRef("permit_type"),
        status="valid",
        valid_to__gte=as_of,
    )
    notice = as_of + ENDORSEMENT_NOTICE_DAYS * day
    current = Q(valid_from__lte=as_of, valid_to__gte=as_of)
    windows = {
        f"expiring_{days}": Count(
            "pk", filter=Q(valid_to__gte=as_of, valid_to__lte=as_of + days * day)
        )
        for days in EXPIRY_WINDOWS
    }
    rows = (
        Permit.objects.filter(status="valid", holder__status=PersonStatus.ACTIVE)
        .annotate(foreign=_foreign("holder__nationality"))
        .values("holder__current_district_id", "foreign", "permit_type")
        .annotate(
            in_force=Count("pk", filter=current),
            lapsed=Count("pk", filter=Q(valid_to__lt=as_of) & ~Exists(renewed)),
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
    )
    for r in rows.iterator():
        district = r.pop("holder__current_district_id")
        yield PermitCell(district_id=district, **r)


def _applications() -> Iterable[ApplicationCell]:
    rows = (
        Application.objects.filter(submitted_at__isnull=False)
        .annotate(month=Month("submitted_at", local=True))
        .values("month", "district_id", "type_code", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return (ApplicationCell(**r) for r in rows.iterator())


def _reviews(as_of: datetime.date) -> Iterable[ReviewCell]:
    is_open = Q(status__in=REVIEW_OPEN)
    rows = (
        Review.objects.annotate(
            month=Month("created_at", local=True), type_code=F("application__type_code")
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
                "pk", filter=Q(decided_at__isnull=False, decided_at__date__gt=F("due_date"))
            ),
        )
        .order_by()
    )
    return (ReviewCell(**r) for r in rows.iterator())


def _lead_times() -> Iterable[LeadTimeCell]:
    reviews = (
        Review.objects.filter(decided_at__isnull=False)
        .annotate(
            month=Month("decided_at", local=True),
            type_code=F("application__type_code"),
            days=DaysBetween("created_at", "decided_at"),
        )
        .values("month", "district_id", "type_code", "agency_id", "days")
        .annotate(count=Count("pk"))
        .order_by()
    )
    yield from (LeadTimeCell(**r) for r in reviews.iterator())
    whole = (
        Application.objects.filter(decided_at__isnull=False, submitted_at__isnull=False)
        .annotate(
            month=Month("decided_at", local=True), days=DaysBetween("submitted_at", "decided_at")
        )
        .values("month", "district_id", "type_code", "days")
        .annotate(count=Count("pk"))
        .order_by()
    )
    yield from (LeadTimeCell(agency_id=None, **r) for r in whole.iterator())


STEPS: tuple[tuple[str, type[models.Model], Callable[[datetime.date], Iterable[Any]]], ...] = (
    ("population", PopulationCell, _population),
    ("movements", MovementCell, _movements),
    ("permits", PermitCell, _permits),
    ("applications", ApplicationCell, lambda as_of: _applications()),
    ("reviews", ReviewCell, _reviews),
    ("lead times", LeadTimeCell, lambda as_of: _lead_times()),
)


def refresh_aggregates(
    *, as_of: datetime.date | None = None, progress: Callable[[str, int, float], None] | None = None
) -> Refresh:
    """Recompute every aggregate table as of `as_of` (today) in one transaction.

    Interrupting it rolls the transaction back: the previous figures stay, and running it
    again starts over.
    """
    as_of = as_of or timezone.localdate()
    started = time.perf_counter()
    with transaction.atomic():
        run = Refresh.objects.create(as_of=as_of, started_at=timezone.now())
        total = 0
        for name, model, build in STEPS:
            step = time.perf_counter()
            model.objects.all().delete()
            created = 0
            batch: list[Any] = []
            for cell in build(as_of):
                batch.append(cell)
                if len(batch) >= BATCH:
                    created += len(model.objects.bulk_create(batch))
                    batch = []
            created += len(model.objects.bulk_create(batch))
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

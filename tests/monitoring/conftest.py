"""A seeded city for the monitoring tests: a synthetic registry, permits in every state and
applications with reviews whose dates are known, then the aggregates refreshed."""

import datetime
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from onewindow.accounts.models import Agency, Role
from onewindow.applications.models import Application, Review
from onewindow.monitoring.refresh import refresh_aggregates
from onewindow.permits.models import Permit
from onewindow.registry.generate import generate_city
from onewindow.registry.models import Person
from tests.services.conftest import counsellor, make_course, resident  # noqa: F401 - fixtures

TODAY = datetime.date(2026, 11, 20)
_numbers = itertools.count(1)


def make_permit(
    holder: Person,
    *,
    valid_to: datetime.date,
    permit_type: str = "work_residence_permit",
    valid_from: datetime.date | None = None,
    endorsed_until: datetime.date | None = None,
) -> Permit:
    valid_from = valid_from or valid_to - datetime.timedelta(days=730)
    return Permit.objects.create(
        number=f"T{next(_numbers):08d}",
        permit_type=permit_type,
        title_zh="证件",
        title_en="Permit",
        holder=holder,
        holder_masked="*" + holder.family_name[:1],
        issued_on=valid_from,
        valid_from=valid_from,
        valid_to=valid_to,
        endorsed_until=endorsed_until,
    )


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def make_application(
    applicant: Any,
    person: Person,
    *,
    type_code: str,
    submitted: datetime.date,
    reviews: list[tuple[str, int | None]],
    status: str,
    decided_after: int | None = None,
) -> Application:
    """An application submitted on `submitted` with one review per (agency, days to decide;
    None = still open), all due 21 days after submission."""
    app = Application.objects.create(
        reference=f"M{next(_numbers):09d}",
        type_code=type_code,
        type_version=1,
        applicant=applicant,
        person=person,
        district=person.current_district,
        status=status,
        submitted_at=_at(submitted),
        decided_at=_at(submitted + datetime.timedelta(days=decided_after))
        if decided_after is not None
        else None,
    )
    for code, days in reviews:
        review = Review.objects.create(
            application=app,
            agency=Agency.objects.get(code=code),
            status="approved" if days is not None else "pending",
            district=person.current_district,
            deadline_working_days=15,
            due_date=submitted + datetime.timedelta(days=21),
            decided_at=_at(submitted + datetime.timedelta(days=days)) if days is not None else None,
        )
        Review.objects.filter(pk=review.pk).update(created_at=_at(submitted))
    return app


@pytest.fixture
def city(reference: None, make_user: Callable[..., Any]) -> dict[str, Any]:
    """2,500 synthetic persons; permits in force, expiring, lapsed and renewed; applications
    decided on time, late, and still open; the aggregates refreshed as of TODAY."""
    generate_city(persons=2500, seed=7)
    foreigners = list(
        Person.objects.exclude(nationality="CN")
        .filter(status="active", current_district__isnull=False)
        .order_by("pk")[:12]
    )
    citizens = list(
        Person.objects.filter(
            nationality="CN", status="active", current_district__isnull=False
        ).order_by("pk")[:40]
    )
    assert len(foreigners) == 12 and len(citizens) == 40
    day = datetime.timedelta(days=1)
    lapsed = [make_permit(p, valid_to=TODAY - (5 + i) * day) for i, p in enumerate(foreigners[:4])]
    # renewed: an expired permit and a current one of the same type: not an overstay
    make_permit(foreigners[4], valid_to=TODAY - 30 * day)
    make_permit(foreigners[4], valid_to=TODAY + 700 * day)
    for i, p in enumerate(foreigners[5:12]):
        make_permit(p, valid_to=TODAY + (10 + 20 * i) * day)  # 10, 30, 50, … 130 days ahead
    for i, p in enumerate(citizens[:20]):
        make_permit(
            p,
            permit_type="residence_permit",
            valid_from=TODAY - (100 + 20 * i) * day,
            valid_to=TODAY + 900 * day,
            endorsed_until=None if i % 2 else TODAY + 200 * day,
        )
    applicant = make_user(Role.RESIDENT, person=citizens[30])
    apps = []
    for i, person in enumerate(citizens[20:40]):
        submitted = TODAY - (10 + 12 * i) * day
        open_ = i < 3
        apps.append(
            make_application(
                applicant,
                person,
                type_code="residence_permit",
                submitted=submitted,
                reviews=[("household", None if open_ else 2 + 2 * i)],
                status="in_review" if open_ else "issued",
                decided_after=None if open_ else 3 + 2 * i,
            )
        )
    refresh_aggregates(as_of=TODAY)
    return {
        "foreigners": foreigners,
        "citizens": citizens,
        "lapsed": lapsed,
        "applications": apps,
        "resident": applicant,
    }

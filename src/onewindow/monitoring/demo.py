"""The demo city's history for the dashboard: permits for the synthetic population (some
foreign nationals' expired without renewal: possible overstays) and two years of decided
applications with their reviews, so that lead times, breaches and the slowest steps have
something to show. Written with bulk inserts; reproducible from `seed`."""

import datetime
import random

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from onewindow.accounts.models import Agency, Role, User
from onewindow.applications.definitions import application_types
from onewindow.applications.models import Application, Review
from onewindow.permits.models import Permit
from onewindow.permits.signing import holder_masked_name
from onewindow.registry.models import Person, PersonStatus

BATCH = 2_000


@transaction.atomic
def seed_monitoring(*, seed: int = 2016, applications: int = 3_000) -> dict[str, int]:
    rng = random.Random(seed)
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    types = application_types()
    titles = {
        code: types[code].permit.title.texts()
        for code in ("work_residence_permit", "residence_permit")
    }
    permits = []
    persons = Person.objects.filter(status=PersonStatus.ACTIVE, current_district__isnull=False)
    for n, person in enumerate(persons.iterator()):
        foreign = person.nationality != "CN"
        if not foreign and rng.random() > 0.3:
            continue
        code = "work_residence_permit" if foreign else "residence_permit"
        # foreign nationals' permits end from 120 days ago to two years ahead
        valid_to = today + (rng.randint(-120, 730) if foreign else rng.randint(30, 1000)) * day
        valid_from = valid_to - (730 if foreign else 1095) * day
        endorsed = None
        if not foreign and rng.random() < 0.85 and valid_from < today:
            endorsed = min(valid_to, today + rng.randint(1, 365) * day)
        permits.append(
            Permit(
                number=f"D{code[:1].upper()}{today.year}{n:07d}",
                permit_type=code,
                title_zh=titles[code]["zh-hans"],
                title_en=titles[code]["en"],
                holder=person,
                holder_masked=holder_masked_name(person),
                issued_on=valid_from,
                valid_from=valid_from,
                valid_to=valid_to,
                endorsed_until=endorsed,
            )
        )
    Permit.objects.bulk_create(permits, batch_size=BATCH)

    residents = list(User.objects.filter(role=Role.RESIDENT, person__isnull=False))
    applicants = list(persons.filter(nationality="CN").order_by("?")[:applications])
    agencies = {a.code: a for a in Agency.objects.all()}
    kinds = [
        c
        for c in (
            "residence_permit",
            "residence_permit_endorsement",
            "school_entrance_support",
            "points_hukou",
        )
        if c in types
    ]
    now = timezone.now()
    made = []
    for n, person in enumerate(applicants):
        code = kinds[n % len(kinds)]
        submitted = now - datetime.timedelta(days=rng.uniform(30, 700))
        spec = types[code]
        lead = {
            r.agency: rng.gammavariate(2.0, 4.0 + 4 * (r.agency == "education"))
            for r in spec.reviews
        }
        total = max(lead.values()) + rng.uniform(0.2, 2)
        made.append(
            (
                Application(
                    reference=f"DM{today.year}{n:06d}",
                    type_code=code,
                    type_version=spec.version,
                    applicant=residents[n % len(residents)],
                    person=person,
                    district_id=person.current_district_id,
                    status="rejected"
                    if rng.random() < 0.12
                    else ("issued" if spec.permit else "approved"),
                    submitted_at=submitted,
                    decided_at=submitted + datetime.timedelta(days=total),
                ),
                submitted,
                lead,
            )
        )
    Application.objects.bulk_create([m[0] for m in made], batch_size=BATCH)
    reviews = []
    for app, submitted, lead in made:
        for agency, days in lead.items():
            reviews.append(
                Review(
                    application=app,
                    agency=agencies[agency],
                    status="rejected" if app.status == "rejected" else "approved",
                    district_id=app.district_id,
                    deadline_working_days=15,
                    due_date=(submitted + datetime.timedelta(days=21)).date(),
                    decided_at=submitted + datetime.timedelta(days=days),
                )
            )
    Review.objects.bulk_create(reviews, batch_size=BATCH)
    # a review's clock starts when the application is submitted
    Review.objects.filter(application__in=[m[0] for m in made]).update(
        created_at=Subquery(
            Application.objects.filter(pk=OuterRef("application_id")).values("submitted_at")
        )
    )
    return {"permits": len(permits), "applications": len(made), "reviews": len(reviews)}

"""The dashboard's figures equal counts computed directly from the registry, the permits and
the applications of a seeded city (on SQLite and PostgreSQL)."""

import csv
import datetime
import io
from collections import Counter
from typing import Any

import numpy as np
import pytest
from django.db.models import Sum
from django.utils import translation

from onewindow.applications.models import Review
from onewindow.geo.models import District
from onewindow.monitoring.panels import PANELS, Filters, panel, percentile
from onewindow.monitoring.refresh import years_before
from onewindow.registry.models import Person, ResidenceRegistration

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def _figures(name: str, filters: Filters | None = None) -> Any:
    with translation.override("en"):
        return panel(name, filters or Filters())


def test_residents_by_district_and_type_equal_the_registry(city: dict[str, Any]) -> None:
    p = _figures("population_districts")
    rows = {r[0]: r[1:] for r in p.rows}
    active = Person.objects.filter(status="active")
    for district in District.objects.all():
        here = active.filter(current_district=district)
        internal = here.filter(nationality="CN").count()
        foreign = here.exclude(nationality="CN").count()
        assert rows[district.name_en] == [internal, foreign, internal + foreign]
    assert sum(r[3] for r in p.rows) == active.count()
    # the map carries the same totals, keyed by the GeoJSON's Chinese feature names
    features = {d["feature"]: d["value"] for d in p.chart["data"]}
    assert features["天河区"] == active.filter(current_district__code="440106").count()


def test_nationalities_provinces_and_ages_equal_the_registry(city: dict[str, Any]) -> None:
    active = Person.objects.filter(status="active")
    foreign = Counter(active.exclude(nationality="CN").values_list("nationality", flat=True))
    rows = _figures("population_nationalities").rows
    assert sum(r[1] for r in rows) == sum(foreign.values())
    assert rows[0][1] == max(foreign.values())
    provinces = Counter(active.filter(nationality="CN").values_list("hukou_province", flat=True))
    assert sum(r[1] for r in _figures("population_provinces").rows) == sum(provinces.values())
    ages = {r[0]: r[1:] for r in _figures("population_age_sex").rows}
    assert sum(sum(v) for v in ages.values()) == active.count()
    adults_25_34 = active.filter(
        birth_date__lte=years_before(TODAY, 25), birth_date__gt=years_before(TODAY, 35)
    )
    assert ages["25-34"][0] == adults_25_34.filter(sex="F").count()
    assert ages["25-34"][1] == adults_25_34.filter(sex="M").count()


def test_filters_narrow_to_a_district_and_a_type(city: dict[str, Any]) -> None:
    tianhe = District.objects.get(code="440106")
    rows = _figures("population_age_sex", Filters(district=tianhe, kind="foreign")).rows
    expected = Person.objects.filter(status="active", current_district=tianhe).exclude(
        nationality="CN"
    )
    assert sum(sum(r[1:]) for r in rows) == expected.count()


def test_registrations_per_month_equal_the_residence_records(city: dict[str, Any]) -> None:
    month = "2026-03"
    rows = {r[0]: r for r in _figures("population_movements", Filters(start=month, end=month)).rows}
    first, last = datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)
    arrivals = ResidenceRegistration.objects.filter(valid_from__range=(first, last)).count()
    departures = ResidenceRegistration.objects.filter(valid_to__range=(first, last)).count()
    assert list(rows) == ([month] if arrivals or departures else [])
    if rows:
        assert rows[month][1:] == [arrivals, departures, arrivals - departures]


def test_permits_in_force_expiring_lapsed_and_endorsements(city: dict[str, Any]) -> None:
    with translation.override("en"):
        p = panel("permits_status", Filters())
    rows = {r[0]: dict(zip(p.columns[1:], r[1:], strict=True)) for r in p.rows}
    work = next(v for k, v in rows.items() if "oreign" in k)
    # 7 expiring in 10…130 days + the renewed one (700 days): 8 in force
    assert work["In force"] == 8
    assert work["Expiring within 30 days"] == 2  # 10 and 30 days ahead
    assert work["Expiring within 60 days"] == 3
    assert work["Expiring within 90 days"] == 5
    assert work["Expired, not renewed"] == 4  # the renewed one is not counted
    residence = next(v for k, v in rows.items() if "oreign" not in k)
    # ten never endorsed, started 120…480 days ago: due when a year old within 30 days
    due = sum(1 for i in range(1, 20, 2) if 100 + 20 * i >= 365 - 30)
    assert residence["Endorsement due"] == due
    overstays = {r[0]: r[1] for r in _figures("permits_overstays").rows}
    expected = Counter(p.holder.current_district.name_en for p in city["lapsed"])
    assert {k: v for k, v in overstays.items() if v} == dict(expected)


def test_applications_in_flight_lead_times_and_breaches(city: dict[str, Any]) -> None:
    in_flight = _figures("applications_in_flight").rows
    assert [r[2:] for r in in_flight] == [[3, 0, 2]]  # 3 open, 2 of them past their due date
    lead = {r[0]: r[1:] for r in _figures("applications_lead_times").rows}
    decided = Review.objects.filter(decided_at__isnull=False)
    days = [(r.decided_at - r.created_at).days for r in decided]
    household = next(v for k, v in lead.items() if not k.startswith("End to end"))
    assert household[0] == len(days) == 17
    # the q-quantile in whole days (the smallest day with at least q of the reviews), plus
    # the fraction of that day the histogram spreads it over
    for value, q in ((household[1], 50), (household[2], 90)):
        whole_days = float(np.percentile(days, q, method="inverted_cdf"))
        assert whole_days <= value <= whole_days + 1
    whole = next(v for k, v in lead.items() if k.startswith("End to end"))
    assert whole[0] == 17
    breaches = _figures("applications_breaches").rows
    late = sum(1 for r in decided if r.decided_at.date() > r.due_date)
    assert breaches[0][1:3] == [17, late] and late == 10
    assert breaches[0][4] == 2
    steps = _figures("applications_slowest_steps").rows
    assert steps[0][1] == 17


def test_every_panel_serves_a_table_csv_and_json(
    city: dict[str, Any], client_for: Any, make_user: Any
) -> None:
    client = client_for(make_user("analyst"))
    for name in PANELS:
        page = client.get(f"/staff/monitoring/panels/{name}/", {"district": "440106"})
        assert page.status_code == 200, name
        data = client.get(f"/staff/monitoring/panels/{name}.json").json()
        rows = list(
            csv.reader(
                io.StringIO(
                    client.get(f"/staff/monitoring/panels/{name}.csv").content.decode("utf-8-sig")
                )
            )
        )
        assert rows[0] == data["columns"]
        assert len(rows) - 1 == len(data["rows"])
    dashboard = client.get("/staff/monitoring/", {"district": "440106", "from": "2026-01"})
    assert dashboard.status_code == 200
    html = dashboard.content.decode()
    assert html.count('<article class="panel"') == len(PANELS)
    assert html.count('data-chart="chart-') == sum(
        1 for name in PANELS if panel(name, Filters.from_query(dashboard.wsgi_request.GET)).rows
    )


def test_unknown_filters_are_ignored_not_errors(
    city: dict[str, Any], client_for: Any, make_user: Any
) -> None:
    client = client_for(make_user("analyst"))
    page = client.get(
        "/staff/monitoring/", {"district": "99'; --", "from": "2026-13", "kind": "x", "type": "y"}
    )
    assert page.status_code == 200
    assert client.get("/staff/monitoring/panels/nope/").status_code == 404


@pytest.mark.parametrize(
    ("histogram", "q", "expected"),
    [([], 0.5, None), ([(3, 1)], 0.5, 3.5), ([(0, 2), (10, 2)], 0.5, 1.0), ([(2, 10)], 0.9, 2.9)],
)
def test_percentile_of_a_day_histogram(histogram: list, q: float, expected: float | None) -> None:
    assert percentile(histogram, q) == expected


def test_course_and_legal_aid_uptake_equal_the_service_records(
    make_course: Any, resident: Any, counsellor: Any, make_user: Any
) -> None:
    from onewindow.services.services import attendance_record, course_enrol, legal_aid_request

    course = make_course(capacity=2, sessions=2)
    people = [resident() for _ in range(3)]
    enrolments = [course_enrol(user=u, course=course) for u in people]  # 2 places, 1 waiting
    staff = make_user("station_staff", station=course.service.station)
    first = course.sessions.order_by("starts_at").first()
    attendance_record(
        actor=staff, session=first, present={enrolments[0].pk: True, enrolments[1].pk: False}
    )
    counsellor()
    for topic in ("wages", "wages", "housing"):
        legal_aid_request(
            user=people[0],
            station=course.service.station,
            topic=topic,
            body="Help, please.",
            language="en",
        )
    rows = _figures("services_courses").rows
    with translation.override("en"):
        label = str(course.service.station)
    assert rows == [[label, 2, 1, 0, 50.0]]
    by_topic = {r[0]: r[1:] for r in _figures("services_legal_aid").rows}
    assert by_topic["Unpaid or underpaid wages"] == [2, 2]
    assert by_topic["Housing or tenancy"] == [1, 1]
    elsewhere = District.objects.get(code="440111")
    assert _figures("services_courses", Filters(district=elsewhere)).rows == []


def test_the_nightly_recount_of_recent_months_equals_a_full_recount(
    city: dict[str, Any],
) -> None:
    from onewindow.monitoring.models import MovementCell
    from onewindow.monitoring.refresh import movement_window, refresh_aggregates
    from onewindow.registry.services import residence_register

    def cells() -> list[tuple]:
        return sorted(
            MovementCell.objects.values("month", "district_id", "foreign")
            .annotate(a=Sum("arrivals"), d=Sum("departures"))
            .values_list("month", "district_id", "foreign", "a", "d")
        )

    # a move registered after the last refresh, in this month
    person = city["citizens"][3]
    next_day = TODAY + datetime.timedelta(days=1)
    since, whole = movement_window(next_day)
    assert not whole and since == TODAY.replace(month=TODAY.month - 1, day=1)
    residence_register(
        actor=None,
        person=person,
        address="天河路 1 号",
        district=District.objects.get(code="440111"),
        valid_from=TODAY,
    )
    refresh_aggregates(as_of=next_day)
    recent = cells()
    refresh_aggregates(as_of=next_day, full=True)
    assert recent == cells()
    # and the new arrival is counted
    month = f"{TODAY:%Y-%m}"
    assert any(c[0] == month and c[3] for c in recent)

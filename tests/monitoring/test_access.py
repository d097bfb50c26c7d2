"""Who may see what: the dashboard is aggregates only; the overstay list is person-level and
only for supervisors (their districts) and administrators; the open data is public."""

import csv
import io
import json
from typing import Any

import pytest

from onewindow.audit.models import AuditEvent
from onewindow.monitoring.opendata import DATASETS, THRESHOLD
from onewindow.monitoring.panels import PANELS
from onewindow.registry.models import IdentityDocument, Person

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "dashboard", "overstays"),
    [
        ("resident", 403, 403),
        ("employer", 403, 403),
        ("officer", 403, 403),
        ("station_staff", 403, 403),
        ("expert", 403, 403),
        ("analyst", 200, 403),
        ("supervisor", 200, 200),
        ("administrator", 200, 200),
    ],
)
def test_roles(
    city: dict[str, Any], make_user: Any, client_for: Any, role: str, dashboard: int, overstays: int
) -> None:
    extra = {"person": city["citizens"][35]} if role == "resident" else {}
    client = client_for(make_user(role, **extra))
    assert client.get("/staff/monitoring/").status_code == dashboard
    assert client.get("/staff/monitoring/panels/population_districts.csv").status_code == dashboard
    assert client.get("/staff/monitoring/overstays/").status_code == overstays


def test_anonymous_is_sent_to_sign_in(city: dict[str, Any], client: Any) -> None:
    response = client.get("/staff/monitoring/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/api/monitoring/panels/population_districts").status_code == 401


def _person_markers(persons: list[Person]) -> set[str]:
    markers = set()
    for p in persons:
        markers |= {str(p.uid), p.zh_name, f"{p.latin_family_name} {p.latin_given_name}".strip()}
    numbers = IdentityDocument.objects.filter(person__in=persons).values_list("number", flat=True)
    return {m for m in markers | set(numbers) if m and len(m) > 3}


def test_an_analyst_never_receives_person_level_data(
    city: dict[str, Any], make_user: Any, client_for: Any
) -> None:
    """Every dashboard endpoint, in every format and with filters that single out one
    district, carries no name, ID number or record id of anyone (the overstays' holders
    included)."""
    client = client_for(make_user("analyst"))
    holders = [p.holder for p in city["lapsed"]]
    markers = _person_markers(holders + city["citizens"][:10])
    district = holders[0].current_district.code
    bodies = [client.get("/staff/monitoring/", {"district": district}).content.decode()]
    for name in PANELS:
        for suffix in ("/", ".csv", ".json"):
            url = f"/staff/monitoring/panels/{name}{suffix}"
            bodies.append(
                client.get(url, {"district": district, "kind": "foreign"}).content.decode(
                    "utf-8-sig"
                )
            )
        bodies.append(
            client.get(f"/api/monitoring/panels/{name}", {"district": district}).content.decode()
        )
    for body in bodies:
        leaked = [m for m in markers if m in body]
        assert not leaked
    # the API panel answers the analyst with the same table as the page's JSON
    api = client.get("/api/monitoring/panels/permits_overstays").json()
    page = client.get("/staff/monitoring/panels/permits_overstays.json").json()
    assert api["rows"] == page["rows"]


def test_a_supervisor_sees_the_overstays_of_their_districts_only(
    city: dict[str, Any], make_user: Any, client_for: Any
) -> None:
    holder = city["lapsed"][0].holder
    own = holder.current_district.code
    supervisor = make_user("supervisor", districts=[own])
    client = client_for(supervisor)
    before = AuditEvent.objects.filter(action="monitoring.overstays.view").count()
    page = client.get("/staff/monitoring/overstays/").content.decode()
    assert city["lapsed"][0].number in page
    others = [p for p in city["lapsed"] if p.holder.current_district.code != own]
    assert all(p.number not in page for p in others)
    assert AuditEvent.objects.filter(action="monitoring.overstays.view").count() == before + 1
    # another district's list is not there for them (404, as for any record outside scope)
    elsewhere = next(c for c in ("440103", "440104", "440105", "440106", "440111") if c != own)
    assert client.get("/staff/monitoring/overstays/", {"district": elsewhere}).status_code == 404
    # the page names holders only masked
    assert holder.zh_name not in page or not holder.zh_name


def test_alert_rules_are_read_by_supervisors_and_changed_by_administrators(
    city: dict[str, Any], make_user: Any, client_for: Any
) -> None:
    from onewindow.monitoring.models import AlertRule

    supervisor = client_for(make_user("supervisor"))
    assert supervisor.get("/staff/monitoring/alerts/").status_code == 200
    form = {
        "form-TOTAL_FORMS": "5",
        "form-INITIAL_FORMS": "5",
        **{
            f"form-{i}-{k}": v
            for i, rule in enumerate(AlertRule.objects.order_by("id"))
            for k, v in {"id": str(rule.pk), "enabled": "on", "days": "45"}.items()
        },
    }
    assert supervisor.post("/staff/monitoring/alerts/", form).status_code == 404
    assert not AlertRule.objects.filter(days=45).exists()
    admin = client_for(make_user("administrator"))
    assert admin.post("/staff/monitoring/alerts/", form).status_code == 302
    assert AlertRule.objects.filter(days=45).count() == 5
    bad = {**form, "form-0-days": "-3"}
    assert admin.post("/staff/monitoring/alerts/", bad).status_code == 200
    assert AlertRule.objects.filter(days=45).count() == 5


def test_open_data_is_public_suppressed_and_never_person_level(
    city: dict[str, Any], client: Any
) -> None:
    page = client.get("/open-data/")
    assert page.status_code == 200
    listing = client.get("/api/open-data/").json()
    assert [d["slug"] for d in listing] == list(DATASETS)
    for slug, dataset in DATASETS.items():
        body = client.get(f"/open-data/{slug}.json").json()
        assert body["threshold"] == THRESHOLD
        fields = [f["name"] for f in body["schema"]["fields"]]
        assert fields == [f.name for f in dataset.fields()]
        for record in body["records"]:
            assert set(record) == set(fields)
            count = record["count"]
            assert (count is None) == record["suppressed"]
            assert count is None or count == 0 or count >= THRESHOLD
        rows = list(
            csv.DictReader(io.StringIO(client.get(f"/open-data/{slug}.csv").content.decode()))
        )
        assert len(rows) == len(body["records"])
        assert client.get(f"/api/open-data/{slug}").json()["records"] == body["records"]
    # one person is never a row: population has one record per district and type (and totals)
    population = client.get("/open-data/population-by-district.json").json()["records"]
    assert len(population) == (11 + 1) * 3
    markers = _person_markers(city["citizens"][:10])
    text = json.dumps(population, ensure_ascii=False)
    assert not [m for m in markers if m in text]
    assert client.get("/open-data/nope.json").status_code == 404

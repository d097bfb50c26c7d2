"""The directory in and out of Open Referral HSDS 3.0 JSON.

The `jsonschema` package is not installed in this project's environment, so the export is
checked against HSDS 3.0's schemas field by field here (`assert_hsds_page`): the required
properties, types, enums and UUID ids of every object the export writes, as the schemas in
openreferral/specification (schema/service.json, location.json, address.json, ...) define
them.
"""

import copy
import io
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from onewindow.audit.models import AuditEvent
from onewindow.core.errors import DomainError
from onewindow.geo.models import ServiceStation
from onewindow.services.demo import seed_services
from onewindow.services.hsds import (
    STATION_CODE_SCHEME,
    ImportResult,
    hsds_export,
    hsds_id,
    hsds_import,
)
from onewindow.services.models import Course, Need, Service, StationInfo

LANGUAGES = {code for code, _ in settings.LANGUAGES}


# --- HSDS 3.0 structure, field by field ---------------------------------------------------------


def is_uuid(value: Any) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def assert_object(obj: Any, required: dict[str, type | tuple[type, ...]], **optional: Any) -> None:
    """`obj` is an object with the `required` properties of those types; `optional` ones, if
    present, have theirs; every `id` and `*_id` is a UUID."""
    assert isinstance(obj, dict), obj
    for name, kind in required.items():
        assert name in obj, (name, obj)
        assert isinstance(obj[name], kind), (name, obj[name])
    for name, kind in optional.items():
        if name in obj:
            assert isinstance(obj[name], kind), (name, obj[name])
    for name, value in obj.items():
        if name == "id" or name.endswith("_id"):
            assert is_uuid(value), (name, value)


NUMBER = (int, float)


def assert_attribute(attribute: dict) -> None:
    # schema/attribute.json: id; taxonomy_term.json: id, name, description; taxonomy.json: same
    assert_object(attribute, {"id": str}, link_id=str, link_type=str, link_entity=str)
    term = attribute["taxonomy_term"]
    assert_object(term, {"id": str, "name": str, "description": str}, code=str, taxonomy=str)
    assert_object(term["taxonomy_detail"], {"id": str, "name": str, "description": str})


def assert_location(location: dict) -> None:
    # schema/location.json: id, location_type (physical | postal | virtual)
    assert_object(
        location,
        {"id": str, "location_type": str},
        name=str,
        latitude=NUMBER,
        longitude=NUMBER,
        external_identifier=str,
        external_identifier_type=str,
    )
    assert location["location_type"] in ("physical", "postal", "virtual")
    for address in location["addresses"]:  # address.json
        assert_object(
            address,
            {
                "id": str,
                "address_1": str,
                "city": str,
                "state_province": str,
                "postal_code": str,
                "country": str,
                "address_type": str,
            },
        )
        assert address["address_type"] in ("physical", "postal", "virtual")
        assert len(address["country"]) == 2
    for phone in location.get("phones", []):  # phone.json: id, number
        assert_object(phone, {"id": str, "number": str}, type=str)
    for item in location.get("accessibility", []):  # accessibility.json: id
        assert_object(item, {"id": str}, description=str, details=str)
        for attribute in item.get("attributes", []):
            assert_attribute(attribute)
    for schedule in location.get("schedules", []):  # schedule.json: id; RRULE fields
        assert_object(
            schedule,
            {"id": str},
            freq=str,
            wkst=str,
            byday=str,
            opens_at=str,
            closes_at=str,
            timezone=NUMBER,
        )
        assert schedule["freq"] in ("WEEKLY", "MONTHLY")
        assert schedule["wkst"] in ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
        assert set(schedule["byday"].split(",")) <= {"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
    for language in location.get("languages", []):
        assert_object(language, {"id": str}, name=str, code=str, note=str)


def assert_hsds_service(service: dict) -> None:
    # schema/service.json: id, name, status (active | inactive | defunct | temporarily closed)
    assert_object(
        service,
        {"id": str, "name": str, "status": str},
        organization_id=str,
        description=str,
        languages=list,
        attributes=list,
        cost_options=list,
        service_at_locations=list,
    )
    assert service["status"] in ("active", "inactive", "defunct", "temporarily closed")
    # organization.json: id, name, description
    assert_object(service["organization"], {"id": str, "name": str, "description": str})
    assert service["organization_id"] == service["organization"]["id"]
    for language in service["languages"]:  # language.json: id; code is ISO 639
        assert_object(language, {"id": str}, name=str, code=str, note=str)
        assert 2 <= len(language["code"]) <= 3
    for attribute in service["attributes"]:
        assert_attribute(attribute)
    for option in service["cost_options"]:  # cost_option.json: id
        assert_object(option, {"id": str}, option=str, currency=str, amount=NUMBER)
    for link in service["service_at_locations"]:  # service_at_location.json: id
        assert_object(link, {"id": str}, description=str)
        assert_location(link["location"])


def assert_hsds_page(page: dict) -> None:
    """The API Reference's Page of `/services`, its `contents` each a compiled service."""
    assert_object(
        page,
        {
            "total_items": int,
            "total_pages": int,
            "page_number": int,
            "size": int,
            "first_page": bool,
            "last_page": bool,
            "empty": bool,
            "contents": list,
        },
    )
    assert page["total_items"] == page["size"] == len(page["contents"])
    for service in page["contents"]:
        assert_hsds_service(service)
    json.dumps(page)  # JSON-serialisable as it is


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are read in English here (the site's default language is Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def directory(reference: Any) -> int:
    """The demo directory: details for all 153 stations and their services."""
    return seed_services()


def clear_directory() -> None:
    Course.objects.all().delete()  # courses protect their service (and are not exchanged)
    Service.objects.all().delete()
    StationInfo.objects.all().delete()


def first_station() -> ServiceStation:
    return ServiceStation.objects.order_by("code").first()


def one_service(station: ServiceStation, **fields: Any) -> dict[str, Any]:
    """A minimal HSDS 3.0 service at `station`, as another system might send it."""
    document = {
        "id": str(uuid.uuid4()),
        "name": "Job fair for newcomers",
        "status": "active",
        "attributes": [
            {
                "id": str(uuid.uuid4()),
                "taxonomy_term": {
                    "id": hsds_id("taxonomy_term", "need:employment"),
                    "code": "employment",
                    "name": "Employment",
                    "description": "Employment",
                    "taxonomy_id": hsds_id("taxonomy", "need"),
                },
            }
        ],
        "service_at_locations": [
            {
                "id": str(uuid.uuid4()),
                "location": {
                    "id": str(uuid.uuid4()),
                    "location_type": "physical",
                    "external_identifier": station.code,
                    "external_identifier_type": STATION_CODE_SCHEME,
                },
            }
        ],
    }
    document.update(fields)
    return document


def page(*services: dict) -> dict[str, Any]:
    return {"total_items": len(services), "contents": list(services)}


# --- export ---------------------------------------------------------------------------------


def test_the_export_is_an_hsds_page_of_every_service(directory: int) -> None:
    # given the demo directory
    # when it is exported in French
    document = hsds_export(language="fr")
    # then it is an HSDS 3.0 page holding every service, its texts in French
    assert_hsds_page(document)
    assert document["total_items"] == directory == Service.objects.count()
    service = Service.objects.filter(need=Need.LANGUAGE).order_by("station__code").first()
    exported = next(s for s in document["contents"] if s["id"] == str(service.uid))
    assert exported["name"] == service.name["fr"]
    assert exported["x_onewindow_name"] == service.name
    location = exported["service_at_locations"][0]["location"]
    assert location["id"] == hsds_id("location", service.station.code)
    assert location["external_identifier"] == service.station.code
    assert exported["organization"]["id"] == hsds_id("organization", service.station.code)
    assert {a["taxonomy_term"]["code"] for a in exported["attributes"]} == {"language"}
    assert [lang["code"] for lang in exported["languages"]][:2] == ["zh", "en"]


def test_the_export_reads_the_directory_in_one_query(
    directory: int, django_assert_num_queries: Any
) -> None:
    # given 153 stations and their services; when exported; then one query, not one a row
    with django_assert_num_queries(1):
        hsds_export(language="en")


def test_an_unknown_export_language_is_refused(reference: Any) -> None:
    with pytest.raises(DomainError) as caught:
        hsds_export(language="xx")
    assert caught.value.code == "hsds_language"


# --- round trip ---------------------------------------------------------------------------------


def test_a_round_trip_loses_nothing(directory: int) -> None:
    # given the exported directory
    before = hsds_export(language="en")
    names = {str(s.uid): s.name for s in Service.objects.all()}
    descriptions = {str(s.uid): s.description for s in Service.objects.all()}
    # when every service and every station's details are deleted and the export imported
    clear_directory()
    result = hsds_import(data=json.loads(json.dumps(before)), actor=None)
    # then everything is back: the same document, all six languages of every text
    assert result == ImportResult(created=directory, locations_updated=153)
    assert hsds_export(language="en") == before
    for service in Service.objects.all():
        assert set(service.name) == set(service.description) == LANGUAGES
        assert service.name == names[str(service.uid)]
        assert service.description == descriptions[str(service.uid)]
    # and importing the same document again changes nothing
    again = hsds_import(data=before, actor=None)
    assert again == ImportResult(unchanged=directory)


def test_a_round_trip_in_another_language_keeps_every_language(directory: int) -> None:
    # given the directory exported in Arabic
    before = hsds_export(language="ar")
    # when it is imported into an empty directory
    clear_directory()
    hsds_import(data=before, actor=None)
    # then the Arabic export is the same and the English one has its English texts back
    assert hsds_export(language="ar") == before
    english = hsds_export(language="en")
    for service in english["contents"]:
        assert service["name"] == service["x_onewindow_name"]["en"]


def test_the_import_writes_one_audit_row_with_counts_only(directory: int) -> None:
    document = hsds_export(language="en")
    hsds_import(data=document, actor=None)
    event = AuditEvent.objects.filter(action="hsds_import").get()
    assert event.object_type == "service_directory"
    assert event.details == {
        "created": 0,
        "updated": 0,
        "unchanged": directory,
        "errors": 0,
        "locations_updated": 0,
    }


# --- update -------------------------------------------------------------------------------------


def test_a_service_is_updated_by_its_id(directory: int) -> None:
    # given an exported service whose English name, status and languages another system changed
    document = hsds_export(language="en")
    item = document["contents"][0]
    uid = item["id"]
    service = Service.objects.get(uid=uid)
    item.pop("x_onewindow_name")
    item["name"] = "Mandarin for everyone"
    item["status"] = "inactive"
    item["languages"] = [{"id": str(uuid.uuid4()), "name": "Cantonese", "code": "yue"}]
    # when the page is imported
    result = hsds_import(data=page(item), actor=None)
    # then that service (no new one) has the new English name, its other names kept
    assert (result.created, result.updated, result.errors) == (0, 1, [])
    updated = Service.objects.get(uid=uid)
    assert updated.pk == service.pk and Service.objects.count() == directory
    assert updated.name == {**service.name, "en": "Mandarin for everyone"}
    assert updated.active is False
    assert updated.languages == ["yue"]


def test_an_edit_of_the_standard_text_wins_over_the_extension(directory: int) -> None:
    # given an exported service whose French name another system edited (the extension kept)
    item = hsds_export(language="fr")["contents"][0]
    before = Service.objects.get(uid=item["id"]).name
    item["name"] = "Cours de mandarin"
    # when it is imported as a French document
    result = hsds_import(data={"x_onewindow_language": "fr", **page(item)}, actor=None)
    # then the French name is the new one, the five others are kept
    assert result.updated == 1
    assert Service.objects.get(uid=item["id"]).name == {**before, "fr": "Cours de mandarin"}


def test_an_import_updates_the_station_details(directory: int) -> None:
    # given a service whose station now opens on Saturday morning (in UTC) and has a lift only
    document = hsds_export(language="en")
    item = document["contents"][0]
    location = item["service_at_locations"][0]["location"]
    saturday = {"freq": "WEEKLY", "byday": "SA", "opens_at": "01:00Z", "closes_at": "04:00:00Z"}
    location["schedules"] = [{"id": str(uuid.uuid4()), **saturday}]
    location["accessibility"] = [
        {
            "id": str(uuid.uuid4()),
            "description": "Lift",
            "attributes": [
                {
                    "id": str(uuid.uuid4()),
                    "taxonomy_term_id": hsds_id("taxonomy_term", "accessibility:lift"),
                }
            ],
        }
    ]
    location["phones"] = [{"id": str(uuid.uuid4()), "number": "020-12345678"}]
    item["organization"]["email"] = "station@example.org"
    # when it is imported
    result = hsds_import(data=page(item), actor=None)
    # then the station's details are those, its hours in the city's time
    assert result.errors == [] and result.locations_updated == 1
    info = StationInfo.objects.get(station__code=location["external_identifier"])
    assert info.opening_hours == [{"weekday": 6, "opens": "09:00", "closes": "12:00"}]
    assert info.accessibility == ["lift"]
    assert (info.phone, info.email) == ("020-12345678", "station@example.org")


def test_a_new_service_from_another_system_is_created_at_the_named_station(
    reference: Any,
) -> None:
    # given a service from another system naming a station by its code, with no extension
    station = first_station()
    item = one_service(station, description="Meet employers.")
    # when it is imported
    result = hsds_import(data=page(item), actor=None)
    # then it is created at that station, its texts in English, not free (no cost option)
    assert (result.created, result.errors) == (1, [])
    service = Service.objects.get(uid=item["id"])
    assert service.station == station and service.need == Need.EMPLOYMENT
    assert service.name == {"en": "Job fair for newcomers"}
    assert service.description == {"en": "Meet employers."}
    assert service.free is False and service.active is True


# --- errors -------------------------------------------------------------------------------------


def test_an_unknown_location_is_an_error_and_creates_nothing(reference: Any) -> None:
    # given two services: one at an unknown location, one at a real station
    station = first_station()
    lost = one_service(station)
    lost["service_at_locations"][0]["location"]["external_identifier"] = "NOWHERE-1"
    found = one_service(station)
    stations = ServiceStation.objects.count()
    # when they are imported
    result = hsds_import(data=page(lost, found), actor=None)
    # then the first is an error (translated message, row skipped), the second is created
    assert result.created == 1
    assert [index for index, _ in result.errors] == [0]
    assert "unknown location" in result.errors[0][1]
    assert not Service.objects.filter(uid=lost["id"]).exists()
    assert Service.objects.filter(uid=found["id"]).exists()
    assert ServiceStation.objects.count() == stations  # never a new station


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"id": "not-a-uuid"}, "is not a UUID"),
        ({"status": "closed"}, "unknown status"),
        ({"attributes": []}, "need"),
        ({"name": ""}, "has no name"),
        ({"x_onewindow_name": {"de": "Jobmesse"}}, "unknown language"),
        ({"x_onewindow_name": ["Job fair"]}, "must map language codes"),
        ({"languages": [{"name": "Cantonese"}]}, "ISO 639"),
        ({"service_at_locations": []}, "exactly one location"),
        ({"cost_options": [{"id": str(uuid.uuid4()), "amount": "free"}]}, "malformed"),
    ],
)
def test_a_malformed_service_is_an_error_for_that_item(
    reference: Any, change: dict, expected: str
) -> None:
    # given a page whose second service is malformed in one way
    station = first_station()
    good, bad = one_service(station), one_service(station, **change)
    # when it is imported
    result = hsds_import(data=page(good, bad), actor=None)
    # then that service is reported and skipped, the other one created
    assert result.created == 1 and Service.objects.count() == 1
    assert len(result.errors) == 1 and result.errors[0][0] == 1
    assert expected in result.errors[0][1], result.errors


def test_an_unknown_need_is_an_error(reference: Any) -> None:
    item = one_service(first_station())
    item["attributes"][0]["taxonomy_term"]["code"] = "astrology"
    result = hsds_import(data=page(item), actor=None)
    assert result.created == 0 and "unknown need astrology" in result.errors[0][1]


def test_a_location_without_coordinates_cannot_create_station_details(reference: Any) -> None:
    # given a station without details and a service whose location gives hours but no place
    item = one_service(first_station())
    item["service_at_locations"][0]["location"]["schedules"] = []
    result = hsds_import(data=page(item), actor=None)
    assert "latitude" in result.errors[0][1] and not StationInfo.objects.exists()


def test_a_schedule_that_is_not_weekly_is_an_error(directory: int) -> None:
    item = hsds_export(language="en")["contents"][0]
    location = item["service_at_locations"][0]["location"]
    location["schedules"][0].update(freq="MONTHLY", byday="1SA")
    info = StationInfo.objects.get(station__code=location["external_identifier"])
    result = hsds_import(data=page(item), actor=None)
    assert "weekly opening hours" in result.errors[0][1]
    assert StationInfo.objects.get(pk=info.pk).opening_hours == info.opening_hours


def test_a_service_given_twice_is_imported_once(reference: Any) -> None:
    item = one_service(first_station())
    result = hsds_import(data=page(item, copy.deepcopy(item)), actor=None)
    assert result.created == 1 and "more than once" in result.errors[0][1]


@pytest.mark.parametrize(
    "data",
    [[], {"services": []}, {"contents": {"id": "x"}}, "contents", None],
)
def test_a_document_that_is_not_a_page_changes_nothing(directory: int, data: Any) -> None:
    # given the directory; when a document of the wrong shape is imported
    before = hsds_export(language="en")
    audit_rows = AuditEvent.objects.count()
    with pytest.raises(DomainError) as caught:
        hsds_import(data=data, actor=None)
    # then it is refused with a translatable message and nothing changed (not even the audit)
    assert caught.value.code == "hsds_malformed"
    assert "HSDS 3.0" in caught.value.text()
    assert hsds_export(language="en") == before
    assert AuditEvent.objects.count() == audit_rows


# --- the command --------------------------------------------------------------------------------


def test_the_command_exports_and_imports(directory: int, tmp_path: Path) -> None:
    # given the directory exported by the command
    path = tmp_path / "directory.json"
    out = io.StringIO()
    call_command("hsds", "export", str(path), "--language", "ko", stdout=out)
    assert f"{directory} services written" in out.getvalue()
    document = json.loads(path.read_text(encoding="utf-8"))
    assert_hsds_page(document)
    assert document["x_onewindow_language"] == "ko"
    # when one service's location is made unknown and the file imported by the command
    link = document["contents"][0]["service_at_locations"][0]
    link["location_id"] = link["location"]["id"] = str(uuid.uuid4())
    link["location"]["external_identifier"] = "NOWHERE-1"
    path.write_text(json.dumps(document), encoding="utf-8")
    out = io.StringIO()
    call_command("hsds", "import", str(path), stdout=out)
    # then it prints the counts and the error
    printed = out.getvalue()
    assert f"unchanged {directory - 1}, errors 1" in printed
    assert "contents[0]: unknown location" in printed


def test_the_command_refuses_a_file_that_is_not_a_page(reference: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("[1, 2, 3]", encoding="utf-8")
    with pytest.raises(CommandError, match=r"HSDS 3\.0"):
        call_command("hsds", "import", str(path))
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("hsds", "import", str(path))


def test_a_station_is_found_by_its_location_id(reference: Any, make_course: Callable) -> None:
    # given a service at a station, exported, its station code removed from the location
    course = make_course()
    item = hsds_export(language="en")["contents"][0]
    location = item["service_at_locations"][0]["location"]
    del location["external_identifier"], location["external_identifier_type"]
    item["name"] = "Renamed"
    item.pop("x_onewindow_name")
    # when it is imported; then the location id alone finds the station
    result = hsds_import(data=page(item), actor=None)
    assert result.updated == 1 and result.errors == []
    course.service.refresh_from_db()
    assert course.service.name["en"] == "Renamed"


def test_an_import_writes_in_bulk(directory: int, django_assert_max_num_queries: Any) -> None:
    # given the exported directory, deleted; when it is imported; then a handful of queries
    # (bulk inserts in batches, of about 100 rows on SQLite), not one or more a service
    document = hsds_export(language="en")
    clear_directory()
    with django_assert_max_num_queries(25):
        result = hsds_import(data=document, actor=None)
    assert result.created == directory > 500

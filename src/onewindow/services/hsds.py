"""The service directory in and out of the Open Referral Human Services Data Specification
(HSDS 3.0), JSON serialisation.

Shape. A document is one page of the HSDS 3.0 API Reference's `GET /services` response: the
`Page` object (`total_items`, `total_pages`, `page_number`, `size`, `first_page`,
`last_page`, `empty`) whose `contents` holds every service, each in the fully nested form of
`schema/compiled/service.json` (what `GET /services/{id}` returns): its `organization`,
`service_at_locations[].location` (with `addresses`, `phones`, `accessibility`, `schedules`,
`languages`), `languages`, `cost_options` and `attributes`. All services are on one page.

Mapping.
- A service station is both the HSDS `organization` that provides its services and their one
  physical `location`; the station's code is the location's `external_identifier`
  (`external_identifier_type` = STATION_CODE_SCHEME). Its `StationInfo` gives the
  coordinates, phone (location `phones`), e-mail (organization `email`), opening hours
  (location `schedules`: one weekly RRULE per opening time, `byday` "MO,TU,...", times with
  the city's UTC offset) and accessibility (location `accessibility`).
- A service's need, and each accessibility code, is an `attribute` linking a
  `taxonomy_term` (`code` = our code) of a OneWindow taxonomy carried in `taxonomy_detail`.
- `languages` are HSDS `language` objects: `code` is the ISO 639 code ("zh", "yue", "en"),
  `name` the language's name in the document's language.
- `free` is a `cost_options` entry of amount 0 (CNY); a service without one is not free.
- `status` is "active" or "inactive". Station addresses have no postal code in OneWindow:
  HSDS requires the property, so it is exported as "".

Languages. HSDS texts are single strings: the standard fields carry the document's language
(`hsds_export(language=...)`). HSDS schemas allow properties they do not define ("Extending
HSDS": a publication with additional properties still validates), so every text in all six
UI languages travels in namespaced extension properties: `x_onewindow_name` and
`x_onewindow_description` ({language code: text}) on each service, `x_onewindow_tag` (the
BCP 47 tag, e.g. "zh-hans") on each language object, and `x_onewindow_language` on the page.

Ids. HSDS ids are UUIDs. A service's is its `Service.uid`; every other object's is
`uuid5(NAMESPACE, "<kind>:<key>")` with NAMESPACE = uuid5(NAMESPACE_URL, "urn:onewindow:hsds")
= d13ff18c-0ac7-5c4d-b4d5-02b383803cf1, e.g. a station's location "location:440103-S01" and
organization "organization:440103-S01", so ids are the same in every export.

Import. A service is matched by its id (= `Service.uid`) and updated, else created. Its one
location must be an existing station (by the location's id or its station code); the
station's details are updated from it, a station is never created. Whatever cannot be read
(unknown location, need, accessibility or status, malformed entries) is an error for that
service, which is skipped; a document that is not a page of services changes nothing.
"""

import datetime
import re
import uuid
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from onewindow.audit.services import audit_record
from onewindow.core.errors import DomainError
from onewindow.core.i18n import pick, zh_or_en
from onewindow.geo.models import ServiceStation
from onewindow.registry.presentation import province_name

from .models import Accessibility, Need, Service, StationInfo

HSDS_VERSION = "3.0"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:onewindow:hsds")
STATION_CODE_SCHEME = "onewindow:station_code"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]  # ISO weekday 1..7
SERVICE_FIELDS = ["station", "need", "name", "description", "languages", "free", "active"]
INFO_FIELDS = ["latitude", "longitude", "phone", "email", "opening_hours", "accessibility"]
# ISO 639 code -> the tag OneWindow uses, for language objects without `x_onewindow_tag`.
TAGS = {"zh": "zh-hans"}
TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
TIME = re.compile(
    r"^(?P<h>[01]\d|2[0-3]):(?P<m>[0-5]\d)(?::[0-5]\d(?:\.\d+)?)?"
    r"(?P<tz>Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?$"
)
MICRODEGREE = Decimal("0.000001")
BATCH = 500

NOT_A_PAGE = _(
    'This is not an HSDS %(version)s service list: expected an object whose "contents" is a '
    "list of services."
)
UNKNOWN_LANGUAGE = _("There is no language %(language)s.")
NOT_AN_OBJECT = _("contents[%(index)s] is not an object.")
BAD_ID = _("contents[%(index)s]: the id %(id)s is not a UUID.")
DUPLICATE = _("contents[%(index)s]: the service %(id)s appears more than once.")
NO_NAME = _("contents[%(index)s]: the service has no name.")
BAD_TEXTS = _("contents[%(index)s]: %(field)s must map language codes to texts.")
TEXT_LANGUAGE = _("contents[%(index)s]: %(field)s has a text in an unknown language %(language)s.")
BAD_STATUS = _("contents[%(index)s]: unknown status %(status)s.")
NO_NEED = _("contents[%(index)s]: no attribute gives the service's need.")
BAD_NEED = _("contents[%(index)s]: unknown need %(code)s.")
BAD_LANGUAGES = _("contents[%(index)s]: each language needs an ISO 639 code.")
LOCATION_COUNT = _("contents[%(index)s]: a service must be at exactly one location, not %(count)s.")
UNKNOWN_LOCATION = _("contents[%(index)s]: unknown location %(id)s.")
NO_COORDINATES = _("contents[%(index)s]: the location %(id)s needs a latitude and a longitude.")
BAD_SCHEDULE = _(
    "contents[%(index)s]: a schedule of the location cannot be read as weekly opening hours."
)
BAD_ACCESSIBILITY = _("contents[%(index)s]: unknown accessibility %(code)s.")
MALFORMED = _("contents[%(index)s]: %(field)s is malformed.")
INVALID = _("contents[%(index)s]: %(problems)s")


def hsds_id(kind: str, key: str) -> str:
    """The stable HSDS id of a OneWindow object that has no UUID of its own."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


# --- export ---------------------------------------------------------------------------------


def _utc_offset() -> tuple[str, float]:
    """The city's UTC offset now, as "+08:00" and as hours."""
    offset = timezone.now().astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).utcoffset()
    minutes = int((offset or datetime.timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}", minutes // 60 if not rest else minutes / 60


def _taxonomy(key: str) -> dict[str, str]:
    names = {
        "need": (_("OneWindow needs"), _("What a community service helps a newcomer with.")),
        "accessibility": (
            _("OneWindow accessibility"),
            _("Arrangements at a service station for people with disabilities."),
        ),
    }
    name, description = names[key]
    return {
        "id": hsds_id("taxonomy", key),
        "name": str(name),
        "description": str(description),
        "version": "1",
    }


def _attribute(*, link_id: str, link_entity: str, taxonomy: str, code: str, label: str) -> dict:
    term_id = hsds_id("taxonomy_term", f"{taxonomy}:{code}")
    detail = _taxonomy(taxonomy)
    return {
        "id": hsds_id("attribute", f"{link_id}:{term_id}"),
        "link_id": link_id,
        "link_entity": link_entity,
        "link_type": taxonomy,
        "taxonomy_term_id": term_id,
        "taxonomy_term": {
            "id": term_id,
            "code": code,
            "name": label,
            "description": label,
            "taxonomy": detail["name"],
            "taxonomy_id": detail["id"],
            "taxonomy_detail": detail,
        },
    }


def _language(tag: str, owner: str, reader: Locale) -> dict[str, str]:
    try:
        locale = Locale.parse(tag, sep="-")
        code, name = locale.language, locale.get_display_name(reader) or tag
    except (ValueError, UnknownLocaleError):
        code, name = tag.split("-")[0], tag
    return {
        "id": hsds_id("language", f"{owner}:{tag}"),
        "name": name,
        "code": code,
        "x_onewindow_tag": tag,
    }


def _schedules(station: ServiceStation, info: StationInfo) -> list[dict[str, Any]]:
    """Weekly opening hours, one RRULE per opening time ("MO,TU,WE" 09:00-17:30)."""
    offset, hours = _utc_offset()
    days: dict[tuple[str, str], list[int]] = {}
    for slot in sorted(info.opening_hours, key=lambda s: (s["weekday"], s["opens"])):
        days.setdefault((slot["opens"], slot["closes"]), []).append(slot["weekday"])
    return [
        {
            "id": hsds_id("schedule", f"{station.code}:{opens}-{closes}"),
            "freq": "WEEKLY",
            "wkst": "MO",
            "byday": ",".join(DAYS[d - 1] for d in weekdays),
            "opens_at": f"{opens}{offset}",
            "closes_at": f"{closes}{offset}",
            "timezone": hours,
        }
        for (opens, closes), weekdays in sorted(days.items())
    ]


def _location(station: ServiceStation, language: str, tags: list[str], reader: Locale) -> dict:
    """The station as an HSDS location (and its details, when it has them)."""
    location_id = hsds_id("location", station.code)
    city = station.district.city
    location: dict[str, Any] = {
        "id": location_id,
        "location_type": "physical",
        "name": station.label,
        "alternate_name": zh_or_en(station.name_en, station.name_zh, language),
        "external_identifier": station.code,
        "external_identifier_type": STATION_CODE_SCHEME,
        "addresses": [
            {
                "id": hsds_id("address", station.code),
                "address_1": zh_or_en(station.address_zh, station.address_en, language),
                "city": city.label,
                "region": station.district.label,
                "state_province": province_name(city.code[:2], language),
                "postal_code": "",
                "country": "CN",
                "address_type": "physical",
            }
        ],
        "languages": [_language(tag, station.code, reader) for tag in tags],
    }
    info = getattr(station, "info", None)
    if info is None:
        return location
    location["latitude"] = float(info.latitude)
    location["longitude"] = float(info.longitude)
    location["phones"] = (
        [{"id": hsds_id("phone", station.code), "number": info.phone, "type": "voice"}]
        if info.phone
        else []
    )
    labels = dict(Accessibility.choices)
    location["accessibility"] = []
    for code in sorted(info.accessibility):
        access_id = hsds_id("accessibility", f"{station.code}:{code}")
        label = str(labels.get(code, code))
        location["accessibility"].append(
            {
                "id": access_id,
                "description": label,
                "attributes": [
                    _attribute(
                        link_id=access_id,
                        link_entity="accessibility",
                        taxonomy="accessibility",
                        code=code,
                        label=label,
                    )
                ],
            }
        )
    location["schedules"] = _schedules(station, info)
    return location


def _organization(station: ServiceStation) -> dict[str, Any]:
    organization = {
        "id": hsds_id("organization", station.code),
        "name": station.label,
        "description": gettext("A migrant service station in %(district)s, %(city)s.")
        % {"district": station.district.label, "city": station.district.city.label},
    }
    info = getattr(station, "info", None)
    if info is not None and info.email:
        organization["email"] = info.email
    return organization


def _service(service: Service, language: str, location: dict, organization: dict) -> dict:
    service_id = str(service.uid)
    reader = Locale.parse(language, sep="-")
    document: dict[str, Any] = {
        "id": service_id,
        "organization_id": organization["id"],
        "name": pick(service.name, language),
        "description": pick(service.description, language),
        "status": "active" if service.active else "inactive",
        "languages": [_language(tag, service_id, reader) for tag in service.languages],
        "cost_options": [],
        "attributes": [
            _attribute(
                link_id=service_id,
                link_entity="service",
                taxonomy="need",
                code=service.need,
                label=str(dict(Need.choices).get(service.need, service.need)),
            )
        ],
        "organization": organization,
        "service_at_locations": [
            {
                "id": hsds_id("service_at_location", service_id),
                "service_id": service_id,
                "location_id": location["id"],
                "location": location,
            }
        ],
        "x_onewindow_name": dict(service.name),
        "x_onewindow_description": dict(service.description),
    }
    if service.free:
        document["cost_options"].append(
            {
                "id": hsds_id("cost_option", f"{service_id}:free"),
                "option": gettext("Free of charge"),
                "amount": 0,
                "currency": "CNY",
            }
        )
    return document


def hsds_export(*, language: str = "en") -> dict[str, Any]:
    """Every service of the directory as one HSDS 3.0 page, its texts in `language`.

    One query: the services with their stations, districts, city and station details.
    """
    if language not in LANGUAGES:
        raise DomainError("hsds_language", UNKNOWN_LANGUAGE, language=language)
    services = list(
        Service.objects.select_related("station__district__city", "station__info").order_by(
            "station__code", "need", "uid"
        )
    )
    # Languages spoken at a station: those its active services are offered in.
    spoken: dict[int, list[str]] = {}
    for service in services:
        tags = spoken.setdefault(service.station_id, [])
        if service.active:
            tags.extend(tag for tag in service.languages if tag not in tags)
    reader = Locale.parse(language, sep="-")
    contents = []
    locations: dict[int, tuple[dict, dict]] = {}
    with translation.override(language):
        for service in services:
            station = service.station
            if station.pk not in locations:
                locations[station.pk] = (
                    _location(station, language, spoken[station.pk], reader),
                    _organization(station),
                )
            contents.append(_service(service, language, *locations[station.pk]))
    return {
        "total_items": len(contents),
        "total_pages": 1,
        "page_number": 1,
        "size": len(contents),
        "first_page": True,
        "last_page": True,
        "empty": not contents,
        "contents": contents,
        "x_onewindow_language": language,
    }


# --- import ---------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import did: services created, updated, unchanged; errors as (index in
    `contents`, message); and how many stations' details were written."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    locations_updated: int = 0


class _Invalid(Exception):
    """One service of the document cannot be imported (kept inside this module)."""

    def __init__(self, message: Promise, **params: Any) -> None:
        self.message = message
        self.params = params
        super().__init__(str(message))

    def text(self, index: int) -> str:
        return self.message % {"index": index, **self.params}


def _as_list(value: Any, name: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Invalid(MALFORMED, field=name)
    return value


def _as_dict(value: Any, name: str) -> dict:
    if not isinstance(value, dict):
        raise _Invalid(MALFORMED, field=name)
    return value


def _texts(item: dict, name: str, current: dict[str, str], fallback: str) -> dict[str, str]:
    """All texts of `name` ({language: text}).

    The extension, when given, holds them all and replaces the current ones; the standard
    field is the text in the document's language (`fallback`), merged into them — unless it
    is just what the extension already gives for that language (or its fallback text), so
    that an export imported as it is changes nothing, and an edit of the standard field wins.
    """
    extension = item.get(f"x_onewindow_{name}")
    if extension is not None:
        if not isinstance(extension, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in extension.items()
        ):
            raise _Invalid(BAD_TEXTS, field=f"x_onewindow_{name}")
        for code in extension:
            if code not in LANGUAGES:
                raise _Invalid(TEXT_LANGUAGE, field=f"x_onewindow_{name}", language=code)
        current = dict(extension)
    text = item.get(name)
    if text is not None and not isinstance(text, str):
        raise _Invalid(MALFORMED, field=name)
    if not text or text == pick(current, fallback):
        return dict(current)
    return {**current, fallback: text}


def _term_code(obj: dict, taxonomy: str, name: str) -> str | None:
    """The code of the first attribute of `obj` whose term is in our `taxonomy`."""
    taxonomy_id = hsds_id("taxonomy", taxonomy)
    for attribute in _as_list(obj.get("attributes"), f"{name}.attributes"):
        attribute = _as_dict(attribute, f"{name}.attributes")
        term = attribute.get("taxonomy_term") or {}
        term = _as_dict(term, f"{name}.attributes.taxonomy_term")
        detail = term.get("taxonomy_detail") or {}
        in_taxonomy = taxonomy_id in (
            term.get("taxonomy_id"),
            detail.get("id") if isinstance(detail, dict) else None,
        )
        if in_taxonomy and isinstance(term.get("code"), str):
            return term["code"]
        term_id = attribute.get("taxonomy_term_id") or term.get("id")
        for code in Need.values if taxonomy == "need" else Accessibility.values:
            if term_id == hsds_id("taxonomy_term", f"{taxonomy}:{code}"):
                return code
    return None


def _status(item: dict) -> bool:
    status = item.get("status")
    if status == "active":
        return True
    if status in ("inactive", "defunct", "temporarily closed"):
        return False
    raise _Invalid(BAD_STATUS, status=status)


def _languages(item: dict, current: list[str]) -> list[str]:
    if "languages" not in item:
        return list(current)
    tags: list[str] = []
    for entry in _as_list(item["languages"], "languages"):
        if not isinstance(entry, dict):
            raise _Invalid(BAD_LANGUAGES)
        tag = entry.get("x_onewindow_tag") or TAGS.get(entry.get("code"), entry.get("code"))
        if not isinstance(tag, str) or not TAG.match(tag.lower()):
            raise _Invalid(BAD_LANGUAGES)
        if tag.lower() not in tags:
            tags.append(tag.lower())
    return tags


def _free(item: dict, current: bool) -> bool:
    if "cost_options" not in item:
        return current
    options = _as_list(item["cost_options"], "cost_options")
    for option in options:
        amount = _as_dict(option, "cost_options").get("amount")
        if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int | float)):
            raise _Invalid(MALFORMED, field="cost_options")
        if amount == 0:
            return True
    return False


def _time(value: Any) -> str:
    """An HSDS time ("09:00", "09:00:00", "01:00Z", "09:00+08:00") as local "HH:MM"."""
    match = TIME.match(value) if isinstance(value, str) else None
    if match is None:
        raise _Invalid(BAD_SCHEDULE)
    hour, minute, zone = int(match["h"]), int(match["m"]), match["tz"]
    if zone is None:
        return f"{hour:02d}:{minute:02d}"
    if zone == "Z":
        tz = datetime.UTC
    else:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        delta = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        tz = datetime.timezone(sign * delta)
    moment = datetime.datetime.combine(timezone.now().date(), datetime.time(hour, minute), tz)
    local = moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return f"{local.hour:02d}:{local.minute:02d}"


def _opening_hours(schedules: list) -> list[dict[str, Any]]:
    hours = []
    for schedule in schedules:
        if not isinstance(schedule, dict):
            raise _Invalid(BAD_SCHEDULE)
        if schedule.get("freq", "WEEKLY") != "WEEKLY" or schedule.get("interval", 1) != 1:
            raise _Invalid(BAD_SCHEDULE)
        byday = schedule.get("byday")
        days = [d.strip().upper() for d in byday.split(",")] if isinstance(byday, str) else []
        if not days or any(d not in DAYS for d in days):
            raise _Invalid(BAD_SCHEDULE)
        opens, closes = _time(schedule.get("opens_at")), _time(schedule.get("closes_at"))
        if closes <= opens:
            raise _Invalid(BAD_SCHEDULE)
        hours += [{"weekday": DAYS.index(d) + 1, "opens": opens, "closes": closes} for d in days]
    unique = {(h["weekday"], h["opens"], h["closes"]): h for h in hours}
    return [unique[key] for key in sorted(unique)]


def _coordinate(value: Any, limit: int) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(MALFORMED, field="location.latitude/longitude")
    try:
        number = Decimal(str(value)).quantize(MICRODEGREE)
    except InvalidOperation as exc:
        raise _Invalid(MALFORMED, field="location.latitude/longitude") from exc
    if abs(number) > limit:
        raise _Invalid(MALFORMED, field="location.latitude/longitude")
    return number


def _station(
    item: dict, stations: dict[str, ServiceStation], by_id: dict[str, ServiceStation]
) -> tuple[ServiceStation, dict]:
    """The existing station a service's one location names (by its id or station code), and
    that location."""
    links = _as_list(item.get("service_at_locations"), "service_at_locations")
    if len(links) != 1:
        raise _Invalid(LOCATION_COUNT, count=len(links))
    link = _as_dict(links[0], "service_at_locations")
    location = _as_dict(link.get("location") or {}, "service_at_locations.location")
    for location_id in (location.get("id"), link.get("location_id")):
        if isinstance(location_id, str) and location_id.lower() in by_id:
            return by_id[location_id.lower()], location
    code = location.get("external_identifier")
    scheme = location.get("external_identifier_type", STATION_CODE_SCHEME)
    if isinstance(code, str) and scheme == STATION_CODE_SCHEME and code in stations:
        return stations[code], location
    shown = location.get("id") or link.get("location_id") or code or ""
    raise _Invalid(UNKNOWN_LOCATION, id=shown)


def _station_info(
    item: dict, station: ServiceStation, location: dict, base: StationInfo | None
) -> StationInfo | None:
    """The station's details as the document gives them (None: it gives none), checked."""
    given = {"latitude", "longitude", "phones", "schedules", "accessibility"} & location.keys()
    organization = item.get("organization")
    email = organization.get("email") if isinstance(organization, dict) else None
    if not given and email is None:
        return None
    info = StationInfo(station_id=station.pk)  # (not station=: that would cache it there)
    if base is not None:
        info.pk = base.pk
        for name in INFO_FIELDS:
            setattr(info, name, getattr(base, name))
    if "latitude" in location or "longitude" in location or base is None:
        if location.get("latitude") is None or location.get("longitude") is None:
            raise _Invalid(NO_COORDINATES, id=location.get("id") or station.code)
        info.latitude = _coordinate(location["latitude"], 90)
        info.longitude = _coordinate(location["longitude"], 180)
    if "phones" in location:
        phones = [_as_dict(p, "location.phones") for p in _as_list(location["phones"], "phones")]
        number = phones[0].get("number") if phones else ""
        if not isinstance(number, str):
            raise _Invalid(MALFORMED, field="location.phones")
        info.phone = number
    if email is not None:
        if not isinstance(email, str):
            raise _Invalid(MALFORMED, field="organization.email")
        info.email = email
    if "schedules" in location:
        info.opening_hours = _opening_hours(_as_list(location["schedules"], "location.schedules"))
    if "accessibility" in location:
        codes: list[str] = []
        for entry in _as_list(location["accessibility"], "location.accessibility"):
            entry = _as_dict(entry, "location.accessibility")
            code = _term_code(entry, "accessibility", "location.accessibility")
            if code not in Accessibility.values:
                raise _Invalid(BAD_ACCESSIBILITY, code=code or entry.get("description") or "")
            if code not in codes:
                codes.append(code)
        info.accessibility = sorted(codes)
    _check(info, exclude=["station"])
    return info


def _check(obj: Service | StationInfo, *, exclude: list[str]) -> None:
    """`full_clean` without the queries (foreign keys and unique checks are the caller's)."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items()
        )
        raise _Invalid(INVALID, problems=problems) from exc


def _service_fields(
    item: dict, station: ServiceStation, current: Service | None, fallback: str
) -> dict[str, Any]:
    need = _term_code(item, "need", "attributes")
    if need is None:
        raise _Invalid(NO_NEED)
    if need not in Need.values:
        raise _Invalid(BAD_NEED, code=need)
    name = _texts(item, "name", current.name if current else {}, fallback)
    if not any(text.strip() for text in name.values()):
        raise _Invalid(NO_NAME)
    fields = {
        "station": station,
        "need": need,
        "name": name,
        "description": _texts(
            item, "description", current.description if current else {}, fallback
        ),
        "languages": _languages(item, current.languages if current else []),
        "free": _free(item, current.free if current else False),
        "active": _status(item),
    }
    _check(Service(**fields), exclude=["station", "uid"])
    return fields


def _uid(item: Any) -> uuid.UUID:
    if not isinstance(item, dict):
        raise _Invalid(NOT_AN_OBJECT)
    try:
        return uuid.UUID(str(item.get("id")))
    except ValueError as exc:
        raise _Invalid(BAD_ID, id=item.get("id")) from exc


@transaction.atomic
def hsds_import(*, data: dict[str, Any], actor: Any) -> ImportResult:
    """Create or update services from an HSDS 3.0 page (the shape `hsds_export` writes).

    One transaction with its audit row. A service that cannot be read is skipped and
    reported in `errors`; the others are written with a few bulk queries. `actor` is a user,
    or None for the system.
    """
    contents = data.get("contents") if isinstance(data, dict) else None
    if not isinstance(contents, list):
        raise DomainError("hsds_malformed", NOT_A_PAGE, version=HSDS_VERSION)
    fallback = data.get("x_onewindow_language")
    fallback = fallback if fallback in LANGUAGES else "en"

    stations = {s.code: s for s in ServiceStation.objects.select_related("info")}
    by_id = {hsds_id("location", code): station for code, station in stations.items()}
    originals = {s.pk: getattr(s, "info", None) for s in stations.values()}
    uids = set()
    for item in contents:
        try:
            uids.add(_uid(item))
        except _Invalid:
            continue
    existing = {s.uid: s for s in Service.objects.filter(uid__in=uids)}

    result = ImportResult()
    seen: set[uuid.UUID] = set()
    infos: dict[int, StationInfo] = {}
    created: list[Service] = []
    changed: list[Service] = []
    now = timezone.now()
    for index, item in enumerate(contents):
        try:
            uid = _uid(item)
            if uid in seen:
                raise _Invalid(DUPLICATE, id=str(uid))
            seen.add(uid)
            station, location = _station(item, stations, by_id)
            current = existing.get(uid)
            fields = _service_fields(item, station, current, fallback)
            base = infos.get(station.pk) or originals[station.pk]
            info = _station_info(item, station, location, base)
        except _Invalid as exc:
            result.errors.append((index, exc.text(index)))
            continue
        if info is not None:
            infos[station.pk] = info
        if current is None:
            created.append(Service(uid=uid, **fields))
        elif any(getattr(current, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(current, name, value)
            current.updated_at = now
            changed.append(current)
        else:
            result.unchanged += 1

    Service.objects.bulk_create(created, batch_size=BATCH)
    Service.objects.bulk_update(changed, [*SERVICE_FIELDS, "updated_at"], batch_size=BATCH)
    new_infos, changed_infos = [], []
    for station_pk, info in infos.items():
        before = originals[station_pk]
        if before is None:
            new_infos.append(info)
        elif any(getattr(before, name) != getattr(info, name) for name in INFO_FIELDS):
            changed_infos.append(info)
    StationInfo.objects.bulk_create(new_infos, batch_size=BATCH)
    StationInfo.objects.bulk_update(changed_infos, INFO_FIELDS, batch_size=BATCH)

    result.created, result.updated = len(created), len(changed)
    result.locations_updated = len(new_infos) + len(changed_infos)
    audit_record(
        actor=actor,
        action="hsds_import",
        object_type="service_directory",
        object_id="",
        why="services",
        details={
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "errors": len(result.errors),
            "locations_updated": result.locations_updated,
        },
    )
    return result

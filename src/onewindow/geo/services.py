"""Writes to the reference geography: loading the city's data file."""

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from onewindow.audit.services import audit_record

from .models import City, Community, District, ServiceStation, SubDistrict

REFERENCE_FILE = Path(__file__).with_name("data") / "guangzhou.json"


@transaction.atomic
def geo_load_reference_data(*, path: Path | None = None) -> dict[str, int]:
    """Load (or refresh) the city, districts, sub-districts, communities and stations.

    Idempotent: each place is matched by its code and updated in place, so loading the same
    file twice changes nothing and a corrected file updates names without breaking the
    foreign keys that point at the places. Returns the number of places of each kind in the
    file.
    """
    data: dict[str, Any] = json.loads((path or REFERENCE_FILE).read_text(encoding="utf-8"))

    def names(row: dict[str, Any]) -> dict[str, Any]:
        return {"name_zh": row["name_zh"], "name_en": row["name_en"]}

    city_row = data["city"]
    city, _ = City.objects.update_or_create(code=city_row["code"], defaults=names(city_row))
    districts = {
        row["code"]: District.objects.update_or_create(
            code=row["code"],
            defaults={
                **names(row),
                "city": city,
                "population_weight": row.get("population_weight", 1.0),
            },
        )[0]
        for row in data["districts"]
    }
    subdistricts = {
        row["code"]: SubDistrict.objects.update_or_create(
            code=row["code"], defaults={**names(row), "district": districts[row["district"]]}
        )[0]
        for row in data["subdistricts"]
    }
    for row in data["communities"]:
        Community.objects.update_or_create(
            code=row["code"],
            defaults={**names(row), "subdistrict": subdistricts[row["subdistrict"]]},
        )
    for row in data["stations"]:
        ServiceStation.objects.update_or_create(
            code=row["code"],
            defaults={
                **names(row),
                "district": districts[row["district"]],
                "subdistrict": subdistricts.get(row.get("subdistrict") or ""),
                "address_zh": row["address_zh"],
                "address_en": row["address_en"],
            },
        )
    counts = {
        "cities": 1,
        "districts": len(districts),
        "subdistricts": len(subdistricts),
        "communities": len(data["communities"]),
        "stations": len(data["stations"]),
    }
    audit_record(actor=None, action="load", object_type="geo", why="reference_data", details=counts)
    return counts

"""What the review pages show: a record and a person field by field, with their differences,
and where each of a golden record's values came from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from onewindow.registry.models import Person

from .golden import REGISTRY
from .hanzi import simplify
from .mappings import mappings
from .models import GoldenRecord, StagedRecord

FIELD_LABELS = {
    "zh_name": _("Name in Chinese characters"),
    "name": _("Name in its own script"),
    "latin_name": _("Name in Latin letters"),
    "sex": _("Sex"),
    "birth_date": _("Birth date"),
    "nationality": _("Nationality"),
    "resident_id": _("Resident ID number"),
    "passport_number": _("Passport number"),
    "hukou_place": _("Hukou place"),
    "district": _("District"),
}
COMPARISON_LABELS = {
    "resident_id": _("Resident ID number"),
    "passport_number": _("Passport number"),
    "birth_ymd": _("Birth date"),
    "name": _("Name"),
    "sex": _("Sex"),
    "nationality": _("Nationality"),
    "district": _("District"),
}


@dataclass(frozen=True)
class Line:
    field: str
    label: Any
    left: str
    right: str

    @property
    def differs(self) -> bool:
        if not self.left or not self.right:
            return False
        return _norm(self.left) != _norm(self.right)


def _norm(text: str) -> str:
    return simplify("".join(text.split()).casefold())


def _text(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return " ".join(v for v in value if v)
    return str(value or "")


def record_values(record: StagedRecord) -> dict[str, str]:
    family, given = record.family_name, record.given_name
    return {
        "zh_name": record.zh_name,
        "name": f"{family} {given}".strip() if family or given else "",
        "latin_name": f"{record.latin_family_name} {record.latin_given_name}".strip(),
        "sex": record.sex,
        "birth_date": _text(record.birth_date),
        "nationality": record.nationality,
        "resident_id": record.resident_id,
        "passport_number": record.passport_number,
        "hukou_place": record.hukou_place,
        "district": record.district,
    }


def person_values(person: Person, golden: GoldenRecord | None) -> dict[str, str]:
    return {
        "zh_name": person.zh_name,
        "name": f"{person.family_name} {person.given_name}".strip(),
        "latin_name": f"{person.latin_family_name} {person.latin_given_name}".strip(),
        "sex": person.sex,
        "birth_date": _text(person.birth_date),
        "nationality": person.nationality,
        "resident_id": golden.resident_id if golden else "",
        "passport_number": golden.passport_number if golden else "",
        "hukou_place": person.hukou_place,
        "district": golden.district if golden else "",
    }


def _district_names(values: dict[str, str]) -> dict[str, str]:
    from onewindow.geo.models import District

    code = values.get("district", "")
    district = District.objects.filter(code=code).first() if code else None
    return {**values, "district": district.label if district else code}


def side_by_side(left: dict[str, str], right: dict[str, str]) -> list[Line]:
    """The fields either side fills, the district by its name."""
    left, right = _district_names(left), _district_names(right)
    return [
        Line(field, label, left.get(field, ""), right.get(field, ""))
        for field, label in FIELD_LABELS.items()
        if left.get(field) or right.get(field)
    ]


def weights(pair_weights: list[list[Any]]) -> list[dict[str, Any]]:
    """The match weight of each comparison, with a bar length (share of the largest)."""
    largest = max((abs(w) for _name, w in pair_weights), default=0) or 1
    return [
        {
            "label": COMPARISON_LABELS.get(name, name),
            "weight": w,
            "width": round(100 * abs(w) / largest),
            "sign": "for" if w > 0 else "against" if w < 0 else "none",
        }
        for name, w in pair_weights
    ]


def source_title(code: str) -> str:
    source = mappings().get(code)
    return str(source.title) if source else code


def provenance_lines(
    person: Person, golden: GoldenRecord, records: dict[int, StagedRecord]
) -> list[dict[str, Any]]:
    """Each golden field: its value and where it came from (a record, its ID number, or the
    registration in OneWindow)."""
    values = _district_names(person_values(person, golden))
    out = []
    for field, label in FIELD_LABELS.items():
        origin = golden.provenance.get(field)
        if not origin or not values.get(field):
            continue
        derived = origin.startswith("resident_id:")
        record = records.get(int(origin.split(":")[-1])) if origin != REGISTRY else None
        out.append(
            {
                "label": label,
                "value": values[field],
                "registry": origin == REGISTRY,
                "derived": derived,
                "record": record,
            }
        )
    return out

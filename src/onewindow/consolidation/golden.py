"""Survivorship: which of the values a person's source records give for a field becomes the
golden record's value.

Pure functions, no database. The rule is the issue's: the most trusted source wins, then the
most recent (when the source's file was imported), then the later record. A value a source states
outright beats one read off a resident ID number (birth date, sex, nationality, hukou place) by
the same source; what was registered in OneWindow itself is trusted above every agency.
Names survive as pairs (family + given name from one record), so a golden name is never
stitched together from two sources.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from onewindow.registry.names import has_cjk, split_chinese_name

REGISTRY_TRUST = 101  # above any agency's (0-100): officers checked it against the papers
REGISTRY = "registry"


@dataclass(frozen=True)
class Candidate:
    """One value for one field: from a staged record (`record` its id) or from the registry
    (`record` None). `derived` marks a value read off the resident ID number."""

    value: Any
    trust: int
    seen: dt.datetime
    record: int | None
    derived: bool = False

    @property
    def rank(self) -> tuple[int, int, dt.datetime, int]:
        return (self.trust, 0 if self.derived else 1, self.seen, self.record or 0)

    @property
    def provenance(self) -> str:
        if self.record is None:
            return REGISTRY
        return f"resident_id:{self.record}" if self.derived else str(self.record)


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == ("", "")


def from_resident_id(number: str) -> dict[str, Any]:
    """What an 18-digit resident ID number says: birth date, sex, citizenship and the place
    where it was issued (the hukou place at the time, used only when no source gives one).
    Foreigners' permanent-residence cards (first digit 9) say nothing of citizenship."""
    if len(number) != 18 or not number[:17].isdigit():
        return {}
    out: dict[str, Any] = {"sex": "M" if int(number[16]) % 2 else "F"}
    with contextlib.suppress(ValueError):
        out["birth_date"] = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    if number[0] != "9":
        out["nationality"] = "CN"
        out["hukou_place"] = number[:6]
    return out


def record_candidates(
    row: Mapping[str, Any], trust: int, seen: dt.datetime, record: int | None
) -> dict[str, list[Candidate]]:
    """The candidates one staged record (a mapping of its fields) offers."""
    out: dict[str, list[Candidate]] = {}

    def add(field: str, value: Any, derived: bool = False) -> None:
        if not _blank(value):
            out.setdefault(field, []).append(Candidate(value, trust, seen, record, derived))

    zh = (row.get("zh_name") or "").strip()
    family, given = (row.get("family_name") or "").strip(), (row.get("given_name") or "").strip()
    if not zh and has_cjk(family + given):
        zh = family + given
    add("zh_name", zh)
    if family or given:
        add("name", (family, given))
    elif zh:
        add("name", split_chinese_name(zh))
    add("latin_name", ((row.get("latin_family_name") or ""), (row.get("latin_given_name") or "")))
    for field in ("sex", "birth_date", "nationality", "hukou_place", "district"):
        add(field, row.get(field))
    add("resident_id", row.get("resident_id"))
    add("passport_number", row.get("passport_number"))
    for field, value in from_resident_id(row.get("resident_id") or "").items():
        add(field, value, derived=True)
    return out


def survive(candidates: Iterable[Mapping[str, list[Candidate]]]) -> dict[str, Candidate]:
    """The winning candidate of every field any candidate fills."""
    best: dict[str, Candidate] = {}
    for offered in candidates:
        for field, values in offered.items():
            for candidate in values:
                current = best.get(field)
                if current is None or candidate.rank > current.rank:
                    best[field] = candidate
    return best


def provenance_of(winners: Mapping[str, Candidate]) -> dict[str, str]:
    return {field: c.provenance for field, c in sorted(winners.items())}


def can_start_person(winners: Mapping[str, Candidate]) -> bool:
    """A person needs a name, a birth date and a nationality (a citizen also a hukou place)."""
    named = any(f in winners for f in ("zh_name", "name", "latin_name"))
    if not (named and "birth_date" in winners and "nationality" in winners):
        return False
    return winners["nationality"].value != "CN" or "hukou_place" in winners

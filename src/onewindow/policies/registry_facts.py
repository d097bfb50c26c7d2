"""The facts the registry holds about each person, by name: what a policy file's
`registry:` may point at, and the columns of the facts table a simulation reads.

Each is derived from the registry's records as of a date (see `facts_table.build`). What the
registry does not hold (salary, language tests, a criminal record, housing tenure…) is not
here: a simulation uses the policy's default for it and says so on its page.
"""

import datetime
import math
from dataclasses import dataclass
from typing import Any, Literal

DAYS_PER_MONTH = 30.4375
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class RegistryFact:
    name: str
    type: Literal["integer", "boolean", "choice"]
    meaning: str


REGISTRY_FACTS: dict[str, RegistryFact] = {
    f.name: f
    for f in [
        RegistryFact("age", "integer", "whole years at the evaluation date"),
        RegistryFact(
            "education_level",
            "choice",
            "highest recorded level: none, primary, lower_secondary, upper_secondary, "
            "vocational, junior_college, bachelor, master, doctorate",
        ),
        RegistryFact(
            "residence_months", "integer", "months of registered residence in the city, in total"
        ),
        RegistryFact("residence_years", "integer", "residence_months // 12"),
        RegistryFact(
            "current_residence", "boolean", "a residence registration in the city without an end"
        ),
        RegistryFact("employed", "boolean", "an employment without an end date"),
        RegistryFact("experience_years", "integer", "years of recorded employment, in total"),
        RegistryFact("pension_years", "integer", "years of pension insurance"),
        RegistryFact("medical_months", "integer", "months of medical insurance"),
        RegistryFact(
            "insurance_type_years",
            "integer",
            "years of insurance summed over the five types (pension, medical, unemployment, "
            "work injury, maternity)",
        ),
        RegistryFact(
            "months_in_china_per_year",
            "integer",
            "12 for a foreign national with a current residence registration, else 0",
        ),
    ]
}

EDUCATION_LEVELS = (
    "none",
    "primary",
    "lower_secondary",
    "upper_secondary",
    "vocational",
    "junior_college",
    "bachelor",
    "master",
    "doctorate",
)


def _days(start: datetime.date, end: datetime.date | None, as_of: datetime.date) -> int:
    return max(0, ((min(end, as_of) if end else as_of) - start).days)


def for_person(person: Any, as_of: datetime.date) -> dict[str, Any]:
    """The registry facts of one person as of a date — the same derivation as the facts
    table (`facts_table.build`), for one application's assessment."""
    born = person.birth_date
    age = as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))
    levels = [e.level for e in person.educations.all()]
    rank = max((EDUCATION_LEVELS.index(lv) for lv in levels if lv in EDUCATION_LEVELS), default=0)
    residences = [r for r in person.residences.all() if r.valid_from <= as_of]
    jobs = [e for e in person.employments.all() if e.start_date <= as_of]
    periods = [p for p in person.insurance_periods.all() if p.start_date <= as_of]
    residence_days = sum(_days(r.valid_from, r.valid_to, as_of) for r in residences)
    by_type: dict[str, int] = {}
    for period in periods:
        days = _days(period.start_date, period.end_date, as_of)
        by_type[period.insurance_type] = by_type.get(period.insurance_type, 0) + days
    current = any(r.valid_to is None for r in residences)
    foreign = person.nationality != "CN"
    residence_months = math.floor(residence_days / DAYS_PER_MONTH)
    return {
        "age": age,
        "education_level": EDUCATION_LEVELS[rank],
        "residence_months": residence_months,
        "residence_years": residence_months // 12,
        "current_residence": current,
        "employed": any(e.end_date is None for e in jobs),
        "experience_years": math.floor(
            sum(_days(e.start_date, e.end_date, as_of) for e in jobs) / DAYS_PER_YEAR
        ),
        "pension_years": math.floor(by_type.get("pension", 0) / DAYS_PER_YEAR),
        "medical_months": math.floor(by_type.get("medical", 0) / DAYS_PER_MONTH),
        "insurance_type_years": sum(math.floor(d / DAYS_PER_YEAR) for d in by_type.values()),
        "months_in_china_per_year": 12 if foreign and current else 0,
    }


def policy_facts_from_registry(policy: Any, registry: dict[str, Any]) -> dict[str, Any]:
    """The policy's facts that the registry holds, translated through `registry_map`."""
    found = {}
    for name, spec in policy.facts.items():
        if spec.registry is None or spec.registry not in registry:
            continue
        value = registry[spec.registry]
        if spec.type == "choice" and spec.registry_map:
            value = spec.registry_map.get(str(value), spec.default)
        found[name] = value
    return found

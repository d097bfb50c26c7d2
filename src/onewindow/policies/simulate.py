"""What-if simulation: a changed copy of a policy against the version in force, over everyone
the policy is about in the facts table — how many qualify or change class, overall and by
district, nationality, age band and education. Aggregates only, with small cells suppressed.
"""

import copy
import math
import time
from typing import Any

import polars as pl
from django.utils.translation import gettext as _
from pydantic import ValidationError

from onewindow.core.errors import DomainError

from .facts_table import age_band_expr, facts_meta, facts_path, population_filter
from .schema import Policy
from .vectorised import evaluate_frame

DIMENSIONS = ("district", "nationality", "age_band", "education_level")
MIN_CELL = 10  # counts from 1 to 9 are not shown: they could point at a person
COUNTS = ("population", "base", "scenario", "gained", "lost", "class_changed")


# --- the changed copy ----------------------------------------------------------------------------


def _set_points_at_least(node: dict[str, Any], value: float) -> None:
    if "points_at_least" in node:
        node["points_at_least"] = value
    for child in node.get("all", []) + node.get("any", []):
        _set_points_at_least(child, value)


def _number(value: Any) -> float:
    """A finite number from a form or a JSON body, else `DomainError`."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise DomainError("invalid_number", _("Points and thresholds must be numbers."))
    return number


def apply_overrides(policy: Policy, overrides: dict[str, Any]) -> Policy:
    """A copy of `policy` with changed points and thresholds. `overrides`: `threshold`;
    `items` by code → `bands` (points per band, in order), `map` (choice → points),
    `when_true`, `points` (an any-of item's), `max_points`; `classes` by code → the points a
    class needs. The copy is validated like a file."""
    data = copy.deepcopy(policy.model_dump(mode="json", by_alias=True, exclude_none=True))
    data["version"] = "scenario"
    if "threshold" in overrides:
        if policy.threshold is None:
            raise DomainError("no_threshold", _("This policy has no points threshold."))
        data["threshold"] = _number(overrides["threshold"])
    items = {item["code"]: item for item in data["items"]}
    for code, change in overrides.get("items", {}).items():
        if code not in items:
            raise DomainError("unknown_item", _("There is no item %(item)s."), item=code)
        item = items[code]
        for n, points in enumerate(change.get("bands", [])):
            if n < len(item.get("bands", [])):
                item["bands"][n]["points"] = _number(points)
        if change.get("map") and "map" in item:
            choices = policy.facts[item["fact"]].choices
            for choice, points in change["map"].items():
                if choice in choices:
                    item["map"][choice] = _number(points)
        for key in ("when_true", "points", "max_points"):
            if key in change and key in item:
                item[key] = _number(change[key])
    classes = {c["code"]: c for c in data.get("classes", [])}
    for code, points in overrides.get("classes", {}).items():
        if code not in classes:
            raise DomainError("unknown_class", _("There is no class %(klass)s."), klass=code)
        _set_points_at_least(classes[code]["when"], _number(points))
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise DomainError(
            "invalid_scenario",
            _("These changes do not make a valid policy: %(problem)s"),
            problem=exc.errors()[0]["msg"],
        ) from None


def class_thresholds(policy: Policy) -> dict[str, float]:
    """The points each class needs, where its rule has a points condition."""
    found = {}
    for rule in policy.classes:
        leaves = [leaf for leaf in rule.when.leaves() if leaf.points_at_least is not None]
        if leaves:
            found[rule.code] = leaves[0].points_at_least
    return found


# --- the facts a policy reads --------------------------------------------------------------------


def fact_columns(policy: Policy) -> list[pl.Expr]:
    """Each fact the policy reads, from its registry column or, if the registry does not hold
    it, the policy's default for everyone."""
    exprs = []
    for name, spec in policy.facts.items():
        if spec.registry is None:
            expr = pl.lit(spec.default)
        elif spec.type == "choice":
            expr = (
                pl.col(spec.registry)
                .cast(pl.String)
                .replace_strict(spec.registry_map, default=str(spec.default))
                if spec.registry_map
                else pl.col(spec.registry).cast(pl.String)
            )
        elif spec.type == "boolean":
            expr = pl.col(spec.registry).cast(pl.Boolean)
        else:
            expr = pl.col(spec.registry).cast(pl.Float64 if spec.type == "number" else pl.Int64)
        exprs.append(expr.alias(name))
    return exprs


def unavailable_facts(policy: Policy) -> list[str]:
    return [name for name, spec in policy.facts.items() if spec.registry is None]


def registry_columns(policy: Policy) -> set[str]:
    return {spec.registry for spec in policy.facts.values() if spec.registry}


# --- the run -------------------------------------------------------------------------------------


def _suppress(row: dict[str, Any]) -> dict[str, Any]:
    if row["population"] < MIN_CELL:
        return {**row, **dict.fromkeys(COUNTS), "suppressed": True}
    shown = {k: (None if 0 < row[k] < MIN_CELL else row[k]) for k in COUNTS}
    return {**row, **shown, "suppressed": any(v is None for v in shown.values())}


def _counts(frame: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    aggs = [
        pl.len().alias("population"),
        pl.col("q_base").sum().alias("base"),
        pl.col("qualifies").sum().alias("scenario"),
        (pl.col("qualifies") & ~pl.col("q_base")).sum().alias("gained"),
        (~pl.col("qualifies") & pl.col("q_base")).sum().alias("lost"),
        (pl.col("klass") != pl.col("k_base")).sum().alias("class_changed"),
    ]
    if by:
        return frame.group_by(by).agg(aggs).sort(by)
    return frame.select(aggs)


def run(base: Policy, scenario: Policy, source: Any = None) -> dict[str, Any]:
    """Evaluate both over the facts table (or `source`, a frame, in tests and benchmarks) and
    return the aggregates, small cells suppressed."""
    meta = facts_meta() if source is None else None
    if source is None:
        if meta is None:
            raise DomainError(
                "no_facts",
                _("The registry's facts table has not been built yet (onewindow policies facts)."),
            )
        source = pl.scan_parquet(facts_path())
    started = time.perf_counter()
    lazy = source.lazy() if isinstance(source, pl.DataFrame) else source
    needed = registry_columns(base) | registry_columns(scenario)
    needed |= {"district", "nationality", "age", "education_level", "foreign", "internal_migrant"}
    lazy = lazy.select(sorted(needed)).filter(population_filter(base.population))
    frame = lazy.with_columns(age_band_expr().alias("age_band"), *fact_columns(base))
    frame = evaluate_frame(base, frame).rename(
        {"qualifies": "q_base", "klass": "k_base", "total": "t_base", "eligible": "e_base"}
    )
    frame = evaluate_frame(scenario, frame).select(
        *DIMENSIONS, "q_base", "k_base", "qualifies", "klass"
    )
    frame = frame.collect().lazy()  # evaluated once, aggregated five ways
    overall = _counts(frame, []).collect().row(0, named=True)
    result: dict[str, Any] = {
        "base": base.key,
        "overall": _suppress(overall),
        "by": {
            dim: [_suppress(row) for row in _counts(frame, [dim]).collect().iter_rows(named=True)]
            for dim in DIMENSIONS
        },
        "unavailable_facts": unavailable_facts(base),
    }
    if base.classes:
        result["classes"] = {
            name: {
                row[column] or "-": (row["len"] if row["len"] >= MIN_CELL else None)
                for row in frame.group_by(column).len().sort(column).collect().iter_rows(named=True)
            }
            for name, column in (("base", "k_base"), ("scenario", "klass"))
        }
    result["seconds"] = round(time.perf_counter() - started, 3)
    result["facts_as_of"] = meta["as_of"] if meta else None
    return result

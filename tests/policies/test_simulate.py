"""What-if simulation on a synthetic facts frame: a lower threshold only ever adds people,
the counts add up, small cells are suppressed, and a changed copy that cannot be a policy is
refused with a `DomainError`."""

from typing import Any

import numpy as np
import polars as pl
import pytest
from django.conf import settings as django_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from onewindow.core.errors import DomainError
from onewindow.policies.catalogue import catalogue, in_force
from onewindow.policies.facts_table import age_band_expr, population_filter
from onewindow.policies.registry_facts import EDUCATION_LEVELS, REGISTRY_FACTS
from onewindow.policies.schema import Policy
from onewindow.policies.simulate import (
    COUNTS,
    DIMENSIONS,
    MIN_CELL,
    apply_overrides,
    class_thresholds,
    fact_columns,
    run,
    unavailable_facts,
)
from onewindow.policies.vectorised import evaluate_frame

DISTRICTS = ["440103", "440104", "440105", "440106", "440111", "440112", "440113", "440114"]
NATIONALITIES = ["US", "JP", "KR", "DE", "FR", "GB", "RU", "IN", "NG", "BR"]


def text(en: str) -> dict[str, str]:
    return {code: en for code, _ in django_settings.LANGUAGES}


def registry_frame(n: int, seed: int) -> pl.DataFrame:
    """`n` random persons with the facts table's columns and types."""
    rng = np.random.default_rng(seed)
    foreign = rng.random(n) < 0.2
    migrant = ~foreign & (rng.random(n) < 0.7)
    current = rng.random(n) < 0.85
    residence_months = rng.integers(0, 300, n)
    types = rng.integers(0, 6, n)
    insured_years = rng.integers(0, 25, n)
    frame = pl.DataFrame(
        {
            "person_id": np.arange(1, n + 1),
            "district": rng.choice(DISTRICTS, n),
            "nationality": np.where(foreign, rng.choice(NATIONALITIES, n), "CN"),
            "foreign": foreign,
            "internal_migrant": migrant,
            "age": rng.integers(0, 90, n),
            "education_level": rng.choice(EDUCATION_LEVELS, n),
            "residence_months": residence_months,
            "residence_years": residence_months // 12,
            "current_residence": current,
            "employed": rng.random(n) < 0.7,
            "experience_years": rng.integers(0, 40, n),
            "pension_years": np.minimum(insured_years, rng.integers(0, 25, n)),
            "medical_months": insured_years * 12 + rng.integers(0, 12, n),
            "insurance_type_years": types * insured_years,
            "months_in_china_per_year": np.where(foreign & current, 12, 0),
        }
    )
    return frame.with_columns(
        pl.col(name).cast(pl.Int16 if name == "age" else pl.Int32)
        for name, fact in REGISTRY_FACTS.items()
        if fact.type == "integer"
    ).with_columns(pl.col("person_id").cast(pl.Int64))


FRAME = registry_frame(5000, seed=20250601)

# A small points policy read from the registry: 10 points a year of residence, 20 for a
# degree, 5 for a bonus the registry does not hold; 100 to qualify.
YEARS = Policy.model_validate(
    {
        "id": "synthetic_years",
        "version": "1",
        "title": text("Years"),
        "description": text("Years of residence."),
        "kind": "points",
        "jurisdiction": "guangzhou",
        "effective_from": "2020-01-01",
        "population": "internal_migrants",
        "facts": {
            "years": {
                "type": "integer",
                "label": text("Years"),
                "min": 0,
                "default": 0,
                "registry": "residence_years",
            },
            "degree": {
                "type": "choice",
                "label": text("Degree"),
                "choices": {"no": text("No"), "yes": text("Yes")},
                "default": "no",
                "registry": "education_level",
                "registry_map": {"bachelor": "yes", "master": "yes", "doctorate": "yes"},
            },
            "bonus": {"type": "boolean", "label": text("Bonus"), "default": False},
        },
        "items": [
            {
                "code": "years",
                "label": text("Years"),
                "fact": "years",
                "bands": [{"min": 0, "points": 0, "per": 10}],
            },
            {"code": "degree", "label": text("Degree"), "fact": "degree", "map": {"yes": 20}},
            {"code": "bonus", "label": text("Bonus"), "fact": "bonus", "when_true": 5},
        ],
        "threshold": 100,
        "sources": [{"title": "Made up for the tests"}],
    }
)

HUKOU = [x.policy for x in catalogue().values() if x.policy.id == "gz_points_hukou"]
THRESHOLDS = {p.key: p for p in [YEARS, *HUKOU]}


def shown(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in (*COUNTS, "suppressed")}


def every_row(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [result["overall"], *(row for rows in result["by"].values() for row in rows)]


# --- the threshold -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(THRESHOLDS))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_a_lower_threshold_only_adds_people(key: str, data: st.DataObject) -> None:
    # given a points policy with its threshold, and a lower one
    policy = THRESHOLDS[key]
    assert policy.threshold is not None
    higher = data.draw(st.integers(0, int(policy.threshold) * 2), label="base threshold")
    lower = data.draw(st.integers(0, higher), label="scenario threshold")
    base = apply_overrides(policy, {"threshold": higher})
    scenario = apply_overrides(policy, {"threshold": lower})
    # when the lower one is simulated against the higher
    result = run(base, scenario, source=FRAME)
    # then nobody is lost, in any cell
    for row in every_row(result):
        assert row["lost"] in (0, None)
        assert row["suppressed"] or row["lost"] == 0
    # and overall, as many qualify or more, the difference being who was gained
    overall = result["overall"]
    if overall["base"] is not None and overall["scenario"] is not None:
        assert overall["scenario"] >= overall["base"]
        difference = overall["scenario"] - overall["base"]
        assert overall["gained"] == (difference if not 0 < difference < MIN_CELL else None)
    # and so it is in each cell where the counts are shown
    for row in every_row(result):
        if None not in (row["base"], row["scenario"], row["gained"]):
            assert row["gained"] == row["scenario"] - row["base"]


def test_the_gains_are_the_people_between_the_two_thresholds() -> None:
    # given 10 points a year of residence (and 20 for a degree), 100 points to qualify
    scenario = apply_overrides(YEARS, {"threshold": 60})
    migrants = FRAME.filter(population_filter("internal_migrants"))
    points = pl.col("residence_years") * 10 + pl.when(
        pl.col("education_level").is_in(["bachelor", "master", "doctorate"])
    ).then(20).otherwise(0)
    expected_base = migrants.filter(points >= 100).height
    expected_scenario = migrants.filter(points >= 60).height
    # when 60 points are enough instead
    result = run(YEARS, scenario, source=FRAME.lazy())
    # then the counts are those the rule gives by hand
    assert result["overall"] == {
        "population": migrants.height,
        "base": expected_base,
        "scenario": expected_scenario,
        "gained": expected_scenario - expected_base,
        "lost": 0,
        "class_changed": 0,
        "suppressed": False,
    }
    assert result["base"] == YEARS.key
    assert result["unavailable_facts"] == ["bonus"]
    assert result["facts_as_of"] is None


# --- the population ------------------------------------------------------------------------------


def test_the_population_is_who_the_policy_is_about() -> None:
    policies = {x.policy.key: x.policy for x in catalogue().values()}
    assert policies, "no shipped policies"
    for key, policy in sorted(policies.items()):
        # given a shipped policy, compared with itself
        expected = FRAME.filter(population_filter(policy.population))
        # when it is simulated
        result = run(policy, policy, source=FRAME)
        # then the population is everyone it is about, in total and in each dimension's cells
        assert result["overall"]["population"] == expected.height, key
        cells = expected.with_columns(age_band_expr().alias("age_band"))
        for dimension in DIMENSIONS:
            sizes = dict(cells.group_by(dimension).len().iter_rows())
            assert {row[dimension]: row["population"] for row in result["by"][dimension]} == {
                value: (n if n >= MIN_CELL else None) for value, n in sizes.items()
            }, (key, dimension)
        # and nothing changes
        overall = result["overall"]
        assert (overall["gained"], overall["lost"], overall["class_changed"]) == (0, 0, 0), key
        assert overall["base"] == overall["scenario"]
        assert result["unavailable_facts"] == unavailable_facts(policy)


def test_the_hukou_population_is_the_internal_migrants() -> None:
    policy = in_force("gz_points_hukou").policy
    result = run(policy, apply_overrides(policy, {"threshold": 120}), source=FRAME)
    assert result["overall"]["population"] == FRAME["internal_migrant"].sum()
    by_district = {row["district"]: row["population"] for row in result["by"]["district"]}
    assert by_district == dict(
        FRAME.filter("internal_migrant").group_by("district").len().sort("district").iter_rows()
    )


# --- suppression ---------------------------------------------------------------------------------


def persons(district: str, years: list[int], migrant: bool = True) -> pl.DataFrame:
    """One person per entry of `years` (of residence), in `district`."""
    n = len(years)
    frame = FRAME.head(n).with_columns(
        pl.lit(district).alias("district"),
        pl.Series("residence_years", years, dtype=pl.Int32),
        pl.lit("none").alias("education_level"),
        pl.lit(migrant).alias("internal_migrant"),
        pl.lit(False).alias("foreign"),
        pl.lit("CN").alias("nationality"),
        pl.lit(30, dtype=pl.Int16).alias("age"),
    )
    return frame


def test_small_counts_and_small_groups_are_suppressed() -> None:
    # given three districts: 5 migrants who all qualify (and 30 people who are not migrants);
    # 40 migrants of whom 3 qualify, and 4 more would at 60 points; and 60 migrants of whom
    # 20 qualify, and 15 more would
    frame = pl.concat(
        [
            persons("440103", [12] * 5),
            persons("440103", [12] * 30, migrant=False),
            persons("440104", [10] * 3 + [6] * 4 + [0] * 33),
            persons("440106", [12] * 20 + [7] * 15 + [1] * 25),
        ]
    )
    # when 60 points are enough instead of 100
    result = run(YEARS, apply_overrides(YEARS, {"threshold": 60}), source=frame)
    by = {row["district"]: row for row in result["by"]["district"]}
    # then the group of 5 shows nothing at all
    assert shown(by["440103"]) == {**dict.fromkeys(COUNTS), "suppressed": True}
    # and in the group of 40, the counts from 1 to 9 are hidden, the zeros and the rest shown
    assert shown(by["440104"]) == {
        "population": 40,
        "base": None,
        "scenario": None,
        "gained": None,
        "lost": 0,
        "class_changed": 0,
        "suppressed": True,
    }
    # and the group of 60 shows everything
    assert shown(by["440106"]) == {
        "population": 60,
        "base": 20,
        "scenario": 35,
        "gained": 15,
        "lost": 0,
        "class_changed": 0,
        "suppressed": False,
    }
    # and overall, 105 migrants: 28 qualify, 47 would
    assert shown(result["overall"]) == {
        "population": 105,
        "base": 28,
        "scenario": 47,
        "gained": 19,
        "lost": 0,
        "class_changed": 0,
        "suppressed": False,
    }
    # and no cell anywhere shows a count from 1 to 9
    for row in every_row(result):
        assert not any(0 < (row[k] or 0) < MIN_CELL for k in COUNTS)


def test_a_group_of_nine_is_suppressed_and_one_of_ten_is_not() -> None:
    frame = pl.concat([persons("440111", [12] * 9), persons("440112", [12] * 10)])
    result = run(YEARS, YEARS, source=frame)
    by = {row["district"]: row for row in result["by"]["district"]}
    assert shown(by["440111"]) == {**dict.fromkeys(COUNTS), "suppressed": True}
    assert shown(by["440112"])["population"] == shown(by["440112"])["base"] == 10
    assert by["440112"]["suppressed"] is False


@pytest.mark.parametrize("key", sorted(k for k in catalogue() if k.startswith("work_permit")))
def test_no_count_from_one_to_nine_is_ever_shown(key: str) -> None:
    # given the work permit classes, with class A at fewer points
    policy = catalogue()[key].policy
    points = class_thresholds(policy)["A"]
    scenario = apply_overrides(policy, {"classes": {"A": points - 25}})
    # when simulated over foreign nationals spread over many small cells
    result = run(policy, scenario, source=FRAME)
    # then every count shown is 0 or at least 10, and a small group shows none
    for row in every_row(result):
        for count in COUNTS:
            assert row[count] is None or row[count] == 0 or row[count] >= MIN_CELL
        if row["population"] is None:
            assert all(row[k] is None for k in COUNTS) and row["suppressed"]
    for counts in result["classes"].values():
        assert all(n is None or n >= MIN_CELL for n in counts.values())
    # and fewer points for class A loses nobody: whoever gains changed class
    overall = result["overall"]
    assert overall["lost"] == 0
    assert overall["class_changed"] is None or overall["class_changed"] >= (overall["gained"] or 0)


def test_class_counts_match_the_evaluated_frame() -> None:
    policy = in_force("work_permit_points").policy
    scenario = apply_overrides(policy, {"classes": {"A": 60}})
    result = run(policy, scenario, source=FRAME)
    frame = (
        FRAME.lazy()
        .filter(population_filter(policy.population))
        .with_columns(*fact_columns(policy))
    )
    counts = dict(evaluate_frame(scenario, frame).group_by("klass").len().collect().iter_rows())
    expected = {(k or "-"): (n if n >= MIN_CELL else None) for k, n in counts.items()}
    assert result["classes"]["scenario"] == dict(sorted(expected.items()))


# --- the changed copy ----------------------------------------------------------------------------


def test_overrides_change_points_and_thresholds_and_nothing_else() -> None:
    changed = apply_overrides(
        YEARS,
        {
            "threshold": 80,
            "items": {
                "years": {"bands": [7]},
                "degree": {"map": {"no": 3}},
                "bonus": {"when_true": 9},
            },
        },
    )
    assert changed.version == "scenario"
    assert changed.threshold == 80
    assert changed.items[0].bands[0].points == 7 and changed.items[0].bands[0].per == 10
    assert changed.items[1].map == {"yes": 20, "no": 3}
    assert changed.items[2].when_true == 9
    assert (YEARS.threshold, YEARS.items[1].map) == (100, {"yes": 20})  # the original is kept


def test_an_unknown_item_is_refused() -> None:
    with pytest.raises(DomainError) as error:
        apply_overrides(YEARS, {"items": {"nonexistent": {"bands": [1]}}})
    assert error.value.code == "unknown_item"


def test_an_unknown_class_is_refused() -> None:
    policy = in_force("work_permit_points").policy
    with pytest.raises(DomainError) as error:
        apply_overrides(policy, {"classes": {"Z": 50}})
    assert error.value.code == "unknown_class"


def test_a_threshold_for_a_policy_of_classes_is_refused() -> None:
    policy = in_force("work_permit_points").policy
    with pytest.raises(DomainError) as error:
        apply_overrides(policy, {"threshold": 50})
    assert error.value.code == "no_threshold"


# What an analyst may change are points and thresholds: anything but a finite number is
# refused, before the copy is validated like a file (`invalid_scenario`).
NOT_A_POLICY = {
    "a threshold that is not a number": {"threshold": "abc"},
    "no threshold": {"threshold": None},
    "a yes for a threshold": {"threshold": True},
    "a threshold that is not a number (NaN)": {"threshold": float("nan")},
    "an infinite threshold": {"threshold": float("inf")},
    "a band's points that are not a number": {"items": {"years": {"bands": ["x"]}}},
    "NaN points for a degree": {"items": {"degree": {"map": {"yes": float("nan")}}}},
    "infinite points for a flag": {"items": {"bonus": {"when_true": float("-inf")}}},
}


@pytest.mark.parametrize("overrides", NOT_A_POLICY.values(), ids=NOT_A_POLICY.keys())
def test_a_change_that_does_not_make_a_policy_is_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as error:
        apply_overrides(YEARS, overrides)
    assert error.value.code in ("invalid_number", "invalid_scenario")


def test_class_points_that_are_not_a_number_are_refused() -> None:
    policy = in_force("work_permit_points").policy
    with pytest.raises(DomainError) as error:
        apply_overrides(policy, {"classes": {"A": float("nan")}})
    assert error.value.code in ("invalid_number", "invalid_scenario")


def test_a_map_for_an_item_without_one_changes_nothing() -> None:
    # given an any-of item (no fact, no map), and a flag item
    policy = in_force("work_permit_points").policy
    codes = [item.code for item in policy.items if item.any_of is not None]
    codes += [item.code for item in YEARS.items if item.when_true is not None]
    assert codes
    # when a map of points is given for each, then each is left as it was
    changed = apply_overrides(policy, {"items": {codes[0]: {"map": {"x": 1}}}})
    assert changed.items == policy.items
    changed = apply_overrides(YEARS, {"items": {codes[-1]: {"map": {"yes": 1}}}})
    assert changed.items == YEARS.items

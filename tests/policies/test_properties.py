"""Properties every policy keeps, on random persons drawn from its own facts: the breakdown
adds up to the total, the vectorised evaluator agrees with the scalar one exactly, rising
bands never lower the total; and the registry's facts are derived the same way for one
person (`registry_facts.for_person`) as for everyone (`facts_table.build`)."""

import datetime
import itertools
import math
import random
from typing import Any

import polars as pl
import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onewindow.policies.catalogue import catalogue
from onewindow.policies.evaluate import evaluate, prepare_facts
from onewindow.policies.facts_table import build
from onewindow.policies.registry_facts import REGISTRY_FACTS, for_person
from onewindow.policies.schema import Band, Condition, FactSpec, Policy
from onewindow.policies.vectorised import NO_CLASS, evaluate_frame
from onewindow.registry.generate import generate_city
from onewindow.registry.models import InsuranceType, Person, PersonStatus
from onewindow.registry.services import (
    education_add,
    employment_add,
    insurance_period_add,
    person_create,
    person_set_status,
    residence_end,
    residence_register,
)
from tests.conftest import BAIYUN, TIANHE, YUEXIU, make_employer

SHIPPED = sorted(catalogue())


def text(en: str) -> dict[str, str]:
    return {code: en for code, _ in django_settings.LANGUAGES}


# Two small policies of our own, so that every kind of rule is exercised whatever the shipped
# files use: bands with points per unit, open and closed, with gaps and caps; maps, flags,
# any-of, deductions with a floor; nested conditions, disqualifiers, classes and a threshold.
SYNTHETIC = {
    "synthetic_threshold": {
        "id": "synthetic_threshold",
        "version": "1",
        "title": text("A points threshold"),
        "description": text("Every kind of item."),
        "kind": "points",
        "jurisdiction": "guangzhou",
        "effective_from": "2020-01-01",
        "population": "internal_migrants",
        "facts": {
            "age": {"type": "integer", "label": text("Age"), "min": 16, "max": 70, "default": 30},
            "education": {
                "type": "choice",
                "label": text("Education"),
                "choices": {"none": text("None"), "college": text("College"), "ba": text("BA")},
                "default": "none",
            },
            "pension_years": {
                "type": "integer",
                "label": text("Pension years"),
                "min": 0,
                "default": 0,
            },
            "salary": {
                "type": "number",
                "label": text("Salary"),
                "min": 0,
                "max": 200,
                "default": 0,
            },
            "award": {"type": "boolean", "label": text("Award"), "default": False},
            "volunteer": {"type": "boolean", "label": text("Volunteer"), "default": False},
            "offence": {"type": "boolean", "label": text("Offence"), "default": False},
        },
        "items": [
            {
                "code": "age",
                "label": text("Age"),
                "fact": "age",
                "bands": [
                    {"min": 18, "max": 31, "points": 30},
                    {"min": 31, "max": 41, "points": 20},
                    {"min": 41, "max": 46, "points": 5},
                ],
            },
            {
                "code": "education",
                "label": text("Education"),
                "fact": "education",
                "map": {"college": 40, "ba": 60},
            },
            {
                "code": "pension",
                "label": text("Pension"),
                "fact": "pension_years",
                "bands": [{"min": 1, "points": 1.5, "per": 1.5}],
                "max_points": 30,
            },
            {
                "code": "salary",
                "label": text("Salary"),
                "fact": "salary",
                "bands": [
                    {"max": 10, "points": 0},
                    {"min": 10, "max": 25.5, "points": 3.3, "per": 0.7},
                    {"min": 30, "points": 20, "per": 0.1},
                ],
                "max_points": 25,
            },
            {"code": "award", "label": text("Award"), "fact": "award", "when_true": 15},
            {
                "code": "bonus",
                "label": text("Bonus"),
                "group": "bonus",
                "any_of": ["award", "volunteer"],
                "points": 2.5,
            },
            {
                "code": "offence",
                "label": text("Offence"),
                "group": "deduction",
                "fact": "offence",
                "when_true": -50,
                "min_points": -30,
            },
        ],
        "eligibility": [
            {"fact": "age", "gte": 18},
            {"any": [{"fact": "pension_years", "gt": 0}, {"fact": "education", "eq": "ba"}]},
        ],
        "disqualifiers": [{"fact": "salary", "gte": 190}],
        "threshold": 100,
        "sources": [{"title": "Made up for the tests"}],
    },
    "synthetic_classes": {
        "id": "synthetic_classes",
        "version": "1",
        "title": text("Classes"),
        "description": text("Classes by points and facts."),
        "kind": "points",
        "jurisdiction": "national",
        "effective_from": "2020-01-01",
        "population": "foreign_nationals",
        "facts": {
            "age": {"type": "integer", "label": text("Age"), "min": 18, "max": 80, "default": 40},
            "experience": {"type": "integer", "label": text("Years"), "min": 0, "default": 0},
            "salary": {"type": "number", "label": text("Salary"), "min": 0, "default": 0},
            "level": {
                "type": "choice",
                "label": text("Level"),
                "choices": {"low": text("Low"), "mid": text("Mid"), "top": text("Top")},
                "default": "low",
            },
            "talent": {"type": "boolean", "label": text("Talent"), "default": False},
        },
        "items": [
            {
                "code": "age",
                "label": text("Age"),
                "fact": "age",
                "bands": [
                    {"max": 26, "points": 10},
                    {"min": 26, "max": 46, "points": 15, "per": -0.25},
                    {"min": 46, "max": 61, "points": 5},
                ],
            },
            {
                "code": "experience",
                "label": text("Experience"),
                "fact": "experience",
                "bands": [{"min": 2, "max": 5, "points": 5}, {"min": 5, "points": 10, "per": 1}],
                "max_points": 20,
            },
            {
                "code": "salary",
                "label": text("Salary"),
                "fact": "salary",
                "bands": [{"min": 5, "max": 15, "points": 10}, {"min": 15, "points": 20}],
            },
            {
                "code": "level",
                "label": text("Level"),
                "fact": "level",
                "map": {"mid": 10, "top": 25.25},
            },
        ],
        "eligibility": [{"fact": "age", "lte": 70}],
        "disqualifiers": [{"all": [{"fact": "salary", "lt": 1}, {"fact": "talent", "eq": False}]}],
        "classes": [
            {
                "code": "A",
                "label": text("A"),
                "when": {"any": [{"points_at_least": 60}, {"fact": "talent", "eq": True}]},
            },
            {
                "code": "B",
                "label": text("B"),
                "when": {"all": [{"points_at_least": 35}, {"fact": "level", "in": ["mid", "top"]}]},
            },
            {"code": "C", "label": text("C"), "when": {"fact": "level", "not_in": ["top"]}},
        ],
        "sources": [{"title": "Made up for the tests"}],
    },
}

POLICIES: dict[str, Policy] = {
    **{key: catalogue()[key].policy for key in SHIPPED},
    **{key: Policy.model_validate(data) for key, data in SYNTHETIC.items()},
}


# --- the facts of random persons -----------------------------------------------------------------


def conditions(policy: Policy) -> list[Condition]:
    rules = [*policy.eligibility, *policy.disqualifiers, *(c.when for c in policy.classes)]
    return [leaf for rule in rules for leaf in rule.leaves()]


def edges(policy: Policy, fact: str) -> list[float]:
    """Every value where the points or a condition on `fact` change."""
    found = []
    for item in policy.items:
        if item.fact == fact and item.bands:
            found += [e for band in item.bands for e in (band.min, band.max) if e is not None]
    for leaf in conditions(policy):
        if leaf.fact == fact:
            for target in leaf.ops().values():
                targets = target if isinstance(target, list) else [target]
                found += [float(t) for t in targets if isinstance(t, int | float)]
    return sorted({float(e) for e in found})


def value_range(policy: Policy, fact: str) -> tuple[float, float]:
    """The fact's own min and max, or else a range around its band edges and conditions."""
    spec = policy.facts[fact]
    known = [*edges(policy, fact), float(spec.default)]
    pad = max(2.0, (max(known) - min(known)) / 4)
    low = spec.min if spec.min is not None else min(known) - pad
    if spec.min is None and min(known) >= 0:
        low = max(low, 0.0)
    high = spec.max if spec.max is not None else max(known) + pad
    return float(low), float(high)


def fact_values(
    policy: Policy, fact: str, within: tuple[float, float] = (-math.inf, math.inf)
) -> st.SearchStrategy[Any]:
    """Values of one fact: anywhere in its range (cut to `within`, its upper end excluded),
    and often on or next to a band edge."""
    spec: FactSpec = policy.facts[fact]
    if spec.type == "boolean":
        return st.booleans()
    if spec.type == "choice":
        return st.sampled_from(sorted(spec.choices))
    low, high = value_range(policy, fact)
    low = max(low, within[0])
    if within[1] <= high:
        high = math.ceil(within[1]) - 1 if spec.type == "integer" else math.nextafter(within[1], 0)
    if spec.type == "integer":
        low, high = math.ceil(low), math.floor(high)
        near = {int(e) + d for e in edges(policy, fact) for d in (-1, 0, 1) if e == int(e)}
        near = sorted(v for v in near if low <= v <= high)
        anywhere = st.integers(int(low), int(high))
    else:
        near = {
            v
            for e in edges(policy, fact)
            for v in (math.nextafter(e, -math.inf), e, math.nextafter(e, math.inf), e + 0.5)
        }
        near = sorted(v for v in near if low <= v <= high)
        anywhere = st.floats(low, high, allow_nan=False, allow_infinity=False) | st.integers(
            math.ceil(low), math.floor(high)
        ).map(float)
    return anywhere | st.sampled_from(near) if near else anywhere


def persons(policy: Policy) -> st.SearchStrategy[dict[str, Any]]:
    """One person's facts, prepared as the evaluator prepares a form's (a missing fact, now
    and then, takes the policy's default)."""
    raw = st.fixed_dictionaries(
        {name: fact_values(policy, name) | st.none() for name in policy.facts}
    )
    return raw.map(lambda facts: prepare_facts(policy, facts))


DTYPES = {"integer": pl.Int64, "number": pl.Float64, "boolean": pl.Boolean, "choice": pl.String}


def frame_of(policy: Policy, rows: list[dict[str, Any]]) -> pl.LazyFrame:
    schema = {name: DTYPES[spec.type] for name, spec in policy.facts.items()}
    return pl.DataFrame(rows, schema=schema, orient="row").lazy()


# --- the breakdown -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(POLICIES))
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_the_breakdown_adds_up_to_the_total(key: str, data: st.DataObject) -> None:
    # given a policy and a random person
    policy = POLICIES[key]
    facts = data.draw(persons(policy), label="facts")
    # when the person is assessed
    result = evaluate(policy, facts, prepared=True)
    # then the items' points, in order, add up to the total, each within its caps
    total = 0.0
    for item in result.items:
        total += item.points
        assert item.item.max_points is None or item.points <= item.item.max_points
        assert item.item.min_points is None or item.points >= item.item.min_points
    assert total == result.total
    assert [r.item.code for r in result.items] == [i.code for i in policy.items]
    assert sum(r["points"] for r in result.as_json()["items"]) == pytest.approx(result.total)
    # and the outcome follows from the total, the conditions and the classes
    assert result.eligible == (not result.unmet and not result.disqualified_by)
    if policy.classes:
        assert result.qualifies == (result.klass is not None)
        assert result.klass is None or result.eligible
    elif policy.threshold is not None:
        assert result.qualifies == (result.eligible and result.total >= policy.threshold)
    else:
        assert result.qualifies == result.eligible


# --- the vectorised evaluator --------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(POLICIES))
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(data=st.data())
def test_the_vectorised_evaluator_agrees_with_the_scalar_one(key: str, data: st.DataObject) -> None:
    # given 200 random persons: up to 100 drawn whole, the rest mixing their facts (drawing
    # all 200 would overflow what Hypothesis draws for one example)
    policy = POLICIES[key]
    pool = data.draw(st.lists(persons(policy), min_size=1, max_size=100), label="persons")
    rng = data.draw(st.randoms(use_true_random=False), label="mix")
    rows = pool + [
        {name: rng.choice(pool)[name] for name in policy.facts} for _ in range(200 - len(pool))
    ]
    # when they are evaluated as one frame, and one by one
    frame = evaluate_frame(policy, frame_of(policy, rows), keep_items=True).collect()
    # then every total, eligibility, class and outcome is exactly the same
    for n, (facts, row) in enumerate(zip(rows, frame.iter_rows(named=True), strict=True)):
        one = evaluate(policy, facts, prepared=True)
        got = (row["total"], row["eligible"], row["klass"] or None, row["qualifies"])
        assert got == (one.total, one.eligible, one.klass, one.qualifies), (n, facts)
        assert [row[f"points_{r.item.code}"] for r in one.items] == [r.points for r in one.items]
    assert (frame["klass"] == NO_CLASS).sum() == sum(
        evaluate(policy, f, prepared=True).klass is None for f in rows
    )


# --- monotonicity --------------------------------------------------------------------------------


def _way(path: list[float]) -> str | None:
    pairs = list(itertools.pairwise(path))
    if all(a == b for a, b in pairs):
        return "flat"
    if all(a <= b for a, b in pairs):
        return "up"
    if all(a >= b for a, b in pairs):
        return "down"
    return None


def shape(bands: list[Band]) -> tuple[str | None, float, float]:
    """Which way the points go as the value rises — "up" (never fall), "down" (never rise),
    "flat" or None (both) — and over which values: the whole line if they go one way there
    (below, above and between the bands score 0), else the span of the bands themselves (the
    hukou age: 0 below 18, then 30 falling by 2 a year after 40)."""
    spans = sorted(bands, key=lambda b: -math.inf if b.min is None else b.min)
    inside: list[float] = []
    for n, band in enumerate(spans):
        inside.append(band.points)
        if band.per and band.max is None:
            inside.append(math.copysign(math.inf, band.per))
        elif band.per:
            inside.append(band.points + band.per * (band.max - (band.min or 0)))
        following = spans[n + 1] if n + 1 < len(spans) else None
        if following is not None and band.max is not None and following.min > band.max:
            inside.append(0.0)  # a gap between two bands
    first, last = spans[0].min, spans[-1].max
    whole = [*([] if first is None else [0.0]), *inside, *([] if last is None else [0.0])]
    if _way(whole) is not None:
        return _way(whole), -math.inf, math.inf
    return (
        _way(inside),
        -math.inf if first is None else first,
        math.inf if last is None else last,
    )


def monotone_cases(both_ways: bool = False) -> list[Any]:
    """(policy, fact, direction, span) for each number fact that bands read and whose points
    go one way; with `both_ways`, the (policy, fact) pairs whose points rise and fall."""
    cases = []
    for key, policy in sorted(POLICIES.items()):
        for fact, spec in policy.facts.items():
            banded = [i for i in policy.items if i.fact == fact and i.bands is not None]
            if spec.type not in ("integer", "number") or not banded:
                continue
            shapes = [shape(item.bands or []) for item in banded]
            ways = {way for way, _, _ in shapes} - {"flat"}
            span = (max(s[1] for s in shapes), min(s[2] for s in shapes))
            way = "up" if not ways else ways.pop() if len(ways) == 1 and None not in ways else None
            if both_ways and way is None:
                cases.append((key, fact))
            elif not both_ways and way is not None:
                cases.append(pytest.param(key, fact, way, span, id=f"{key}-{fact}-{way}"))
    return cases


def test_only_the_age_bands_rise_and_fall() -> None:
    # the facts whose points go both ways are not tested for monotonicity: they must be
    # only those meant to (work-permit age: 10, 15, 10, 5, 0; the synthetic policies')
    assert set(monotone_cases(both_ways=True)) == {
        ("synthetic_classes", "age"),
        ("synthetic_threshold", "salary"),
        ("work_permit_points@2016-trial", "age"),
        ("work_permit_points@2017-provisional", "age"),
    }


@pytest.mark.parametrize(("key", "fact", "way", "span"), monotone_cases())
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_the_total_follows_bands_that_go_one_way(
    key: str, fact: str, way: str, span: tuple[float, float], data: st.DataObject
) -> None:
    # given a person, and a fact whose bands only rise (or only fall) with its value
    policy = POLICIES[key]
    facts = data.draw(persons(policy), label="facts")
    values = fact_values(policy, fact, within=span)
    low, high = sorted(data.draw(st.tuples(values, values), label="values"))
    # when that fact goes from the lower value to the higher one
    before = evaluate(policy, {**facts, fact: low}, prepared=True)
    after = evaluate(policy, {**facts, fact: high}, prepared=True)
    # then the total moves the same way as the bands, or not at all
    if way == "up":
        assert after.total >= before.total
    else:
        assert after.total <= before.total


def test_the_shape_of_bands_is_read_from_their_points() -> None:
    def bands(*specs: dict[str, float]) -> list[Band]:
        return [Band(**spec) for spec in specs]

    everywhere = (-math.inf, math.inf)
    # rising steps, open at the top
    assert shape(bands({"min": 0, "max": 5, "points": 1}, {"min": 5, "points": 3})) == (
        "up",
        *everywhere,
    )
    # points per unit, from 1 on
    assert shape(bands({"min": 1, "points": 1.5, "per": 1.5})) == ("up", *everywhere)
    # falling steps from below, to 0 past the last
    assert shape(bands({"max": 30, "points": 20}, {"min": 30, "max": 40, "points": 10})) == (
        "down",
        *everywhere,
    )
    # the hukou age: 0 under 18, 30 to 40, then 2 fewer a year: falls within its bands
    hukou_age = bands({"min": 18, "max": 41, "points": 30}, {"min": 41, "points": 28, "per": -2})
    assert shape(hukou_age) == ("down", 18, math.inf)
    # a gap between two bands scores 0: up, down and up again
    assert shape(bands({"min": 0, "max": 5, "points": 1}, {"min": 6, "points": 3}))[0] is None
    # a slope that overshoots the next band falls at the edge
    overshoot = bands({"min": 0, "max": 5, "points": 1, "per": 1}, {"min": 5, "points": 3})
    assert shape(overshoot)[0] is None
    assert shape(bands({"min": 0, "points": 0}))[0] == "flat"


def test_the_shipped_policies_are_all_here() -> None:
    # the properties above are checked on every shipped policy: they must be there to be
    assert {
        "work_permit_points@2017-provisional",
        "work_permit_points@2016-trial",
        "gz_points_hukou@2020",
        "gz_points_hukou@2023",
        "residence_permit_eligibility@2016",
    } <= set(SHIPPED)


# --- the registry's facts, one by one and all at once -------------------------------------------


def person(n: int, born: datetime.date, nationality: str = "CN", hukou: str = "430102") -> Person:
    if nationality == "CN":
        return person_create(
            actor=None,
            sex="F" if n % 2 else "M",
            birth_date=born,
            nationality="CN",
            zh_name="王" + "明华国强"[n % 4],
            hukou_place=hukou,
        )
    return person_create(
        actor=None,
        sex="X",
        birth_date=born,
        nationality=nationality,
        latin_family_name="Smith",
        latin_given_name=f"Pat{n}",
    )


def live_in(who: Person, district: Any, since: datetime.date) -> None:
    residence_register(
        actor=None, person=who, address="测试路1号", district=district, valid_from=since
    )


def edge_cases(district: Any, as_of: datetime.date) -> None:
    """Persons whose records sit on the edges of the derivation."""
    day = datetime.timedelta(days=1)
    employer = make_employer()
    # a migrant who moved within the city, with jobs, insurance of several kinds and degrees
    mover = person(1, datetime.date(1988, 3, 14))
    live_in(mover, district(TIANHE), datetime.date(2012, 5, 1))
    live_in(mover, district(BAIYUN), datetime.date(2019, 9, 16))
    employment_add(
        actor=None,
        person=mover,
        employer=employer,
        start_date=datetime.date(2012, 6, 1),
        end_date=datetime.date(2018, 12, 31),
    )
    employment_add(
        actor=None, person=mover, employer=employer, start_date=datetime.date(2019, 2, 1)
    )
    for kind, start, end in [
        (InsuranceType.PENSION, datetime.date(2012, 6, 1), datetime.date(2018, 12, 31)),
        (InsuranceType.PENSION, datetime.date(2019, 2, 1), None),
        (InsuranceType.MEDICAL, datetime.date(2013, 1, 1), None),
        (InsuranceType.UNEMPLOYMENT, datetime.date(2014, 7, 1), datetime.date(2015, 6, 30)),
        (InsuranceType.WORK_INJURY, as_of, None),  # starts on the day: 0 days
        (InsuranceType.MATERNITY, as_of + day, None),  # starts after the day: not counted
    ]:
        insurance_period_add(
            actor=None, person=mover, insurance_type=kind, start_date=start, end_date=end
        )
    for level in ("upper_secondary", "master", "bachelor"):
        education_add(actor=None, person=mover, level=level)
    # born on the day (a birthday today) and on the day after, and on 29 February
    for n, born in enumerate(
        [
            as_of.replace(year=as_of.year - 28),  # 28 years back is a leap year too
            (as_of + day).replace(year=as_of.year - 28),
            datetime.date(2000, 2, 29),
        ]
    ):
        someone = person(10 + n, born)
        live_in(someone, district(YUEXIU), as_of - datetime.timedelta(days=365 + n))
    # a Guangzhou hukou whose registration has ended
    local = person(20, datetime.date(1975, 12, 31), hukou="440106")
    live_in(local, district(TIANHE), datetime.date(2001, 1, 1))
    residence_end(
        actor=None,
        registration=local.residences.get(),
        valid_to=as_of - datetime.timedelta(days=40),
    )
    # a job that ends after the day, and one that starts after it
    employment_add(
        actor=None,
        person=local,
        employer=employer,
        start_date=datetime.date(2010, 1, 1),
        end_date=as_of + datetime.timedelta(days=100),
    )
    # a foreign national living here, one who is not, one who has not arrived yet
    resident = person(30, datetime.date(1980, 7, 4), nationality="US")
    live_in(resident, district(TIANHE), datetime.date(2015, 1, 1))
    person(31, datetime.date(1992, 1, 1), nationality="JP")
    later = person(32, datetime.date(1993, 1, 1), nationality="DE")
    live_in(later, district(BAIYUN), as_of + datetime.timedelta(days=10))
    employment_add(
        actor=None, person=later, employer=employer, start_date=as_of + datetime.timedelta(days=10)
    )
    # someone with no records at all, and someone who has left the city (not in the table)
    person(40, datetime.date(2010, 10, 10))
    gone = person(41, datetime.date(1960, 1, 1))
    person_set_status(
        actor=None, person=gone, status=PersonStatus.DEPARTED, version=gone.version, why="test"
    )


def random_persons(district: Any, as_of: datetime.date, count: int, seed: int) -> None:
    """Persons with random runs of residences, jobs and insurance around `as_of`."""
    rng = random.Random(seed)
    employer = make_employer(name="广州市随机有限公司")
    start = as_of - datetime.timedelta(days=20 * 365)

    def periods() -> list[tuple[datetime.date, datetime.date | None]]:
        found, day = [], start + datetime.timedelta(days=rng.randrange(3000))
        while day < as_of + datetime.timedelta(days=200) and rng.random() < 0.8:
            length = rng.randrange(1, 2500)
            end = day + datetime.timedelta(days=length)
            found.append((day, None if rng.random() < 0.3 else end))
            if found[-1][1] is None:
                break
            day = end + datetime.timedelta(days=rng.randrange(1, 400))
        return found

    for n in range(count):
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(20_000))
        who = person(100 + n, born, nationality=rng.choice(["CN", "CN", "CN", "FR"]))
        for since, until in periods():
            live_in(who, district(rng.choice([TIANHE, BAIYUN, YUEXIU])), since)
            if until is not None:
                registration = who.residences.get(valid_to__isnull=True)
                residence_end(actor=None, registration=registration, valid_to=until)
        for since, until in periods():
            employment_add(
                actor=None, person=who, employer=employer, start_date=since, end_date=until
            )
        for kind in rng.sample(list(InsuranceType), rng.randrange(len(InsuranceType) + 1)):
            for since, until in periods():
                insurance_period_add(
                    actor=None, person=who, insurance_type=kind, start_date=since, end_date=until
                )
        for level in rng.sample(["primary", "vocational", "junior_college", "doctorate"], 2):
            if rng.random() < 0.5:
                education_add(actor=None, person=who, level=level)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "as_of", [datetime.date(2025, 6, 30), datetime.date(2024, 2, 29)], ids=["2025", "leap-day"]
)
def test_one_persons_facts_are_the_facts_tables(district, tmp_path, as_of) -> None:
    # given a small generated city, edge cases and random persons
    generate_city(persons=300, seed=7, chunk_size=300, progress=False)
    edge_cases(district, as_of)
    random_persons(district, as_of, count=25, seed=as_of.toordinal())
    # when the facts table is built for the day
    meta = build(as_of=as_of, out=tmp_path / "f.parquet")
    table = pl.read_parquet(tmp_path / "f.parquet")
    # then it holds every active person, once
    active = Person.objects.filter(status=PersonStatus.ACTIVE)
    assert table["person_id"].to_list() == sorted(active.values_list("pk", flat=True))
    assert meta["persons"] == table.height == active.count()
    # and each row holds the very facts `for_person` derives, value and type
    rows = {row["person_id"]: row for row in table.iter_rows(named=True)}
    everyone = active.prefetch_related(
        "educations", "residences", "employments", "insurance_periods"
    )
    checked = 0
    for who in everyone:
        one = for_person(who, as_of)
        assert set(one) == set(REGISTRY_FACTS)
        row = {name: rows[who.pk][name] for name in REGISTRY_FACTS}
        assert row == one, who.pk
        assert all(type(row[name]) is type(one[name]) for name in REGISTRY_FACTS), who.pk
        checked += 1
    assert checked > 300

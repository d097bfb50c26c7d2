"""The shipped policy files, checked against worked examples computed by hand from the tables
in POLICY-FACTS.md (§1 work permit, §3 residence permit, §4 Guangzhou points-based hukou).

Each example is a person described by their facts; the comment next to it gives the
arithmetic, row by row of the table, before the evaluator is asked. No database needed.
"""

import datetime
import hashlib
from typing import Any

import pytest
from django.http import Http404

from onewindow.policies.catalogue import catalogue, in_force
from onewindow.policies.evaluate import Assessment, evaluate
from onewindow.policies.registry_facts import (
    EDUCATION_LEVELS,
    REGISTRY_FACTS,
    policy_facts_from_registry,
)
from onewindow.policies.schema import Policy

PROVISIONAL = "work_permit_points@2017-provisional"
TRIAL = "work_permit_points@2016-trial"
HUKOU_2020 = "gz_points_hukou@2020"
HUKOU_2023 = "gz_points_hukou@2023"
RESIDENCE = "residence_permit_eligibility@2016"
SHIPPED = {PROVISIONAL, TRIAL, HUKOU_2020, HUKOU_2023, RESIDENCE}


def policy(key: str) -> Policy:
    return catalogue()[key].policy


def assess(key: str, **facts: Any) -> Assessment:
    return evaluate(policy(key), facts, catalogue()[key].digest)


def points(result: Assessment) -> dict[str, float]:
    return {r.item.code: r.points for r in result.items}


# --- every file ---------------------------------------------------------------------------------


def test_every_shipped_file_loads_with_its_sources_and_digest() -> None:
    # given the policies directory
    # when the catalogue loads it
    found = catalogue()
    # then the five files are there, each named id@version, citing a source, pinned by sha256
    assert set(found) == SHIPPED
    for key, loaded in found.items():
        assert loaded.path.name == f"{key}.yaml"
        assert loaded.policy.sources, key
        assert all(s.title.strip() for s in loaded.policy.sources), key
        assert loaded.digest == hashlib.sha256(loaded.path.read_bytes()).hexdigest()


def test_unverified_lists_exactly_what_the_files_mark() -> None:
    # given the files, with `verified: false` where POLICY-FACTS has no confirmation
    expected = {
        PROVISIONAL: [
            "class B:points",  # B: 60 points, consultancy sites only
            "class B:education",  # B: the choice merges degrees and skill certificates
            "source:Immigration consultancy sites on class B (60 points)",
        ],
        TRIAL: [
            "item:age",  # the half-open intervals read as whole-year ranges
            "class A:points",  # A: 85 points, the 2017 guide's
            "class B:points",  # B: 60 points
            "class B:education",
            "class B:experience_years",
            "class B:age",
            "class C:short_term_90_days",
            "class C:quota_programme",
            "class C:older_rules",
            "source:Start and end days of the pilot",
        ],
        HUKOU_2020: [
            "item:residence_permit",  # the basic items are the current rules'
            "item:home_owned",
            "item:home_rented",
            "item:social_insurance",
            "item:housing_fund",
            "item:age",
            "item:education",
            "eligibility:age",  # "recent versions" may not include 2020
            "eligibility:gz_residence_permit",
            "eligibility:stable_job",
            "eligibility:social_insurance_years",
        ],
        HUKOU_2023: ["source:Document number and date in force of the current rules"],
        RESIDENCE: [],
    }
    # when each is asked what no source confirms
    # then it lists exactly those
    for key, unverified in expected.items():
        assert policy(key).unverified() == unverified, key
    assert policy(HUKOU_2023).document is None
    assert all(policy(key).verified for key in SHIPPED)


def test_registry_names_maps_and_choices_are_known() -> None:
    # schema.py does not check these; a typo would silently never match
    fits = {"integer": {"integer", "number"}, "boolean": {"boolean"}, "choice": {"choice"}}
    for key in SHIPPED:
        p = policy(key)
        for name, spec in p.facts.items():
            if spec.registry is not None:
                assert spec.registry in REGISTRY_FACTS, f"{key}.{name}"
                assert spec.type in fits[REGISTRY_FACTS[spec.registry].type], f"{key}.{name}"
            assert set(spec.registry_map) <= set(EDUCATION_LEVELS), f"{key}.{name}"
            if spec.registry_map:
                assert set(spec.registry_map) == set(EDUCATION_LEVELS), f"{key}.{name}"
        rules = [*p.eligibility, *p.disqualifiers, *(c.when for c in p.classes)]
        for leaf in (leaf for rule in rules for leaf in rule.leaves()):
            assert leaf.label is not None, f"{key}: {leaf}"
            if leaf.fact is None:
                continue
            spec = p.facts[leaf.fact]
            ((op, target),) = leaf.ops().items()
            if spec.type == "choice":
                assert op in ("eq", "ne", "in", "not_in"), f"{key}.{leaf.fact}"
                targets = target if isinstance(target, list) else [target]
                assert set(targets) <= set(spec.choices), f"{key}.{leaf.fact}"
            elif spec.type == "boolean":
                assert op == "eq" and isinstance(target, bool), f"{key}.{leaf.fact}"


def test_versions_follow_each_other_without_a_gap() -> None:
    # the day each version stops is the day the next starts (effective_to is exclusive)
    assert in_force("work_permit_points", datetime.date(2016, 10, 1)).policy.key == TRIAL
    assert in_force("work_permit_points", datetime.date(2017, 3, 31)).policy.key == TRIAL
    assert in_force("work_permit_points", datetime.date(2017, 4, 1)).policy.key == PROVISIONAL
    assert in_force("gz_points_hukou", datetime.date(2020, 7, 9)).policy.key == HUKOU_2020
    assert in_force("gz_points_hukou", datetime.date(2023, 2, 9)).policy.key == HUKOU_2020
    assert in_force("gz_points_hukou", datetime.date(2023, 2, 10)).policy.key == HUKOU_2023
    assert in_force("residence_permit_eligibility", datetime.date(2016, 1, 1)).policy.key == (
        RESIDENCE
    )
    with pytest.raises(Http404):
        in_force("work_permit_points", datetime.date(2016, 9, 30))
    with pytest.raises(Http404):
        in_force("gz_points_hukou", datetime.date(2020, 7, 8))


def test_registry_values_translate_to_the_policies_choices() -> None:
    # given registry education levels
    # when translated through each file's registry_map
    def education(key: str, level: str) -> Any:
        return policy_facts_from_registry(policy(key), {"education_level": level})["education"]

    # then degrees map to the table's rows and anything lower to none
    assert education(PROVISIONAL, "doctorate") == "phd_or_equivalent"
    assert education(PROVISIONAL, "bachelor") == "bachelor_or_equivalent"
    assert education(PROVISIONAL, "junior_college") == "none"
    assert education(TRIAL, "master") == "master"
    assert education(TRIAL, "vocational") == "none"
    assert education(HUKOU_2023, "master") == "bachelor_or_higher"
    assert education(HUKOU_2023, "junior_college") == "junior_college"
    assert education(HUKOU_2023, "vocational") == "high_school"
    assert education(HUKOU_2023, "upper_secondary") == "high_school"
    assert education(HUKOU_2023, "lower_secondary") == "none"
    assert education(HUKOU_2020, "doctorate") == "bachelor_or_higher"


# --- work permit, provisional table (2017) -------------------------------------------------------


def test_provisional_85_points_is_class_a() -> None:
    # given a person on several band edges
    result = assess(
        PROVISIONAL,
        salary_10k_rmb=45,  # salary 45 → "≥45": 20 (45 itself is in the top band)
        education="phd_or_equivalent",  # PhD → 20
        experience_years=17,  # 2 years: 5, +1 × 15 more years = 20, the cap exactly
        months_in_china=12,  # "≥9": 15
        chinese="none",  # 0
        encouraged_region=False,  # 0
        age=46,  # "46–55": 10 (46 is the first year of the band)
        provincial_bonus=0,  # 0; top university / Fortune 500 none → 0
    )
    # then 20 + 20 + 20 + 15 + 0 + 0 + 10 + 0 + 0 = 85 → A ("85分以上" includes 85)
    assert points(result) == {
        "salary": 20,
        "education": 20,
        "experience": 20,
        "months_in_china": 15,
        "chinese": 0,
        "region": 0,
        "age": 10,
        "top_university": 0,
        "provincial_bonus": 0,
    }
    assert not result.items[2].capped
    assert result.total == 85
    assert result.klass == "A"
    assert result.qualifies


def test_provisional_70_points_without_a_bachelor_is_not_b() -> None:
    # given
    result = assess(
        PROVISIONAL,
        salary_10k_rmb=36,  # salary 36 → [35,45): 17
        education="none",  # 0
        experience_years=5,  # 2 years: 5, +1 × 3 = 8
        months_in_china=9,  # "≥9": 15 (9 itself)
        chinese="hsk5_plus",  # HSK5+: 5
        encouraged_region=True,  # western region etc.: 10
        age=25,  # "18–25": 10 (25 is still in it)
        fortune500=True,  # Fortune 500: 5
    )
    # then 17 + 0 + 8 + 15 + 5 + 10 + 10 + 5 + 0 = 70: not A (< 85), not B (no bachelor),
    # not in a C category → no class, not eligible for a permit
    assert points(result) == {
        "salary": 17,
        "education": 0,
        "experience": 8,
        "months_in_china": 15,
        "chinese": 5,
        "region": 10,
        "age": 10,
        "top_university": 5,
        "provincial_bonus": 0,
    }
    assert result.total == 70
    assert result.eligible  # there is no eligibility list: the classes decide
    assert result.klass is None
    assert not result.qualifies


def test_provisional_62_points_with_a_bachelor_is_class_b() -> None:
    # given
    result = assess(
        PROVISIONAL,
        salary_10k_rmb=15,  # salary 15 → [15,25): 11 (15 starts the band)
        education="bachelor_or_equivalent",  # Bachelor's: 10
        experience_years=2,  # 2 years: 5
        months_in_china=6,  # [6,9): 10
        chinese="hsk3",  # HSK3: 3
        age=45,  # "26–45": 15 (45 is still in it)
        top_university=True,  # world top university: 5 ...
        patents=True,  # ... and patents: still 5, one item
        provincial_bonus=3,  # 3
    )
    # then 11 + 10 + 5 + 10 + 3 + 0 + 15 + 5 + 3 = 62 → B (≥60, bachelor, 2 years, ≤60)
    assert points(result) == {
        "salary": 11,
        "education": 10,
        "experience": 5,
        "months_in_china": 10,
        "chinese": 3,
        "region": 0,
        "age": 15,
        "top_university": 5,
        "provincial_bonus": 3,
    }
    assert result.total == 62
    assert result.klass == "B"


def test_provisional_59_points_and_no_c_category_is_no_class_60_is_b() -> None:
    # given a master's holder one point short of B
    facts: dict[str, Any] = {
        "salary_10k_rmb": 25,  # [25,35): 14 (25 starts the band)
        "education": "master_or_equivalent",  # Master's: 15
        "experience_years": 3,  # 2 years: 5, +1 = 6
        "months_in_china": 3,  # [3,6): 5
        "chinese": "hsk1",  # HSK1: 1
        "age": 56,  # "56–60": 5
        "five_years_in_china": True,  # 5 years working in China: 5
        "provincial_bonus": 8,  # 8
    }
    # when assessed, and again with one more provincial point
    short = assess(PROVISIONAL, **facts)
    enough = assess(PROVISIONAL, **(facts | {"provincial_bonus": 9}))
    # then 14 + 15 + 6 + 5 + 1 + 0 + 5 + 5 + 8 = 59 → no class; with 9 bonus: 60 → B
    assert points(short) == {
        "salary": 14,
        "education": 15,
        "experience": 6,
        "months_in_china": 5,
        "chinese": 1,
        "region": 0,
        "age": 5,
        "top_university": 5,
        "provincial_bonus": 8,
    }
    assert short.total == 59
    assert short.klass is None
    assert not short.qualifies
    assert enough.total == 60
    assert enough.klass == "B"


def test_provisional_c_category_with_30_points_is_class_c() -> None:
    # given a short assignment
    result = assess(
        PROVISIONAL,
        salary_10k_rmb=5,  # [5,7): 5 (5 starts the band)
        experience_years=1,  # "<2 years": 0
        months_in_china=2,  # "<3": 0
        encouraged_region=True,  # 10
        age=30,  # "26–45": 15
        short_term_90_days=True,  # C: work of 90 days or less
    )
    # then 5 + 0 + 0 + 0 + 0 + 10 + 15 + 0 + 0 = 30 → C (a category, not a points band)
    assert result.total == 30
    assert points(result)["experience"] == 0
    assert result.klass == "C"
    assert result.qualifies


def test_provisional_talent_programme_is_a_whatever_the_points() -> None:
    # given a talent-programme selectee past 60 with a salary under 5
    result = assess(
        PROVISIONAL,
        salary_10k_rmb=4.9,  # "<5": 0
        age=65,  # ">60": 0
        talent_programme=True,  # A directly; no age limit for A
    )
    # then 0 points, and A
    assert result.total == 0
    assert result.klass == "A"


def test_provisional_b_needs_age_60_or_under_and_caps_experience() -> None:
    # given a highly qualified person aged 61, then 60
    facts: dict[str, Any] = {
        "salary_10k_rmb": 50,  # "≥45": 20
        "education": "phd_or_equivalent",  # 20
        "experience_years": 20,  # 5 + 18 = 23 → capped at 20
        "months_in_china": 12,  # 15
        "age": 61,  # ">60": 0
    }
    old = assess(PROVISIONAL, **facts)
    younger = assess(PROVISIONAL, **(facts | {"age": 60}))
    # then 20 + 20 + 20 + 15 + 0 = 75: not A, not B (over 60) → no class;
    # at 60: "56–60": 5 → 80, B
    experience = next(r for r in old.items if r.item.code == "experience")
    assert experience.points == 20
    assert experience.capped
    assert old.total == 75
    assert old.klass is None
    assert younger.total == 80
    assert younger.klass == "B"


# --- work permit, trial table (2016) -------------------------------------------------------------


def test_trial_hsk5_scores_10_where_provisional_gives_5() -> None:
    # given the same person under both tables (the education choice named per table)
    common: dict[str, Any] = {
        "salary_10k_rmb": 40,  # [35,45): 17 in both
        "experience_years": 12,  # 5 + 10 = 15: trial cap 15 reached; provisional 15 (cap 20)
        "months_in_china": 10,  # "≥9": 15
        "chinese": "hsk5_plus",  # trial: 10; provisional: 5
        "age": 35,  # 26–45: 15
        "fortune500": True,  # 5
    }
    trial = assess(TRIAL, education="master", **common)  # Master's: 15
    provisional = assess(PROVISIONAL, education="master_or_equivalent", **common)
    # then trial 17 + 15 + 15 + 15 + 10 + 0 + 15 + 5 + 0 = 92 → A;
    # provisional 17 + 15 + 15 + 15 + 5 + 0 + 15 + 5 + 0 = 87 → A
    assert points(trial)["chinese"] == 10
    assert points(provisional)["chinese"] == 5
    assert points(trial)["experience"] == points(provisional)["experience"] == 15
    assert trial.total == 92
    assert provisional.total == 87
    assert trial.klass == provisional.klass == "A"


def test_trial_caps_experience_at_15_and_scores_hsk4_8() -> None:
    # given
    result = assess(
        TRIAL,
        salary_10k_rmb=20,  # [15,25): 11
        education="bachelor",  # 10
        experience_years=17,  # 5 + 15 = 20 → trial cap 15
        months_in_china=6,  # [6,9): 10
        chinese="hsk4",  # trial HSK4: 8
        encouraged_region=True,  # 10
        age=25,  # 18–25: 10
    )
    # then 11 + 10 + 15 + 10 + 8 + 10 + 10 + 0 + 0 = 74 → B
    assert points(result) == {
        "salary": 11,
        "education": 10,
        "experience": 15,
        "months_in_china": 10,
        "chinese": 8,
        "region": 10,
        "age": 10,
        "top_university": 0,
        "provincial_bonus": 0,
    }
    assert result.items[2].capped
    assert result.total == 74
    assert result.klass == "B"


def test_trial_quota_programme_with_25_points_is_class_c() -> None:
    # given
    result = assess(
        TRIAL,
        salary_10k_rmb=10,  # [7,15): 8
        education="none",  # 0
        experience_years=0,  # 0
        months_in_china=4,  # [3,6): 5
        chinese="hsk1",  # trial HSK1: 2
        age=60,  # whole-year reading of 56–60: 5 (literally "[56,60)" would leave 60 out)
        top_university=True,  # top-100 university: 5
        quota_programme=True,  # C
    )
    # then 8 + 0 + 0 + 5 + 2 + 0 + 5 + 5 + 0 = 25 → C
    assert points(result)["age"] == 5
    assert points(result)["chinese"] == 2
    assert result.total == 25
    assert result.klass == "C"


def test_trial_counts_neither_patents_nor_former_nationals() -> None:
    # the trial's 5-point item is top-100 university or Fortune 500 only, and its Chinese
    # item has no row for former Chinese nationals
    assert policy(TRIAL).items[7].any_of == ["top_university", "fortune500"]
    assert "former_chinese_national" not in policy(TRIAL).facts["chinese"].choices
    assert "patents" not in policy(TRIAL).facts
    # the degree-only education: PhD 20, master 15, bachelor 10
    assert policy(TRIAL).items[1].map == {"phd": 20, "master": 15, "bachelor": 10, "none": 0}


@pytest.mark.parametrize(
    ("age", "expected"),
    # 17: no band; 18, 25: "18–25" 10; 26, 45: "26–45" 15; 46, 55: 10; 56, 60: 5; 61: 0
    [
        (17, 0),
        (18, 10),
        (25, 10),
        (26, 15),
        (45, 15),
        (46, 10),
        (55, 10),
        (56, 5),
        (60, 5),
        (61, 0),
    ],
)
def test_age_bands_coincide_in_both_tables_for_whole_years(age: int, expected: int) -> None:
    assert points(assess(PROVISIONAL, age=age))["age"] == expected
    assert points(assess(TRIAL, age=age))["age"] == expected


@pytest.mark.parametrize(
    ("salary", "expected"),
    # "<5": 0; [5,7): 5; [7,15): 8; [15,25): 11; [25,35): 14; [35,45): 17; "≥45": 20
    [
        *[(0, 0), (4.99, 0), (5, 5), (6.99, 5), (7, 8), (14.5, 8), (15, 11), (25, 14)],
        *[(35, 17), (44.99, 17), (45, 20), (300, 20)],
    ],
)
def test_salary_bands(salary: float, expected: int) -> None:
    assert points(assess(PROVISIONAL, salary_10k_rmb=salary))["salary"] == expected
    assert points(assess(TRIAL, salary_10k_rmb=salary))["salary"] == expected


# --- Guangzhou points-based hukou, current rules ---------------------------------------------


ELIGIBLE: dict[str, Any] = {"gz_residence_permit": True, "stable_job": True}


def test_hukou_2023_age_40_with_168_points_qualifies() -> None:
    # given
    result = assess(
        HUKOU_2023,
        residence_permit_years=5,  # residence permit 8/year: 5 × 8 = 40
        housing="owned",  # owned home: 20
        rent_years=0,  # renting: 0
        insurance_type_years=20,  # 2 per type per year: 20 × 2 = 40
        housing_fund_years=4,  # housing fund 2/year: 4 × 2 = 8
        age=40,  # 18–40: 30 (40 is the last year at 30)
        education="bachelor_or_higher",  # bachelor 30
        social_insurance_years=4,  # condition ≥ 4 years: met on the edge
        **ELIGIBLE,
    )
    # then 40 + 20 + 0 + 40 + 8 + 30 + 30 = 168 ≥ 150, every condition met → qualifies
    assert points(result) == {
        "residence_permit": 40,
        "home_owned": 20,
        "home_rented": 0,
        "social_insurance": 40,
        "housing_fund": 8,
        "age": 30,
        "education": 30,
    }
    assert result.total == 168
    assert result.eligible
    assert result.qualifies


def test_hukou_2023_age_41_renting_122_points_is_short() -> None:
    # given
    result = assess(
        HUKOU_2023,
        residence_permit_years=3,  # 3 × 8 = 24
        housing="rented",  # owned-home item: 0
        rent_years=5,  # 5 × 5 = 25 → capped at 20
        insurance_type_years=15,  # 15 × 2 = 30
        age=41,  # "minus 2 per year over 40": 30 − 2 = 28
        education="junior_college",  # college 20
        social_insurance_years=5,
        **ELIGIBLE,
    )
    # then 24 + 0 + 20 + 30 + 0 + 28 + 20 = 122 < 150 → eligible but not enough points
    assert points(result) == {
        "residence_permit": 24,
        "home_owned": 0,
        "home_rented": 20,
        "social_insurance": 30,
        "housing_fund": 0,
        "age": 28,
        "education": 20,
    }
    assert result.items[2].capped
    assert result.total == 122
    assert result.eligible
    assert not result.qualifies


def test_hukou_2023_age_45_qualifies_46_is_not_eligible() -> None:
    # given the same record at 45 and at 46
    facts: dict[str, Any] = {
        "residence_permit_years": 6,  # 6 × 8 = 48
        "housing": "owned",  # 20
        "insurance_type_years": 25,  # 25 × 2 = 50
        "housing_fund_years": 5,  # 5 × 2 = 10
        "age": 45,  # 30 − 2 × 5 = 20
        "education": "high_school",  # high school 10
        "social_insurance_years": 6,
        **ELIGIBLE,
    }
    at_45 = assess(HUKOU_2023, **facts)
    at_46 = assess(HUKOU_2023, **(facts | {"age": 46}))
    # then 48 + 20 + 0 + 50 + 10 + 20 + 10 = 158 → qualifies; at 46 the age item is
    # 30 − 2 × 6 = 18, total 156, but "aged ≤ 45" fails
    assert points(at_45)["age"] == 20
    assert at_45.total == 158
    assert at_45.qualifies
    assert points(at_46)["age"] == 18
    assert at_46.total == 156
    assert not at_46.eligible
    assert [c.condition.fact for c in at_46.unmet] == ["age"]
    assert not at_46.qualifies


def test_hukou_2023_unmet_conditions_and_criminal_penalty() -> None:
    # given the 168-point person of the first example, with 3 years of insurance, no job,
    # then with a criminal penalty
    facts: dict[str, Any] = {
        "residence_permit_years": 5,
        "housing": "owned",
        "insurance_type_years": 20,
        "housing_fund_years": 4,
        "age": 40,
        "education": "bachelor_or_higher",
        "social_insurance_years": 4,
        **ELIGIBLE,
    }
    short = assess(HUKOU_2023, **(facts | {"social_insurance_years": 3, "stable_job": False}))
    convicted = assess(HUKOU_2023, **(facts | {"criminal_penalty_5y": True}))
    # then 168 points either way, but not eligible
    assert short.total == convicted.total == 168
    assert [c.condition.fact for c in short.unmet] == ["stable_job", "social_insurance_years"]
    assert not short.qualifies
    assert [c.condition.fact for c in convicted.disqualified_by] == ["criminal_penalty_5y"]
    assert not convicted.unmet
    assert not convicted.eligible
    assert not convicted.qualifies


@pytest.mark.parametrize(
    ("age", "expected"),
    # 17: no band → 0; 18–40: 30; 41: 28; 45: 20; 54: 28 − 26 = 2; 55: 0; 56: −2 → floor 0
    [(17, 0), (18, 30), (40, 30), (41, 28), (45, 20), (54, 2), (55, 0), (56, 0)],
)
def test_hukou_age_item(age: int, expected: int) -> None:
    assert points(assess(HUKOU_2023, age=age))["age"] == expected
    assert points(assess(HUKOU_2020, age=age))["age"] == expected


def test_hukou_2023_ties_go_to_medical_then_residence_permit_months() -> None:
    ties = policy(HUKOU_2023).tie_breakers
    assert [(t.fact, t.order) for t in ties] == [
        ("medical_insurance_months", "desc"),
        ("residence_permit_months", "desc"),
    ]
    assert policy(HUKOU_2023).facts["medical_insurance_months"].registry == "medical_months"
    assert policy(HUKOU_2023).threshold == 150


# --- Guangzhou points-based hukou, 2020 rules ------------------------------------------------


def test_hukou_2020_bonus_and_deduction_101_points_qualifies() -> None:
    # given
    result = assess(
        HUKOU_2020,
        residence_permit_years=2,  # 2 × 8 = 16
        housing="rented",  # 0
        rent_years=2,  # 2 × 5 = 10
        insurance_type_years=10,  # 10 × 2 = 20
        age=30,  # 30
        education="high_school",  # 10
        title_skill="junior_title",  # bonus: junior title 20
        bad_credit_records=1,  # deduction: −5 each → −5
        social_insurance_years=4,
        **ELIGIBLE,
    )
    # then 16 + 0 + 10 + 20 + 0 + 30 + 10 + 20 − 5 − 0 − 0 = 101 ≥ 100 → qualifies
    assert points(result) == {
        "residence_permit": 16,
        "home_owned": 0,
        "home_rented": 10,
        "social_insurance": 20,
        "housing_fund": 0,
        "age": 30,
        "education": 10,
        "title_skill": 20,
        "bad_credit": -5,
        "tax_evasion": 0,
        "public_security_penalty": 0,
    }
    assert result.total == 101
    assert result.qualifies


def test_hukou_2020_tax_evasion_takes_it_below_100() -> None:
    # given the 101-point person, who also evaded tax
    result = assess(
        HUKOU_2020,
        residence_permit_years=2,
        housing="rented",
        rent_years=2,
        insurance_type_years=10,
        age=30,
        education="high_school",
        title_skill="junior_title",
        bad_credit_records=1,
        tax_evasion=True,  # −10
        social_insurance_years=4,
        **ELIGIBLE,
    )
    # then 101 − 10 = 91 < 100: eligible, not enough points
    assert points(result)["tax_evasion"] == -10
    assert result.total == 91
    assert result.eligible
    assert not result.qualifies


def test_hukou_2020_technician_with_three_bad_records_and_a_penalty() -> None:
    # given
    result = assess(
        HUKOU_2020,
        residence_permit_years=1,  # 8
        insurance_type_years=5,  # 10
        age=44,  # 30 − 2 × 4 = 22
        education="none",  # 0
        title_skill="intermediate_title_or_technician",  # bonus 30
        bad_credit_records=3,  # 3 × −5 = −15
        public_security_penalty=True,  # −10
        social_insurance_years=4,
        **ELIGIBLE,
    )
    # then 8 + 0 + 0 + 10 + 0 + 22 + 0 + 30 − 15 − 0 − 10 = 45 < 100
    assert points(result)["bad_credit"] == -15
    assert points(result)["public_security_penalty"] == -10
    assert result.total == 45
    assert not result.qualifies


def test_hukou_2020_intermediate_worker_96_points_and_criminal_penalty() -> None:
    # given
    facts: dict[str, Any] = {
        "residence_permit_years": 2,  # 16
        "housing": "rented",
        "rent_years": 2,  # 10
        "insurance_type_years": 10,  # 20
        "age": 30,  # 30
        "education": "high_school",  # 10
        "title_skill": "intermediate_worker",  # bonus 10
        "social_insurance_years": 4,
        **ELIGIBLE,
    }
    worker = assess(HUKOU_2020, **facts)
    convicted = assess(
        HUKOU_2020, **(facts | {"title_skill": "junior_title"}), criminal_penalty_5y=True
    )
    # then 16 + 10 + 20 + 30 + 10 + 10 = 96 < 100; with the junior title instead, 106 but a
    # criminal penalty in 5 years excludes
    assert worker.total == 96
    assert not worker.qualifies
    assert convicted.total == 106
    assert [c.condition.fact for c in convicted.disqualified_by] == ["criminal_penalty_5y"]
    assert not convicted.qualifies


# --- residence permit (居住证暂行条例 art. 2) ----------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "eligible", "unmet"),
    [
        # 6 months (the edge) and a stable job → both conditions met
        ({"residence_months": 6, "employed": True}, True, []),
        # 5 months → "six months or more" unmet, though employed
        ({"residence_months": 5, "employed": True}, False, ["residence_months"]),
        # 12 months but none of job, residence, study → the "any one" condition unmet
        ({"residence_months": 12}, False, [None]),
        # 8 months, studying → met through the third basis
        ({"residence_months": 8, "continuous_study": True}, True, []),
        # 6 months, a stable residence → met
        ({"residence_months": 6, "stable_residence": True}, True, []),
    ],
)
def test_residence_permit_eligibility(
    facts: dict[str, Any], eligible: bool, unmet: list[str | None]
) -> None:
    # given a person's facts
    # when assessed
    result = assess(RESIDENCE, **facts)
    # then eligible as worked out, with no points involved
    assert result.eligible is eligible
    assert result.qualifies is eligible
    assert result.total == 0
    assert [c.condition.fact for c in result.unmet] == unmet

"""A broken policy file stops the load with a `DataFileError` that names the file, the line
and the problem. Each case copies a shipped file, breaks one line, and expects the line
where the mistake is written (found in the broken text, so the test says which line it
means). No database needed."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from onewindow.core.yamlfile import DataFileError
from onewindow.policies.catalogue import catalogue, policies_dir
from onewindow.policies.schema import load_policy_file

BASE = "gz_points_hukou@2023"
SHIPPED_DIR = policies_dir()


def shipped_text(key: str = BASE) -> str:
    return (SHIPPED_DIR / f"{key}.yaml").read_text(encoding="utf-8")


def line_of(text: str, start: str, after: str | None = None) -> int:
    """The 1-based number of the first line starting with `start` (after the line starting
    with `after`, if given)."""
    lines = text.splitlines()
    begin = 0 if after is None else next(i for i, s in enumerate(lines) if s.startswith(after))
    return next(i for i, s in enumerate(lines) if i >= begin and s.startswith(start)) + 1


def broken(tmp_path: Path, old: str, new: str, name: str = BASE) -> tuple[Path, str]:
    text = shipped_text()
    assert text.count(old) == 1, f"the case must change exactly one place: {old!r}"
    text = text.replace(old, new)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text


def load_error(path: Path) -> str:
    with pytest.raises(DataFileError) as info:
        load_policy_file(path)
    return str(info.value)


def test_the_shipped_copy_loads(tmp_path: Path) -> None:
    # a copy written to another directory loads: the cases below fail only by what they break
    path = tmp_path / f"{BASE}.yaml"
    path.write_text(shipped_text(), encoding="utf-8")
    policy, digest = load_policy_file(path)
    assert policy.key == BASE
    assert digest == catalogue()[BASE].digest


def test_overlapping_bands(tmp_path: Path) -> None:
    # given the age item's first band stretched into the second: [18, 42) and [41, …)
    path, text = broken(
        tmp_path, "      - {min: 18, max: 41, points: 30}", "      - {min: 18, max: 42, points: 30}"
    )
    # when loaded, then the error names the item's line
    message = load_error(path)
    line = line_of(text, "  - code: age")
    assert message == f"{BASE}.yaml, line {line}: items.5: Value error, bands overlap"


def test_item_reading_an_unknown_fact(tmp_path: Path) -> None:
    # given the housing-fund item reading a misspelt fact
    path, text = broken(tmp_path, "    fact: housing_fund_years\n", "    fact: housing_fund_yrs\n")
    # then
    message = load_error(path)
    line = line_of(text, "  - code: housing_fund")
    assert message == (
        f"{BASE}.yaml, line {line}: item housing_fund reads unknown fact 'housing_fund_yrs'"
    )


def test_map_with_an_unknown_choice(tmp_path: Path) -> None:
    # given the owned-home item mapping a choice the housing fact does not have
    path, text = broken(tmp_path, "    map: {owned: 20}", "    map: {owns: 20}")
    # then
    message = load_error(path)
    line = line_of(text, "    map: {owns: 20}")
    assert message == f"{BASE}.yaml, line {line}: unknown choices: owns"


def test_label_missing_its_english_text(tmp_path: Path) -> None:
    # given a fact's label without its English text
    path, text = broken(tmp_path, "      en: Years of housing fund contributions\n", "")
    # then
    message = load_error(path)
    line = line_of(text, "      zh-hans: 缴存住房公积金年限")
    assert message == (
        f"{BASE}.yaml, line {line}: facts.housing_fund_years.label: Value error, missing text in en"
    )


def test_registry_map_to_an_unknown_choice(tmp_path: Path) -> None:
    # given a registry value translated to a choice the fact does not have
    path, text = broken(
        tmp_path, "      junior_college: junior_college\n", "      junior_college: college\n"
    )
    # then the error names the fact, at the first line of its definition
    message = load_error(path)
    line = line_of(text, "    type: choice", after="  education:")
    assert message == (
        f"{BASE}.yaml, line {line}: facts.education: "
        "Value error, registry_map gives unknown choices: college"
    )


def test_condition_with_two_operators(tmp_path: Path) -> None:
    # given "age ≤ 45" with a second operator
    path, text = broken(tmp_path, "    lte: 45\n", "    lte: 45\n    gte: 18\n")
    # then
    message = load_error(path)
    line = line_of(text, "  - fact: age")
    assert message.startswith(f"{BASE}.yaml, line {line}: eligibility.0: ")
    assert "a fact condition has exactly one of eq, ne, gte, gt, lte, lt, in, not_in" in message


def test_condition_reading_an_unknown_fact(tmp_path: Path) -> None:
    # given a condition on a misspelt fact
    path, text = broken(tmp_path, "  - fact: stable_job\n", "  - fact: steady_job\n")
    # then
    message = load_error(path)
    line = line_of(text, "  - fact: steady_job")
    assert message == f"{BASE}.yaml, line {line}: a condition reads unknown fact 'steady_job'"


def test_file_named_differently_from_id_and_version(tmp_path: Path) -> None:
    # given a valid file saved under another version's name
    path, text = broken(
        tmp_path, "threshold: 150\n", "threshold: 150\n", name="gz_points_hukou@2024"
    )
    # then the error names the file as saved, the version's line and the name it needs
    message = load_error(path)
    line = line_of(text, "version:")
    assert message == (
        f"gz_points_hukou@2024.yaml, line {line}: version: the file must be named {BASE}.yaml"
    )


def test_text_that_is_not_yaml(tmp_path: Path) -> None:
    # given a line with a second "key:" where a value is expected
    path, text = broken(tmp_path, "  - code: age\n", "  - code: age: 30\n")
    # then
    message = load_error(path)
    line = line_of(text, "  - code: age: 30")
    assert message == (
        f"{BASE}.yaml, line {line}: not valid YAML: mapping values are not allowed here"
    )


def test_a_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    # given a YAML list instead of a policy
    path = tmp_path / f"{BASE}.yaml"
    path.write_text("- id: gz_points_hukou\n- version: '2023'\n", encoding="utf-8")
    # then
    assert load_error(path) == (
        f"{BASE}.yaml, line 1: a policy file is a mapping (id, version, title, …)"
    )


@pytest.fixture
def policies_in(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """A policies directory of the test's own, with the catalogue's cache emptied around it."""
    settings.POLICIES_DIR = tmp_path
    catalogue.cache_clear()
    yield tmp_path
    catalogue.cache_clear()


def test_the_catalogue_stops_on_a_broken_file(policies_in: Path) -> None:
    # given a directory with one good file and one broken one
    (policies_in / "residence_permit_eligibility@2016.yaml").write_text(
        shipped_text("residence_permit_eligibility@2016"), encoding="utf-8"
    )
    broken(policies_in, "    map: {owned: 20}", "    map: {owns: 20}")
    # when the catalogue loads, then it stops, naming the broken file
    with pytest.raises(DataFileError, match=rf"^{BASE}\.yaml, line \d+: unknown choices: owns$"):
        catalogue()


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("registry: age", "registry: age_in_years", "unknown registry fact 'age_in_years'"),
        ("lte: 45", "lte: yes", "Input should be a valid number"),
        ("eq: true", "eq: 1", "a boolean fact is compared with true or false"),
    ],
)
def test_facts_and_conditions_are_checked_against_each_other(tmp_path, old, new, problem):
    # given the current hukou file with one value that cannot apply
    text = shipped_text()
    assert old in text
    path = tmp_path / "gz_points_hukou@2023.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    # when it is loaded, then the error names the file and the problem
    with pytest.raises(DataFileError) as error:
        load_policy_file(path)
    assert "gz_points_hukou@2023.yaml, line " in str(error.value)
    assert problem in str(error.value)


def test_a_band_may_end_at_zero():
    from onewindow.policies.schema import Item

    label = {code: "Deduction" for code, _ in settings.LANGUAGES}
    item = Item.model_validate(
        {
            "code": "d",
            "label": label,
            "fact": "n",
            "bands": [{"max": 0, "points": -5}, {"min": 0, "points": 0}],
        }
    )
    assert len(item.bands or []) == 2

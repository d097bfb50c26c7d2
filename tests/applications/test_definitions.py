"""The shipped application types load, agree with the reference data, and a broken type file
fails with a message that names the file and the problem. No database needed."""

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from pydantic import BaseModel

import onewindow.accounts
import onewindow.geo
from onewindow.applications import definitions
from onewindow.applications.definitions import (
    ApplicationType,
    Localized,
    TypeFileError,
    application_types,
    load_type_file,
)

TYPES_DIR = definitions.TYPES_DIR
SHIPPED = sorted(p.stem for p in TYPES_DIR.glob("*.yaml"))
CONTENT_TYPES = {"application/pdf", "image/jpeg", "image/png"}
EXPECTED = {
    "employer_demand",
    "work_residence_permit",
    "talent_confirmation",
    "permanent_residence",
    "residence_permit",
    "residence_permit_endorsement",
    "family_reunification",
    "school_entrance_support",
    "assisted_voluntary_return",
    "points_hukou",
}


def _json(package: Any, name: str) -> Any:
    path = Path(package.__file__).with_name("data") / name
    return json.loads(path.read_text(encoding="utf-8"))


AGENCIES = {a["code"] for a in _json(onewindow.accounts, "agencies.json")["agencies"]}
DISTRICTS = {d["code"] for d in _json(onewindow.geo, "guangzhou.json")["districts"]}


@pytest.fixture
def types() -> Iterator[dict[str, ApplicationType]]:
    application_types.cache_clear()
    yield application_types()
    application_types.cache_clear()


def _localized(obj: Any, where: str) -> Iterator[tuple[str, Localized]]:
    """Every Localized text inside a loaded type, with a path to it for the message."""
    if isinstance(obj, Localized):
        yield where, obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _localized(getattr(obj, name), f"{where}.{name}")
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _localized(item, f"{where}[{i}]")


# --- the shipped files -----------------------------------------------------------------------


def test_every_file_loads_and_codes_match_file_names(types: dict[str, ApplicationType]) -> None:
    assert sorted(types) == SHIPPED
    assert set(types) >= EXPECTED
    for code, spec in types.items():
        assert spec.code == code
        assert spec.version >= 1


def test_reviews_name_known_agencies_once(types: dict[str, ApplicationType]) -> None:
    for code, spec in types.items():
        agencies = [r.agency for r in spec.reviews]
        assert set(agencies) <= AGENCIES, f"{code}: unknown agency in {agencies}"
        assert len(agencies) == len(set(agencies)), f"{code}: an agency reviews twice"


def test_every_text_is_in_every_language(types: dict[str, ApplicationType]) -> None:
    languages = [code for code, _ in settings.LANGUAGES]
    for code, spec in types.items():
        texts = list(_localized(spec, code))
        assert texts, code
        for where, text in texts:
            for lang in languages:
                value = text.texts().get(lang)
                assert isinstance(value, str), f"{where}: no {lang}"
                assert value.strip(), f"{where}: empty {lang}"


def test_requirements_reference_existing_types(types: dict[str, ApplicationType]) -> None:
    for code, spec in types.items():
        for req in spec.requires:
            assert req.type in types, f"{code} requires unknown {req.type}"
            assert req.type != code
            if req.status == "issued":
                assert types[req.type].permit is not None, f"{req.type} issues nothing"


def test_eligibility_params_fit_their_rule(types: dict[str, ApplicationType]) -> None:
    permit_types = {s.permit.type for s in types.values() if s.permit}
    for code, spec in types.items():
        rule, params = spec.eligibility.rule, spec.eligibility.params
        if rule == "holds_permit":
            assert params["permit_type"] in permit_types, code
        else:
            assert params == {}, code


def test_fields_and_documents_are_well_formed(types: dict[str, ApplicationType]) -> None:
    for code, spec in types.items():
        assert spec.fields, code
        assert spec.sources, f"{code}: no sources"
        for f in spec.fields:
            where = f"{code}.{f.name}"
            if f.type == "choice":
                values = [c.value for c in f.choices]
                assert len(values) >= 2 and len(values) == len(set(values)), where
            else:
                assert not f.choices, where
            if f.min is not None and f.max is not None:
                assert f.min <= f.max, where
            if f.pattern is not None:
                assert f.type == "string", where
        codes = [d.code for d in spec.documents]
        assert len(codes) == len(set(codes)), code
        for d in spec.documents:
            assert d.content_types and set(d.content_types) <= CONTENT_TYPES, f"{code}.{d.code}"
            assert 0 < d.max_mb <= 50, f"{code}.{d.code}"


def test_district_choices_are_the_citys_districts(types: dict[str, ApplicationType]) -> None:
    found = 0
    for spec in types.values():
        for f in spec.fields:
            if "district" in f.name and f.type == "choice":
                assert {c.value for c in f.choices} == DISTRICTS, f"{spec.code}.{f.name}"
                found += 1
    assert found >= 3
    assert len(DISTRICTS) == 11


@pytest.mark.parametrize(
    ("code", "name", "good", "bad"),
    [
        ("residence_permit", "phone", ["13912345678", "020-87654321"], ["12345", "1391234567a"]),
        (
            "family_reunification",
            "relative_passport_number",
            ["E12345678", "P1234567"],
            ["e1234567", "E1 234567", "AB"],
        ),
        (
            "family_reunification",
            "relative_family_name",
            ["O'Neil", "Van der Berg"],
            ["李", "1Smith", ""],
        ),
    ],
)
def test_patterns_accept_and_reject(
    types: dict[str, ApplicationType], code: str, name: str, good: list[str], bad: list[str]
) -> None:
    pattern = types[code].field(name).pattern
    assert pattern is not None
    for value in good:
        assert re.fullmatch(pattern, value), value
    for value in bad:
        assert not re.fullmatch(pattern, value), value


def test_policy_facts_are_encoded(types: dict[str, ApplicationType]) -> None:
    """The time limits taken from POLICY-FACTS.md (or stated there as assumptions)."""

    def deadlines(code: str) -> dict[str, int]:
        return {r.agency: r.deadline_working_days for r in types[code].reviews}

    assert deadlines("work_residence_permit") == {"foreign_expert": 20, "exit_entry": 15}
    assert deadlines("talent_confirmation") == {"foreign_expert": 5}
    assert deadlines("permanent_residence") == {"exit_entry": 50}
    assert deadlines("residence_permit") == {"household": 15}
    assert deadlines("residence_permit_endorsement") == {"household": 5}
    assert [c for c, s in types.items() if s.priority] == ["permanent_residence"]
    wrp = types["work_residence_permit"]
    assert wrp.filed_by == ["employer"] and wrp.subject == "employee"
    assert [(r.type, r.same, r.status) for r in wrp.requires] == [
        ("employer_demand", "employer", "approved")
    ]
    assert wrp.eligibility.rule == "foreign_national"
    assert wrp.eligibility.policy == "work_permit_points"
    residence = types["residence_permit"].eligibility
    assert residence.policy == "residence_permit_eligibility"
    assert [(a.fact, a.field, a.equals) for a in residence.answers] == [
        ("employed", "basis", "employment"),
        ("stable_residence", "basis", "housing"),
        ("continuous_study", "basis", "study"),
    ]
    assert types["points_hukou"].decided_by == "quota_round"
    permits = {c: (s.permit.type, s.permit.validity_months) for c, s in types.items() if s.permit}
    assert permits == {
        "work_residence_permit": ("work_residence_permit", 24),
        "talent_confirmation": ("talent_confirmation_letter", 6),
        "permanent_residence": ("permanent_residence", 120),
        "residence_permit": ("residence_permit", 12),
        "residence_permit_endorsement": ("residence_permit", 12),
        "family_reunification": ("family_residence_permit", 24),
    }


# --- broken copies -------------------------------------------------------------------------


def _raw(code: str) -> dict[str, Any]:
    return yaml.safe_load((TYPES_DIR / f"{code}.yaml").read_text(encoding="utf-8"))


def _write(tmp_path: Path, raw: dict[str, Any], name: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _first_with_pattern(raw: dict[str, Any]) -> int:
    return next(i for i, f in enumerate(raw["fields"]) if f.get("pattern"))


def _drop_language(raw: dict[str, Any]) -> None:
    del raw["title"]["en"]


def _blank_choice_label(raw: dict[str, Any]) -> None:
    raw["fields"][0]["choices"][0]["label"]["zh-hans"] = ""


def _unknown_field_type(raw: dict[str, Any]) -> None:
    raw["fields"][1]["type"] = "colour"


def _bad_regex(raw: dict[str, Any]) -> None:
    raw["fields"][_first_with_pattern(raw)]["pattern"] = "^([0-9]+$"


def _duplicate_field(raw: dict[str, Any]) -> None:
    raw["fields"].append(dict(raw["fields"][0]))


def _no_reviews(raw: dict[str, Any]) -> None:
    raw["reviews"] = []


def _zero_deadline(raw: dict[str, Any]) -> None:
    raw["reviews"][0]["deadline_working_days"] = 0


def _unknown_key(raw: dict[str, Any]) -> None:
    raw["colour"] = "blue"


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (_drop_language, ["title", "missing text in en"]),
        (_blank_choice_label, ["fields.0.choices.0.label", "missing text in zh-hans"]),
        (_unknown_field_type, ["fields.1.type"]),
        (_bad_regex, ["fields.", "pattern"]),
        (_duplicate_field, ["two fields share a name"]),
        (_no_reviews, ["reviews"]),
        (_zero_deadline, ["reviews.0.deadline_working_days"]),
        (_unknown_key, ["colour"]),
    ],
)
def test_broken_copy_names_file_and_problem(
    tmp_path: Path, break_it: Callable[[dict[str, Any]], None], expected: list[str]
) -> None:
    raw = _raw("residence_permit")
    break_it(raw)
    path = _write(tmp_path, raw, "residence_permit")
    with pytest.raises(TypeFileError) as info:
        load_type_file(path)
    message = str(info.value)
    assert message.startswith("residence_permit.yaml: ")
    for part in expected:
        assert part in message


def test_code_differing_from_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path, _raw("residence_permit"), "residence_card")
    with pytest.raises(TypeFileError, match=r"^residence_card\.yaml: .*differs from the file name"):
        load_type_file(path)


def test_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "employer_demand.yaml"
    path.write_text("code: employer_demand\nfields: [unclosed\n", encoding="utf-8")
    with pytest.raises(TypeFileError, match=r"^employer_demand\.yaml: not valid YAML"):
        load_type_file(path)


def test_unloadable_file_is_not_silently_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = _raw("residence_permit")
    del raw["title"]["zh-hans"]
    _write(tmp_path, raw, "residence_permit")
    monkeypatch.setattr(definitions, "TYPES_DIR", tmp_path)
    application_types.cache_clear()
    try:
        with pytest.raises(TypeFileError, match=r"^residence_permit\.yaml: "):
            application_types()
    finally:
        application_types.cache_clear()


def test_requirement_of_an_unknown_type(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, _raw("work_residence_permit"), "work_residence_permit")  # no demand type
    monkeypatch.setattr(definitions, "TYPES_DIR", tmp_path)
    application_types.cache_clear()
    try:
        with pytest.raises(
            TypeFileError,
            match=r"^work_residence_permit\.yaml: requires unknown type 'employer_demand'",
        ):
            application_types()
    finally:
        application_types.cache_clear()

"""Policies as data: one YAML file per policy version under `policies/`, validated at load.

A policy names the facts it reads (typed, labelled in every UI language, and — where the
registry holds them — where they come from), its items (bands, mappings, flags, any-of
bonuses, with caps), the conditions to be eligible, the disqualifiers, a threshold or an
ordered list of classes, tie-breakers for a ranking, and its sources. Anything not confirmed
in a source is `verified: false`, on the policy, an item, a condition or a source, and every
page that shows it says so. See docs/policies.md for the format.
"""

import datetime
import hashlib
import itertools
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from onewindow.applications.definitions import Localized, _localized_complete
from onewindow.core.yamlfile import DataFileError, YamlFile, validation_error

from .registry_facts import EDUCATION_LEVELS, REGISTRY_FACTS

IDENT = r"^[a-z][a-z0-9_]*$"
Finite = Annotated[float, Field(allow_inf_nan=False)]
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]  # YAML's yes/no are no numbers
OPS = ("eq", "ne", "gte", "gt", "lte", "lt", "in", "not_in")


def _complete_optional(value: Localized | None) -> Localized | None:
    return value if value is None else _localized_complete(value)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FactSpec(_Strict):
    """One input. `registry` names the registry fact it is read from in a simulation (see
    `registry_facts.REGISTRY_FACTS`), with `registry_map` translating its values; without it, a
    simulation takes `default` for everyone and says so."""

    type: Literal["number", "integer", "boolean", "choice"]
    label: Localized
    help: Localized | None = None
    unit: Localized | None = None
    min: float | None = None
    max: float | None = None
    choices: dict[Annotated[str, Field(pattern=IDENT)], Localized] = {}
    default: float | int | bool | str
    registry: str | None = None
    registry_map: dict[str, str] = {}

    _complete = field_validator("label")(_localized_complete)
    _complete_opt = field_validator("help", "unit")(_complete_optional)

    @field_validator("choices")
    @classmethod
    def _labels(cls, value: dict[str, Localized]) -> dict[str, Localized]:
        for label in value.values():
            _localized_complete(label)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "FactSpec":
        if self.type == "choice":
            if not self.choices:
                raise ValueError("a choice fact needs choices")
            if self.default not in self.choices:
                raise ValueError(f"default '{self.default}' is not one of the choices")
            bad = set(self.registry_map.values()) - set(self.choices)
            if bad:
                raise ValueError(f"registry_map gives unknown choices: {', '.join(sorted(bad))}")
        elif self.choices:
            raise ValueError("only a choice fact has choices")
        if self.type == "boolean" and not isinstance(self.default, bool):
            raise ValueError("a boolean fact's default is true or false")
        if self.type in ("number", "integer"):
            if isinstance(self.default, bool) or not isinstance(self.default, int | float):
                raise ValueError("a number fact's default is a number")
            if (self.min is not None and self.default < self.min) or (
                self.max is not None and self.default > self.max
            ):
                raise ValueError("the default is outside min and max")
        return self


class Band(_Strict):
    """`min` ≤ value < `max` scores `points`, plus `per` for each unit above `min`."""

    min: Finite | None = None
    max: Finite | None = None
    points: Finite
    per: Finite = 0

    @model_validator(mode="after")
    def _ordered(self) -> "Band":
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError("a band's min must be below its max")
        if self.per and self.min is None:
            raise ValueError("a band with points per unit needs a min")
        return self


class Item(_Strict):
    """One scored item. Exactly one of: `bands` (a number fact), `map` (a choice fact's
    values to points; others score 0), `when_true` (a boolean fact), `any_of` (boolean facts:
    `points` if any holds). `max_points` / `min_points` clamp the result."""

    code: Annotated[str, Field(pattern=IDENT)]
    label: Localized
    group: Literal["basic", "bonus", "deduction"] = "basic"
    fact: str | None = None
    bands: list[Band] | None = None
    map: dict[str, Finite] | None = None
    when_true: Finite | None = None
    any_of: list[str] | None = None
    points: Finite | None = None
    max_points: Finite | None = None
    min_points: Finite | None = None
    verified: bool = True
    note: Localized | None = None

    _complete = field_validator("label")(_localized_complete)
    _complete_opt = field_validator("note")(_complete_optional)

    @model_validator(mode="after")
    def _one_rule(self) -> "Item":
        rules = [r for r in ("bands", "map", "when_true", "any_of") if getattr(self, r) is not None]
        if len(rules) != 1:
            raise ValueError("an item has exactly one of bands, map, when_true, any_of")
        if self.any_of is not None:
            if self.points is None or self.fact is not None:
                raise ValueError("an any_of item has points and no fact")
        elif self.fact is None:
            raise ValueError("this item needs the fact it reads")
        if self.bands is not None:
            _check_bands(self.bands)
        return self

    def facts_read(self) -> list[str]:
        return list(self.any_of) if self.any_of is not None else [self.fact or ""]


def _check_bands(bands: list[Band]) -> None:
    """Bands must not overlap, so a value hits at most one."""
    low, high = float("-inf"), float("inf")
    spans = sorted(
        (b.min if b.min is not None else low, b.max if b.max is not None else high) for b in bands
    )
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start < end:
            raise ValueError("bands overlap")


class Condition(_Strict):
    """A leaf `{fact: age, lte: 45}` or `{points_at_least: 85}`, or a combination `{all:
    [...]}` / `{any: [...]}`. The label says it in words, for the explanation."""

    label: Localized | None = None
    all: list["Condition"] | None = None
    any: list["Condition"] | None = None
    fact: str | None = None
    points_at_least: Number | None = None
    eq: Any = None
    ne: Any = None
    gte: Number | None = None
    gt: Number | None = None
    lte: Number | None = None
    lt: Number | None = None
    in_: list[Any] | None = Field(None, alias="in")
    not_in: list[Any] | None = None
    verified: bool = True

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    _complete_opt = field_validator("label")(_complete_optional)

    @model_validator(mode="after")
    def _shape(self) -> "Condition":
        kinds = [
            k for k in ("all", "any", "fact", "points_at_least") if getattr(self, k) is not None
        ]
        if len(kinds) != 1:
            raise ValueError("a condition is one of: all, any, fact with an operator, or points")
        if self.fact is not None and len(self.ops()) != 1:
            raise ValueError(f"a fact condition has exactly one of {', '.join(OPS)}")
        if self.fact is None and self.ops():
            raise ValueError("an operator needs a fact")
        return self

    def ops(self) -> dict[str, Any]:
        values = {op: getattr(self, "in_" if op == "in" else op) for op in OPS}
        return {op: v for op, v in values.items() if v is not None}

    def nodes(self) -> list["Condition"]:
        """This condition and every condition inside it."""
        children = self.all or self.any or []
        return [self, *(node for child in children for node in child.nodes())]

    def unverified(self) -> bool:
        return any(not node.verified for node in self.nodes())

    def leaves(self) -> list["Condition"]:
        children = self.all or self.any
        if children is None:
            return [self]
        return [leaf for child in children for leaf in child.leaves()]


class ClassRule(_Strict):
    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+$")]
    label: Localized
    when: Condition
    description: Localized | None = None

    _complete = field_validator("label")(_localized_complete)
    _complete_opt = field_validator("description")(_complete_optional)


class TieBreaker(_Strict):
    fact: str
    order: Literal["desc", "asc"] = "desc"
    label: Localized

    _complete = field_validator("label")(_localized_complete)


class Source(_Strict):
    title: str
    url: str | None = None
    note: str | None = None
    verified: bool = True


class Policy(_Strict):
    id: Annotated[str, Field(pattern=IDENT)]
    version: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    title: Localized
    description: Localized
    kind: Literal["points", "eligibility"]
    jurisdiction: Literal["national", "guangdong", "guangzhou"]
    document: str | None = None
    effective_from: datetime.date
    effective_to: datetime.date | None = None
    verified: bool = True
    population: Literal["internal_migrants", "foreign_nationals", "everyone"] = "everyone"
    facts: dict[Annotated[str, Field(pattern=IDENT)], FactSpec]
    items: list[Item] = []
    eligibility: list[Condition] = []
    disqualifiers: list[Condition] = []
    threshold: Finite | None = None
    classes: list[ClassRule] = []
    tie_breakers: list[TieBreaker] = []
    differences: Localized | None = None
    sources: Annotated[list[Source], Field(min_length=1)]

    _complete = field_validator("title", "description")(_localized_complete)
    _complete_opt = field_validator("differences")(_complete_optional)

    @property
    def key(self) -> str:
        """`id@version`: what an assessment pins."""
        return f"{self.id}@{self.version}"

    def in_force(self, on: datetime.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)

    def unverified(self) -> list[str]:
        """What this version holds that no source confirmed: `policy`, `item:<code>`,
        `<rule>:<fact or points>` for conditions (eligibility, disqualifier, class <code>),
        `source:<title>`; each once."""
        found = ["policy"] if not self.verified else []
        found += [f"item:{i.code}" for i in self.items if not i.verified]
        rules = [
            *(("eligibility", c) for c in self.eligibility),
            *(("disqualifier", c) for c in self.disqualifiers),
            *((f"class {c.code}", c.when) for c in self.classes),
        ]
        for name, rule in rules:
            for node in rule.nodes():
                if not node.verified:
                    what = node.fact or ("points" if node.points_at_least is not None else "rule")
                    found.append(f"{name}:{what}")
        found += [f"source:{s.title}" for s in self.sources if not s.verified]
        return list(dict.fromkeys(found))


def reference_problems(policy: Policy) -> list[tuple[tuple[Any, ...], str]]:
    """What refers to something that is not there, or is of the wrong kind, each with the
    path in the file where it is written."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    facts = policy.facts
    for n, item in enumerate(policy.items):
        where = ("items", n)
        unknown = [f for f in item.facts_read() if f not in facts]
        if unknown:
            problems.append((where, f"item {item.code} reads unknown fact '{unknown[0]}'"))
            continue
        kinds = {facts[f].type for f in item.facts_read()}
        if item.map is not None:
            if kinds != {"choice"}:
                problems.append(((*where, "map"), "a map needs a choice fact"))
            elif set(item.map) - set(facts[item.fact or ""].choices):
                bad = sorted(set(item.map) - set(facts[item.fact or ""].choices))
                problems.append(((*where, "map"), f"unknown choices: {', '.join(bad)}"))
        if item.bands is not None and not kinds <= {"number", "integer"}:
            problems.append(((*where, "bands"), "bands need a number fact"))
        if (item.when_true is not None or item.any_of is not None) and kinds != {"boolean"}:
            problems.append((where, "when_true and any_of need boolean facts"))
    codes = [i.code for i in policy.items]
    if len(codes) != len(set(codes)):
        problems.append((("items",), "two items share a code"))
    rules: list[tuple[tuple[Any, ...], Condition]] = [
        *((("eligibility", n), c) for n, c in enumerate(policy.eligibility)),
        *((("disqualifiers", n), c) for n, c in enumerate(policy.disqualifiers)),
        *((("classes", n, "when"), c.when) for n, c in enumerate(policy.classes)),
    ]
    for where, rule in rules:
        for leaf in rule.leaves():
            if leaf.fact is not None and leaf.fact not in facts:
                problems.append((where, f"a condition reads unknown fact '{leaf.fact}'"))
            elif leaf.fact is not None:
                problem = _leaf_problem(facts[leaf.fact], leaf)
                if problem:
                    problems.append((where, f"condition on {leaf.fact}: {problem}"))
            if leaf.points_at_least is not None and policy.kind != "points":
                problems.append((where, "only a points policy has conditions on points"))
    for name, spec in facts.items():
        if spec.registry is not None and spec.registry not in REGISTRY_FACTS:
            problems.append(
                (("facts", name, "registry"), f"unknown registry fact '{spec.registry}'")
            )
        elif spec.registry == "education_level":
            bad = sorted(set(spec.registry_map) - set(EDUCATION_LEVELS))
            if bad:
                problems.append(
                    (("facts", name, "registry_map"), f"unknown registry values: {', '.join(bad)}")
                )
    for n, tie in enumerate(policy.tie_breakers):
        if tie.fact not in facts:
            problems.append((("tie_breakers", n), f"unknown fact '{tie.fact}'"))
    if policy.kind == "points" and not policy.items:
        problems.append((("items",), "a points policy has items"))
    if policy.kind == "eligibility" and (policy.items or policy.threshold is not None):
        problems.append((("kind",), "an eligibility policy has conditions only"))
    if policy.threshold is not None and policy.classes:
        problems.append((("threshold",), "a policy has a threshold or classes, not both"))
    if policy.effective_to is not None and policy.effective_to <= policy.effective_from:
        problems.append((("effective_to",), "effective_to must be after effective_from"))
    return problems


def _leaf_problem(spec: FactSpec, leaf: Condition) -> str:
    """A condition whose operator or value cannot apply to its fact."""
    op, value = next(iter(leaf.ops().items()))
    numeric = spec.type in ("number", "integer")
    if op in ("gte", "gt", "lte", "lt") and not numeric:
        return f"'{op}' needs a number fact"
    values = value if op in ("in", "not_in") else [value]
    for v in values:
        if spec.type == "choice" and v not in spec.choices:
            return f"'{v}' is not one of its choices"
        if spec.type == "boolean" and not isinstance(v, bool):
            return "a boolean fact is compared with true or false"
        if numeric and (isinstance(v, bool) or not isinstance(v, int | float)):
            return "a number fact is compared with a number"
    return ""


def load_policy_file(path: Path) -> tuple[Policy, str]:
    """Read and validate one policy file; returns it with the sha256 of its bytes (what an
    assessment pins along with `id@version`). `DataFileError` names file, line and problem."""
    file = YamlFile(path)
    if not isinstance(file.data, dict):
        raise file.error((), "a policy file is a mapping (id, version, title, …)")
    try:
        policy = Policy.model_validate(file.data)
    except ValidationError as exc:
        raise validation_error(file, exc) from exc
    problems = reference_problems(policy)
    if problems:
        raise DataFileError(
            f"{path.name}, "
            + "; ".join(f"line {file.line(where)}: {problem}" for where, problem in problems)
        )
    expected = f"{policy.id}@{policy.version}"
    if path.stem != expected:
        raise file.error(("version",), f"the file must be named {expected}.yaml")
    return policy, hashlib.sha256(path.read_bytes()).hexdigest()


__all__ = ["DataFileError", "Policy", "load_policy_file"]

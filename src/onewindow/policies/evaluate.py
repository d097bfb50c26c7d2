"""The scalar evaluator: one person's facts under one policy → total, class or eligibility,
and a breakdown that explains every point.

This is the reference: `vectorised.evaluate_frame` computes the same over a whole population
and is tested to agree with it exactly.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from onewindow.core.errors import DomainError

from .schema import Band, Condition, FactSpec, Item, Policy

Value = float | int | bool | str


@dataclass(frozen=True)
class ItemResult:
    item: Item
    values: dict[str, Value]
    hit: str  # which band, choice or flag scored, in words
    points: float
    capped: bool = False


@dataclass(frozen=True)
class ConditionResult:
    condition: Condition
    value: Value | None  # the fact's value, or the total for a points condition
    met: bool


@dataclass(frozen=True)
class Assessment:
    policy: Policy
    digest: str
    facts: dict[str, Value]
    items: list[ItemResult]
    total: float
    eligibility: list[ConditionResult]
    disqualified_by: list[ConditionResult]
    eligible: bool
    klass: str | None
    qualifies: bool
    evaluated_on: datetime.date = field(default_factory=datetime.date.today)

    @property
    def unmet(self) -> list[ConditionResult]:
        return [c for c in self.eligibility if not c.met]

    def as_json(self) -> dict[str, Any]:
        """What an assessment row pins: the version, the facts, the result, the breakdown."""
        return {
            "policy": self.policy.key,
            "digest": self.digest,
            "facts": self.facts,
            "total": self.total,
            "eligible": self.eligible,
            "class": self.klass,
            "qualifies": self.qualifies,
            "items": [{"code": r.item.code, "points": r.points} for r in self.items],
            "unmet": [_leaf_key(c.condition) for c in self.unmet],
            "disqualified_by": [_leaf_key(c.condition) for c in self.disqualified_by],
        }


def _leaf_key(condition: Condition) -> str:
    if condition.fact is not None:
        op, value = next(iter(condition.ops().items()))
        return f"{condition.fact} {op} {value}"
    if condition.points_at_least is not None:
        return f"points ≥ {condition.points_at_least:g}"
    return "combination"


# --- facts --------------------------------------------------------------------------------------


def coerce_fact(name: str, spec: FactSpec, raw: Any) -> Value:
    """One fact's value from a form, a JSON body or the registry; `DomainError` if it is not
    one the policy accepts. Missing means the policy's default."""
    if raw is None or raw == "":
        return spec.default
    try:
        if spec.type == "boolean":
            if isinstance(raw, str):
                if raw.lower() not in ("true", "false", "1", "0", "on", "yes", "no"):
                    raise ValueError
                return raw.lower() in ("true", "1", "on", "yes")
            return bool(raw)
        if spec.type == "choice":
            if str(raw) not in spec.choices:
                raise ValueError
            return str(raw)
        number = float(raw)
        if spec.type == "integer":
            if number != int(number):
                raise ValueError
            number = int(number)
    except (TypeError, ValueError):
        raise DomainError(
            "invalid_fact", _("%(fact)s: this value is not accepted."), fact=str(spec.label)
        ) from None
    if (spec.min is not None and number < spec.min) or (spec.max is not None and number > spec.max):
        raise DomainError(
            "fact_out_of_range",
            _("%(fact)s must be between %(min)s and %(max)s."),
            fact=str(spec.label),
            min=f"{spec.min:g}" if spec.min is not None else "…",
            max=f"{spec.max:g}" if spec.max is not None else "…",
        )
    return number


def prepare_facts(policy: Policy, raw: Mapping[str, Any]) -> dict[str, Value]:
    """Every fact the policy reads, coerced, with defaults for the missing ones. Unknown keys
    are ignored (a form may carry other fields)."""
    return {name: coerce_fact(name, spec, raw.get(name)) for name, spec in policy.facts.items()}


# --- items --------------------------------------------------------------------------------------


def band_hit(bands: list[Band], x: float) -> Band | None:
    for band in bands:
        if (band.min is None or x >= band.min) and (band.max is None or x < band.max):
            return band
    return None


def _number(value: float) -> str:
    return f"{value:g}"


def band_text(band: Band) -> str:
    if band.per and not band.points and not band.min and band.max is None:
        return _("%(per)s per unit") % {"per": f"{band.per:+g}"}
    if band.min is not None and band.max is not None:
        text = _("from %(min)s to under %(max)s") % {
            "min": _number(band.min),
            "max": _number(band.max),
        }
    elif band.min is not None:
        text = _("%(min)s or more") % {"min": _number(band.min)}
    elif band.max is not None:
        text = _("under %(max)s") % {"max": _number(band.max)}
    else:
        text = _("any value")
    if band.per:
        text += _(", %(per)s per unit above %(min)s") % {
            "per": f"{band.per:+g}",
            "min": _number(band.min or 0),
        }
    return text


def clamp(item: Item, points: float) -> float:
    if item.max_points is not None:
        points = min(points, item.max_points)
    if item.min_points is not None:
        points = max(points, item.min_points)
    return points


def score_item(policy: Policy, item: Item, facts: Mapping[str, Value]) -> ItemResult:
    values = {f: facts[f] for f in item.facts_read()}
    if item.bands is not None:
        x = float(facts[item.fact or ""])
        band = band_hit(item.bands, x)
        raw = 0.0 if band is None else band.points + band.per * (x - (band.min or 0))
        hit = _("no band") if band is None else band_text(band)
    elif item.map is not None:
        choice = str(facts[item.fact or ""])
        raw = float(item.map.get(choice, 0))
        hit = str(policy.facts[item.fact or ""].choices[choice])
    elif item.when_true is not None:
        yes = bool(facts[item.fact or ""])
        raw = float(item.when_true) if yes else 0.0
        hit = _("yes") if yes else _("no")
    else:
        met = [f for f in item.any_of or [] if facts[f]]
        raw = float(item.points or 0) if met else 0.0
        hit = ", ".join(str(policy.facts[f].label) for f in met) if met else _("none of these")
    points = clamp(item, raw)
    return ItemResult(item, values, hit, points, capped=points != raw)


# --- conditions -----------------------------------------------------------------------------------


def compare(op: str, value: Any, target: Any) -> bool:
    if op == "eq":
        return value == target
    if op == "ne":
        return value != target
    if op == "in":
        return value in target
    if op == "not_in":
        return value not in target
    x = float(value)
    return {"gte": x >= target, "gt": x > target, "lte": x <= target, "lt": x < target}[op]


def holds(condition: Condition, facts: Mapping[str, Value], total: float) -> bool:
    if condition.all is not None:
        return all(holds(c, facts, total) for c in condition.all)
    if condition.any is not None:
        return any(holds(c, facts, total) for c in condition.any)
    if condition.points_at_least is not None:
        return total >= condition.points_at_least
    op, target = next(iter(condition.ops().items()))
    return compare(op, facts[condition.fact or ""], target)


def _explain(condition: Condition, facts: Mapping[str, Value], total: float) -> ConditionResult:
    if condition.fact is not None:
        value: Value | None = facts[condition.fact]
    elif condition.points_at_least is not None:
        value = total
    else:
        value = None
    return ConditionResult(condition, value, holds(condition, facts, total))


# --- the policy -----------------------------------------------------------------------------------


def evaluate(
    policy: Policy, raw_facts: Mapping[str, Any], digest: str = "", prepared: bool = False
) -> Assessment:
    """Evaluate `policy` on one person's facts (already coerced if `prepared`)."""
    facts = dict(raw_facts) if prepared else prepare_facts(policy, raw_facts)
    items = [score_item(policy, item, facts) for item in policy.items]
    total = 0.0
    for result in items:
        total += result.points
    eligibility = [_explain(c, facts, total) for c in policy.eligibility]
    disqualified = [r for r in (_explain(c, facts, total) for c in policy.disqualifiers) if r.met]
    eligible = all(c.met for c in eligibility) and not disqualified
    klass = None
    if eligible and policy.classes:
        klass = next((c.code for c in policy.classes if holds(c.when, facts, total)), None)
    if policy.classes:
        qualifies = klass is not None
    elif policy.threshold is not None:
        qualifies = eligible and total >= policy.threshold
    else:
        qualifies = eligible
    return Assessment(
        policy=policy,
        digest=digest,
        facts=facts,
        items=items,
        total=total,
        eligibility=eligibility,
        disqualified_by=disqualified,
        eligible=eligible,
        klass=klass,
        qualifies=qualifies,
    )

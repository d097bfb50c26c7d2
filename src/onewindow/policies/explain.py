"""Rules and results in words, in the reader's language: a policy's items and conditions,
an assessment's answers, and why a policy refused someone."""

from typing import Any

from django.utils.translation import gettext as _

from .evaluate import Assessment, ItemResult, band_text
from .schema import Condition, Item, Policy


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def value_text(policy: Policy, fact: str, value: Any) -> str:
    spec = policy.facts.get(fact)
    if spec is None:
        return str(value)
    if spec.type == "boolean" or isinstance(value, bool):
        return _("yes") if value else _("no")
    if spec.type == "choice":
        label = spec.choices.get(str(value))
        return str(label) if label else str(value)
    return _num(value)


def rule_lines(item: Item, policy: Policy) -> list[str]:
    """How the item scores, one line per band or choice."""
    if item.bands is not None:
        return [f"{band_text(b)}: {_num(float(b.points))}" for b in item.bands]
    if item.map is not None:
        choices = policy.facts[item.fact or ""].choices
        return [f"{choices[c]}: {_num(float(p))}" for c, p in item.map.items()]
    if item.when_true is not None:
        return [f"{policy.facts[item.fact or ''].label}: {_num(float(item.when_true))}"]
    names = [str(policy.facts[f].label) for f in item.any_of or []]
    return [_("any of: %(facts)s") % {"facts": "; ".join(names)} + f": {_num(item.points)}"]


OPS = {
    "eq": "=",
    "ne": "≠",
    "gte": "≥",
    "gt": ">",
    "lte": "≤",
    "lt": "<",
}


def condition_text(condition: Condition, policy: Policy) -> str:
    if condition.label is not None:
        return str(condition.label)
    if condition.all is not None or condition.any is not None:
        joiner = _(" and ") if condition.all is not None else _(" or ")
        parts = [condition_text(c, policy) for c in condition.all or condition.any or []]
        return "(" + joiner.join(parts) + ")"
    if condition.points_at_least is not None:
        return _("at least %(n)s points") % {"n": _num(condition.points_at_least)}
    fact = condition.fact or ""
    label = str(policy.facts[fact].label) if fact in policy.facts else fact
    op, target = next(iter(condition.ops().items()))
    if op in ("in", "not_in"):
        values = ", ".join(value_text(policy, fact, v) for v in target)
        word = _("one of") if op == "in" else _("none of")
        return f"{label}: {word} {values}"
    return f"{label} {OPS[op]} {value_text(policy, fact, target)}"


def class_label(result: Assessment) -> str:
    rule = next((c for c in result.policy.classes if c.code == result.klass), None)
    return str(rule.label) if rule else ""


def answer_text(row: ItemResult, policy: Policy) -> str:
    return "; ".join(value_text(policy, f, v) for f, v in row.values.items())


def refusal(result: Assessment) -> str:
    """Why the policy does not qualify this person, in one sentence."""
    policy = result.policy
    reasons = [condition_text(c.condition, policy) for c in result.unmet]
    reasons += [condition_text(c.condition, policy) for c in result.disqualified_by]
    if not reasons and policy.classes and result.klass is None:
        reasons.append(_("no class applies (%(points)s points)") % {"points": _num(result.total)})
    if not reasons and policy.threshold is not None and result.total < policy.threshold:
        reasons.append(
            _("%(points)s points, %(needed)s needed")
            % {"points": _num(result.total), "needed": _num(policy.threshold)}
        )
    return "; ".join(reasons)

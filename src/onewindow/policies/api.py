"""API: the published policies and the calculator (public, no sign-in)."""

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from .catalogue import catalogue, in_force, loaded
from .evaluate import evaluate
from .explain import condition_text

router = Router(tags=["policies"])


class PolicyOut(Schema):
    key: str = Field(..., description="id@version: what an assessment pins")
    id: str
    version: str
    title: str
    kind: str
    jurisdiction: str
    effective_from: datetime.date
    effective_to: datetime.date | None
    in_force: bool
    verified: bool
    unverified: list[str] = Field(..., description="Parts no source confirmed")
    sha256: str


class EvaluateIn(Schema):
    facts: dict[str, Any] = Field(
        default_factory=dict, description="Fact name → value; missing facts take the default"
    )


class ItemOut(Schema):
    code: str
    label: str
    points: float
    counted_as: str
    verified: bool


class ConditionOut(Schema):
    text: str
    met: bool


class EvaluateOut(Schema):
    policy: str
    total: float
    eligible: bool
    klass: str | None = Field(None, description="The class, for a policy with classes")
    qualifies: bool
    items: list[ItemOut]
    conditions: list[ConditionOut]
    disqualified_by: list[str]


def _out(x: Any) -> PolicyOut:
    policy = x.policy
    return PolicyOut(
        key=policy.key,
        id=policy.id,
        version=policy.version,
        title=str(policy.title),
        kind=policy.kind,
        jurisdiction=policy.jurisdiction,
        effective_from=policy.effective_from,
        effective_to=policy.effective_to,
        in_force=policy.in_force(timezone.localdate()),
        verified=policy.verified,
        unverified=policy.unverified(),
        sha256=x.digest,
    )


@router.get("/", auth=None, response=list[PolicyOut], summary="Every policy version")
def index(request: HttpRequest) -> list[PolicyOut]:
    return [_out(x) for x in catalogue().values()]


@router.get("/{key}", auth=None, response=PolicyOut, summary="One version (or an id: in force)")
def detail(request: HttpRequest, key: str) -> PolicyOut:
    return _out(loaded(key) if "@" in key else in_force(key, timezone.localdate()))


@router.post("/{key}/evaluate", auth=None, response=EvaluateOut, summary="The calculator")
def evaluate_facts(request: HttpRequest, key: str, body: EvaluateIn) -> EvaluateOut:
    """Evaluate one person's facts; nothing is stored. `key` is `id@version`, or an id for
    the version in force today. A value a fact does not accept is a 400 naming the fact."""
    x = loaded(key) if "@" in key else in_force(key, timezone.localdate())
    result = evaluate(x.policy, body.facts, x.digest)
    return EvaluateOut(
        policy=x.policy.key,
        total=result.total,
        eligible=result.eligible,
        klass=result.klass,
        qualifies=result.qualifies,
        items=[
            ItemOut(
                code=r.item.code,
                label=str(r.item.label),
                points=r.points,
                counted_as=r.hit,
                verified=r.item.verified,
            )
            for r in result.items
        ],
        conditions=[
            ConditionOut(text=condition_text(c.condition, x.policy), met=c.met)
            for c in result.eligibility
        ],
        disqualified_by=[condition_text(c.condition, x.policy) for c in result.disqualified_by],
    )

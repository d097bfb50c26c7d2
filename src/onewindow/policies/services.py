"""Writes: assess an application under a policy (pinned to its version), run and save an
analyst's scenario; and the shapes the pages and the CSV show a scenario's result in."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.audit.services import audit_record
from onewindow.core.errors import DomainError

from .catalogue import Loaded, in_force
from .evaluate import Assessment as Verdict
from .evaluate import evaluate
from .models import Assessment, Scenario
from .registry_facts import for_person, policy_facts_from_registry
from .simulate import COUNTS, DIMENSIONS, apply_overrides, run


def verdict_for(
    policy_id: str, registry: dict[str, Any], answers: dict[str, Any], on: datetime.date
) -> tuple[Loaded, Verdict]:
    """The version in force on `on`, applied to the registry's facts of the person, then the
    applicant's answers to fields named like the policy's facts (an answer can say what the
    registry cannot)."""
    chosen = in_force(policy_id, on)
    facts = policy_facts_from_registry(chosen.policy, registry)
    facts.update({k: v for k, v in answers.items() if k in chosen.policy.facts})
    return chosen, evaluate(chosen.policy, facts, chosen.digest)


def assessment_row(chosen: Loaded, verdict: Verdict) -> dict[str, Any]:
    """The fields of the assessment row pinning `verdict` (also used by the benchmark's
    bulk replay of the services)."""
    return {
        "policy_key": chosen.policy.key,
        "policy_digest": chosen.digest,
        "facts": verdict.facts,
        "total": verdict.total,
        "eligible": verdict.eligible,
        "klass": verdict.klass or "",
        "qualifies": verdict.qualifies,
        "result": verdict.as_json(),
    }


def assessment_audit(chosen: Loaded, verdict: Verdict) -> dict[str, Any]:
    return {"policy": chosen.policy.key, "qualifies": verdict.qualifies}


@transaction.atomic
def assess(
    *, actor: Any, application: Any, policy_id: str, answers: dict[str, Any]
) -> tuple[Assessment, Verdict]:
    """Evaluate the policy in force today on the application's facts and pin the result."""
    today = timezone.localdate()
    person = application.person
    registry = for_person(person, today) if person is not None else {}
    chosen, verdict = verdict_for(policy_id, registry, answers, today)
    row = Assessment.objects.create(application=application, **assessment_row(chosen, verdict))
    audit_record(
        actor=actor,
        action="assess",
        object_type="application",
        object_id=str(application.uid),
        why="case_work",
        details=assessment_audit(chosen, verdict),
    )
    return row, verdict


@transaction.atomic
def scenario_run(*, actor: Any, base: Loaded, name: str, overrides: dict[str, Any]) -> Scenario:
    """Run a changed copy of `base` over the facts table and save it with its result."""
    if base.policy.kind != "points":
        raise DomainError("not_points", _("Only a points policy can be simulated."))
    changed = apply_overrides(base.policy, overrides)
    result = run(base.policy, changed)
    scenario = Scenario.objects.create(
        name=name.strip() or base.policy.key,
        base_key=base.policy.key,
        base_digest=base.digest,
        overrides=overrides,
        result=result,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="simulate",
        object_type="scenario",
        object_id=str(scenario.uid),
        why="policy_analysis",
        details={"base": base.policy.key},
    )
    return scenario


def result_rows(result: dict[str, Any]) -> list[tuple[str, str, list[Any]]]:
    """Overall, then each dimension's rows: (dimension, value, counts… , suppressed)."""
    rows = [
        ("overall", "", [result["overall"][k] for k in COUNTS] + [result["overall"]["suppressed"]])
    ]
    for dim in DIMENSIONS:
        for row in result["by"][dim]:
            rows.append((dim, row[dim], [row[k] for k in COUNTS] + [row["suppressed"]]))
    return rows


def dimension_labels() -> dict[str, dict[str, str]]:
    """Codes in the result → words in the reader's language."""
    from onewindow.geo.models import District
    from onewindow.registry.models import EducationLevel

    return {
        "district": {d.code: d.label for d in District.objects.all()} | {"-": _("none")},
        "education_level": {str(k): str(v) for k, v in EducationLevel.choices}
        | {"none": _("none recorded")},
        "age_band": {},
        "nationality": {},
    }


def chart_data(result: dict[str, Any], district_labels: dict[str, str]) -> dict[str, Any]:
    """Qualifying under the policy in force and under the scenario, by district, for the
    bar chart (suppressed cells as nulls: ECharts leaves a gap)."""
    rows = result["by"]["district"]
    return {
        "categories": [district_labels.get(r["district"], r["district"]) for r in rows],
        "base": [r["base"] for r in rows],
        "scenario": [r["scenario"] for r in rows],
        "labels": {"base": _("Policy in force"), "scenario": _("Scenario")},
    }

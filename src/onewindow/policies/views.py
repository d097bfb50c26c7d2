"""Pages: the published rules, the public calculator, and analysts' simulations."""

import csv
import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods

from onewindow.accounts.decorators import role_required
from onewindow.accounts.models import Role
from onewindow.core.errors import DomainError

from . import services
from .catalogue import Loaded, catalogue, in_force, loaded, versions
from .evaluate import evaluate
from .facts_table import facts_meta
from .forms import FactsForm, ScenarioForm
from .registry_facts import EDUCATION_LEVELS
from .simulate import COUNTS, DIMENSIONS

analyst_required = role_required(Role.ANALYST, Role.ADMINISTRATOR)
CALCULATORS = ("work_permit_points", "gz_points_hukou", "residence_permit_eligibility")


def _policy_ids() -> list[str]:
    return sorted({x.policy.id for x in catalogue().values()})


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Every policy and its versions, the one in force first."""
    today = timezone.localdate()
    groups = [(pid, versions(pid)) for pid in _policy_ids()]
    return render(request, "policies/index.html", {"groups": groups, "today": today})


@require_GET
def detail(request: HttpRequest, key: str) -> HttpResponse:
    """One version's rules as published: items, bands, conditions, classes, sources."""
    return render(
        request, "policies/detail.html", {"x": loaded(key), "today": timezone.localdate()}
    )


def _chosen(policy_id: str, key: str | None) -> Loaded:
    if key:
        chosen = loaded(key)
        if chosen.policy.id != policy_id:
            raise Http404
        return chosen
    return in_force(policy_id, timezone.localdate())


@require_http_methods(["GET", "POST"])
def calculator(request: HttpRequest, policy_id: str) -> HttpResponse:
    """The public calculator: a person's facts in, the result and why out. Facts are posted,
    never put in the URL, and nothing is stored."""
    if policy_id not in CALCULATORS:
        raise Http404
    chosen = _chosen(policy_id, request.POST.get("version") or request.GET.get("version"))
    form = FactsForm(chosen.policy, request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = evaluate(chosen.policy, form.facts(), chosen.digest)
        except DomainError as exc:
            form.add_error(None, exc.text())
    return render(
        request,
        "policies/calculator.html",
        {
            "x": chosen,
            "form": form,
            "result": result,
            "versions": versions(policy_id),
            "status": 200,
        },
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )


# --- analysts ------------------------------------------------------------------------------------


@analyst_required
@require_GET
def simulations(request: HttpRequest) -> HttpResponse:
    from .models import Scenario

    bases = [in_force(pid, timezone.localdate()) for pid in _policy_ids()]
    return render(
        request,
        "policies/simulations.html",
        {
            "scenarios": Scenario.objects.all()[:50],
            "bases": [b for b in bases if b.policy.kind == "points"],
            "facts": facts_meta(),
        },
    )


@analyst_required
@require_http_methods(["GET", "POST"])
def scenario_new(request: HttpRequest, key: str) -> HttpResponse:
    base = loaded(key)
    form = ScenarioForm(base.policy, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            scenario = services.scenario_run(
                actor=request.user,
                base=base,
                name=form.cleaned_data["name"],
                overrides=form.overrides(),
            )
        except DomainError as exc:
            form.add_error(None, exc.text())
        else:
            messages.success(request, _("Scenario saved: %(name)s.") % {"name": scenario.name})
            return redirect("policies:scenario", uid=scenario.uid)
    return render(
        request,
        "policies/scenario_new.html",
        {"x": base, "form": form, "facts": facts_meta()},
        status=400 if form.errors else 200,
    )


def _order(dimension: str, value: str) -> tuple[int, str]:
    """Education by level, the rest as they come (codes, bands)."""
    if dimension == "education_level" and value in EDUCATION_LEVELS:
        return (EDUCATION_LEVELS.index(value), value)
    return (0, value or "")


def _scenario(uid: str) -> Any:
    from .models import Scenario

    try:
        return Scenario.objects.get(uid=uid)
    except (Scenario.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


@analyst_required
@require_GET
def scenario(request: HttpRequest, uid: str) -> HttpResponse:
    row = _scenario(uid)
    base = catalogue().get(row.base_key)
    labels = services.dimension_labels()
    titles = {
        "district": _("District"),
        "nationality": _("Nationality"),
        "age_band": _("Age"),
        "education_level": _("Highest education"),
    }
    tables = [
        (
            dim,
            (
                titles[dim],
                [
                    {**r, "label": labels[dim].get(r[dim], r[dim])}
                    for r in sorted(row.result["by"][dim], key=lambda r, d=dim: _order(d, r[d]))
                ],
            ),
        )
        for dim in DIMENSIONS
    ]
    facts = base.policy.facts if base else {}
    unavailable = [
        str(facts[name].label) if name in facts else name
        for name in row.result.get("unavailable_facts", [])
    ]
    return render(
        request,
        "policies/scenario.html",
        {
            "scenario": row,
            "x": base,
            "result": row.result,
            "tables": tables,
            "unavailable": pgettext("list separator", ", ").join(unavailable),
            "overrides_text": json.dumps(row.overrides, indent=2, ensure_ascii=False),
            "chart": services.chart_data(row.result, labels["district"]),
        },
    )


@analyst_required
@require_GET
def scenario_csv(request: HttpRequest, uid: str) -> HttpResponse:
    """The scenario's tables as CSV, suppressed cells left empty."""
    row = _scenario(uid)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="scenario-{row.uid}.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read UTF-8
    writer = csv.writer(response)
    writer.writerow(["dimension", "value", *COUNTS, "suppressed"])
    for dimension, value, cells in services.result_rows(row.result):
        writer.writerow([dimension, value, *cells])
    return response

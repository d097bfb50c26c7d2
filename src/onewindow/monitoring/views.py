"""The monitoring pages: the dashboard (supervisors, analysts, administrators), one panel as
an HTML fragment or CSV, the possible overstays (supervisors, in their districts), the alert
rules, and the public open-data page."""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onewindow.accounts.decorators import role_required
from onewindow.accounts.models import Role
from onewindow.applications.definitions import application_types
from onewindow.audit.services import audit_record
from onewindow.geo.models import District
from onewindow.registry.selectors import visible_district_ids

from . import opendata
from .alerts import lapsed_permits
from .forms import AlertRuleFormSet
from .models import AlertRule, AlertRun
from .panels import GROUPS, PANELS, Filters, Panel, panel
from .refresh import latest_refresh
from .tasks import refresh_task

DASHBOARD_ROLES = (Role.SUPERVISOR, Role.ANALYST, Role.ADMINISTRATOR)
OVERSTAY_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)
dashboard_required = role_required(*DASHBOARD_ROLES)


def _panel_context(p: Panel, filters: Filters) -> dict:
    return {"panel": p, "chart_id": f"chart-{p.name}", "filters": filters, "query": filters.query()}


@dashboard_required
def dashboard(request: HttpRequest) -> HttpResponse:
    filters = Filters.from_query(request.GET)
    groups = []
    for key, title in GROUPS.items():
        panels = [panel(name, filters) for name in PANELS if name.startswith(key)]
        groups.append((key, title, [_panel_context(p, filters) for p in panels]))
    types = sorted(
        ((code, str(t.title)) for code, t in application_types().items()), key=lambda x: x[1]
    )
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "groups": groups,
            "filters": filters,
            "districts": District.objects.order_by("code"),
            "types": types,
            "refresh": latest_refresh(),
            "can_see_overstays": request.user.role in OVERSTAY_ROLES,
        },
    )


@dashboard_required
def panel_view(request: HttpRequest, name: str, fmt: str = "html") -> HttpResponse:
    if name not in PANELS:
        raise Http404
    filters = Filters.from_query(request.GET)
    p = panel(name, filters)
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        response.write("\ufeff")  # Excel reads UTF-8 (Chinese, Arabic) only after a BOM
        writer = csv.writer(response)
        writer.writerow(p.columns)
        writer.writerows(p.rows)
        return response
    if fmt == "json":
        return JsonResponse(
            {
                "panel": name,
                "title": p.title,
                "columns": p.columns,
                "rows": p.rows,
                "chart": p.chart,
            }
        )
    context = _panel_context(p, filters)
    context["can_see_overstays"] = request.user.role in OVERSTAY_ROLES
    return render(request, "monitoring/_panel.html", context)


@role_required(*DASHBOARD_ROLES)
@require_POST
def refresh_now(request: HttpRequest) -> HttpResponse:
    refresh_task.enqueue()
    messages.success(request, _("The figures are being recomputed; reload the page in a minute."))
    return redirect("monitoring:dashboard")


@role_required(*OVERSTAY_ROLES)
@transaction.atomic
def overstays(request: HttpRequest) -> HttpResponse:
    """Person-level: the holders' masked names and the permits, in the reader's districts."""
    scope = visible_district_ids(request.user)
    permits = lapsed_permits(timezone.localdate()).select_related("holder__current_district")
    if scope is not None:
        permits = permits.filter(holder__current_district_id__in=scope)
    district = None
    if code := request.GET.get("district", ""):
        district = District.objects.filter(code=code).first()
        if district is None or (scope is not None and district.pk not in scope):
            raise Http404
        permits = permits.filter(holder__current_district=district)
    page = Paginator(permits.order_by("valid_to", "pk"), 50).get_page(request.GET.get("page"))
    today, language = timezone.localdate(), get_language()
    for permit in page.object_list:
        permit.reader_title = permit.title_in(language)
        permit.days_since = (today - permit.valid_to).days
    audit_record(
        actor=request.user,
        action="monitoring.overstays.view",
        object_type="permit",
        object_id="",
        why="supervision",
        details={"district": code or None, "page": page.number, "rows": len(page.object_list)},
    )
    return render(
        request,
        "monitoring/overstays.html",
        {
            "page": page,
            "district": district,
            "districts": District.objects.filter(pk__in=scope)
            if scope is not None
            else District.objects.all(),
        },
    )


@role_required(*DASHBOARD_ROLES)
def alert_rules(request: HttpRequest) -> HttpResponse:
    can_edit = request.user.role == Role.ADMINISTRATOR
    formset = AlertRuleFormSet(
        request.POST if request.method == "POST" and can_edit else None,
        queryset=AlertRule.objects.all(),
    )
    if request.method == "POST":
        if not can_edit:
            raise Http404
        if formset.is_valid():
            with transaction.atomic():
                for form in formset.forms:
                    if form.has_changed():
                        rule = form.save()
                        audit_record(
                            actor=request.user,
                            action="monitoring.alert_rule.change",
                            object_type="alert_rule",
                            object_id=rule.kind,
                            why="configuration",
                            details={"enabled": rule.enabled, "days": rule.days},
                        )
            messages.success(request, _("The alert rules were saved."))
            return redirect("monitoring:alerts")
    return render(
        request,
        "monitoring/alerts.html",
        {
            "formset": formset,
            "can_edit": can_edit,
            "runs": AlertRun.objects.order_by("-started_at")[:10],
        },
    )


def open_data(request: HttpRequest) -> HttpResponse:
    datasets = []
    for slug, dataset in opendata.DATASETS.items():
        data = opendata.publish(slug)
        chinese = get_language().startswith("zh")
        table = opendata.preview(slug, data["records"], chinese)
        datasets.append({"dataset": dataset, "data": data, "table": table})
    return render(
        request,
        "monitoring/open_data.html",
        {"datasets": datasets, "threshold": opendata.THRESHOLD},
    )


def open_data_file(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if slug not in opendata.DATASETS:
        raise Http404
    if fmt == "csv":
        response = HttpResponse(opendata.as_csv(slug), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{slug}.csv"'
        return response
    body = {**opendata.publish(slug), "schema": opendata.table_schema(slug)}
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})

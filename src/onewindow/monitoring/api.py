"""Monitoring over the API: the dashboard's panels (supervisors, analysts, administrators)
and the open data (anyone, no sign-in)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Router, Schema

from onewindow.accounts.models import Role

from . import opendata
from .panels import PANELS, Filters, panel

router = Router(tags=["monitoring"])
open_router = Router(tags=["open data"])


class PanelOut(Schema):
    panel: str
    title: str
    columns: list[str]
    rows: list[list[Any]]


@router.get(
    "/panels/{name}",
    response=PanelOut,
    summary="One dashboard panel as a table (query: district, from, to, kind, type)",
)
def panel_get(request: HttpRequest, name: str) -> dict[str, Any]:
    if request.auth.role not in (Role.SUPERVISOR, Role.ANALYST, Role.ADMINISTRATOR):
        raise PermissionDenied
    if name not in PANELS:
        raise Http404
    p = panel(name, Filters.from_query(request.GET))
    return {"panel": name, "title": p.title, "columns": p.columns, "rows": p.rows}


class DatasetOut(Schema):
    slug: str
    title: str
    description: str
    csv: str
    json_url: str


@open_router.get("/", auth=None, response=list[DatasetOut], summary="The open datasets")
def datasets(request: HttpRequest) -> list[dict[str, str]]:
    return [
        {
            "slug": slug,
            "title": str(d.title),
            "description": str(d.description),
            "csv": f"/open-data/{slug}.csv",
            "json_url": f"/open-data/{slug}.json",
        }
        for slug, d in opendata.DATASETS.items()
    ]


@open_router.get("/{slug}", auth=None, summary="One open dataset: suppressed counts, schema")
def dataset(request: HttpRequest, slug: str) -> dict[str, Any]:
    if slug not in opendata.DATASETS:
        raise Http404
    return {**opendata.publish(slug), "schema": opendata.table_schema(slug)}

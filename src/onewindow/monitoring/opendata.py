"""Open data: aggregate tables for the public, with small cells suppressed.

Each dataset is a two-way table of counts (rows × columns) published with its row totals,
column totals and grand total, in long form (one record per cell). No record is about a
person; every count comes from the aggregate tables or a GROUP BY.

Suppression (`suppress`):

1. primary: a count of 1 to THRESHOLD − 1 people is not published (zero is: an empty cell
   tells of no one);
2. secondary: a line (row or column, with its total) never has exactly one hidden cell, and
   no hidden cell may be pinned down exactly from what is published: for each hidden cell
   the smallest and largest values consistent with every published figure (all counts ≥ 0)
   are computed by linear programming; where they meet, one more cell of its line is hidden
   (the smallest count, so as little as possible is lost), and the check runs again.
"""

import csv
import dataclasses
import io
from collections.abc import Callable
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from onewindow.applications.definitions import application_types
from onewindow.applications.models import Status
from onewindow.geo.models import District
from onewindow.services.models import Enrolment, EnrolmentStatus, LegalAidRequest, ShiftSignup

from .models import ApplicationCell, PopulationCell
from .refresh import latest_refresh

THRESHOLD = 10
TOTAL = "total"


def suppress(table: list[list[int]], threshold: int = THRESHOLD) -> list[list[bool]]:
    """Which cells of `table` with its margins to hide: a (rows + 1) × (columns + 1) mask whose
    last row is the column totals and last column the row totals."""
    grid = _with_margins(table)
    n_rows, n_cols = grid.shape
    hidden = (grid > 0) & (grid < threshold)
    lines = [[(i, j) for j in range(n_cols)] for i in range(n_rows)] + [
        [(i, j) for i in range(n_rows)] for j in range(n_cols)
    ]
    while True:
        for line in lines:
            if sum(hidden[c] for c in line) == 1:
                _hide_smallest(grid, hidden, line)
        exposed = [c for c in zip(*np.nonzero(hidden), strict=True) if _pinned(grid, hidden, c)]
        if not exposed:
            return hidden.tolist()
        i, j = exposed[0]
        row, col = lines[i], lines[n_rows + j]
        if not _hide_smallest(grid, hidden, row) and not _hide_smallest(grid, hidden, col):
            hidden[:, :] = hidden | (grid > 0)  # nothing left to hide but everything
            return hidden.tolist()


def _with_margins(table: list[list[int]]) -> np.ndarray:
    inner = np.array(table, dtype=np.int64).reshape(len(table), -1 if table else 0)
    grid = np.zeros((inner.shape[0] + 1, inner.shape[1] + 1), dtype=np.int64)
    grid[:-1, :-1] = inner
    grid[:-1, -1] = inner.sum(axis=1)
    grid[-1, :-1] = inner.sum(axis=0)
    grid[-1, -1] = inner.sum()
    return grid


def _hide_smallest(grid: np.ndarray, hidden: np.ndarray, line: list[tuple[int, int]]) -> bool:
    """Hide the smallest published count of `line` (inner cells before totals); False when
    the line has none left. A zero is never hidden: it would protect nothing, since no count
    is below zero."""
    n_rows, n_cols = grid.shape
    candidates = [c for c in line if not hidden[c] and grid[c] > 0]
    if not candidates:
        return False
    chosen = min(candidates, key=lambda c: (c[0] == n_rows - 1 or c[1] == n_cols - 1, grid[c], c))
    hidden[chosen] = True
    return True


def _pinned(grid: np.ndarray, hidden: np.ndarray, cell: tuple[int, int]) -> bool:
    """Whether the published figures fix the hidden `cell` to a single value."""
    low, high = hidden_cell_bounds(grid, hidden, cell)
    return high - low < 0.5


def hidden_cell_bounds(
    grid: np.ndarray, hidden: np.ndarray, cell: tuple[int, int]
) -> tuple[float, float]:
    """The least and greatest value of a hidden cell given every published figure and that
    each row and column adds up to its total (all values ≥ 0)."""
    from scipy.optimize import linprog  # loaded when a table is published, not at start-up

    n_rows, n_cols = grid.shape
    unknowns = [tuple(c) for c in zip(*np.nonzero(hidden), strict=True)]
    index = {c: k for k, c in enumerate(unknowns)}
    a_eq, b_eq = [], []
    for axis, count in ((0, n_rows), (1, n_cols)):
        for k in range(count):
            coef = np.zeros(len(unknowns))
            rhs = 0.0
            length = n_cols if axis == 0 else n_rows
            for m in range(length):
                c = (k, m) if axis == 0 else (m, k)
                sign = -1.0 if m == length - 1 else 1.0  # inner cells minus the total
                if c in index:
                    coef[index[c]] += sign
                else:
                    rhs -= sign * grid[c]
            if coef.any():
                a_eq.append(coef)
                b_eq.append(rhs)
    target = np.zeros(len(unknowns))
    target[index[cell]] = 1.0
    bounds = []
    for sign in (1.0, -1.0):
        result = linprog(sign * target, A_eq=np.array(a_eq), b_eq=b_eq, bounds=(0, None))
        bounds.append(sign * result.fun if result.status == 0 else np.inf * sign)
    return bounds[0], bounds[1]


# --- datasets ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: Any


@dataclasses.dataclass(frozen=True)
class Dataset:
    slug: str
    title: Any
    description: Any
    row_fields: tuple[Field, ...]
    column_field: Field
    build: Callable[[], tuple[list[tuple[str, ...]], list[str], list[list[int]]]]

    def fields(self) -> list[Field]:
        return [
            *self.row_fields,
            self.column_field,
            Field("count", "integer", _("number of people (empty when suppressed)")),
            Field("suppressed", "boolean", _("true when the count is hidden to protect people")),
        ]


def _district_rows() -> tuple[list[District], list[tuple[str, ...]]]:
    districts = list(District.objects.order_by("code"))
    return districts, [(d.code, d.name_zh, d.name_en) for d in districts]


def _population() -> tuple[list[tuple[str, ...]], list[str], list[list[int]]]:
    districts, labels = _district_rows()
    counts = {
        (r["district_id"], r["foreign"]): r["n"]
        for r in PopulationCell.objects.values("district_id", "foreign")
        .annotate(n=Sum("count"))
        .order_by()
    }
    table = [[counts.get((d.pk, False), 0), counts.get((d.pk, True), 0)] for d in districts]
    return labels, ["internal_migrant", "foreign_national"], table


OUTCOMES = {
    "in_progress": (Status.SUBMITTED, Status.IN_REVIEW, Status.INFO_REQUESTED),
    "approved": (Status.APPROVED, Status.ISSUED),
    "rejected": (Status.REJECTED,),
    "withdrawn": (Status.WITHDRAWN,),
}


def _applications() -> tuple[list[tuple[str, ...]], list[str], list[list[int]]]:
    types = application_types()
    counts: dict[tuple[str, str], int] = {}
    for r in ApplicationCell.objects.values("type_code", "status").annotate(n=Sum("count")):
        counts[(r["type_code"], r["status"])] = r["n"]
    codes = sorted(types)
    labels = [
        (
            code,
            types[code].title.texts().get("zh-hans", ""),
            types[code].title.texts().get("en", ""),
        )
        for code in codes
    ]
    table = [
        [sum(counts.get((code, s), 0) for s in statuses) for statuses in OUTCOMES.values()]
        for code in codes
    ]
    return labels, list(OUTCOMES), table


def _services() -> tuple[list[tuple[str, ...]], list[str], list[list[int]]]:
    districts, labels = _district_rows()
    taken = Enrolment.objects.exclude(status=EnrolmentStatus.CANCELLED)
    sources = {
        "course_enrolment": (taken, "course__service__station__district_id"),
        "legal_aid_request": (LegalAidRequest.objects.all(), "station__district_id"),
        "volunteer_shift": (
            ShiftSignup.objects.filter(cancelled=False),
            "shift__station__district_id",
        ),
    }
    counts: dict[str, dict[int, int]] = {}
    for name, (qs, field) in sources.items():
        counts[name] = {
            r[field]: r["n"] for r in qs.values(field).annotate(n=Count("pk")).order_by()
        }
    table = [[counts[name].get(d.pk, 0) for name in sources] for d in districts]
    return labels, list(sources), table


_DISTRICT_FIELDS = (
    Field("district_code", "string", _("administrative division code, or “total”")),
    Field("district_name_zh", "string", _("district name in Chinese")),
    Field("district_name_en", "string", _("district name in English")),
)
DATASETS = {
    d.slug: d
    for d in (
        Dataset(
            "population-by-district",
            _("Residents by district and type"),
            _("People registered as living in the city, internal migrants and foreign nationals."),
            _DISTRICT_FIELDS,
            Field("type", "string", _("internal_migrant, foreign_national or total")),
            _population,
        ),
        Dataset(
            "applications-by-type",
            _("Applications by type and outcome"),
            _("Every application submitted so far, by its type and where it stands."),
            (
                Field("application_type", "string", _("application type code, or “total”")),
                Field("application_type_zh", "string", _("application type in Chinese")),
                Field("application_type_en", "string", _("application type in English")),
            ),
            Field("outcome", "string", _("in_progress, approved, rejected, withdrawn or total")),
            _applications,
        ),
        Dataset(
            "services-uptake",
            _("Uptake of community services by district"),
            _(
                "Course places taken, legal-aid requests and volunteer shifts, by the district of "
                "the service station; a person who used several services counts in each."
            ),
            _DISTRICT_FIELDS,
            Field(
                "service",
                "string",
                _("course_enrolment, legal_aid_request, volunteer_shift or total"),
            ),
            _services,
        ),
    )
}


def publish(slug: str) -> dict[str, Any]:
    """The dataset's records with suppression applied, and what describes them; computed
    once per refresh of the aggregates (the cache key carries the refresh)."""
    dataset = DATASETS[slug]
    refresh = latest_refresh()
    key = f"opendata:{slug}:{refresh.pk if refresh else 0}"
    records = cache.get(key)
    if records is None:
        records = _records(dataset)
        cache.set(key, records, 3600)
    return {
        "dataset": slug,
        "as_of": refresh.as_of.isoformat() if refresh else None,
        "threshold": THRESHOLD,
        "records": records,
    }


def _records(dataset: Dataset) -> list[dict[str, Any]]:
    labels, columns, table = dataset.build()
    mask = suppress(table)
    grid = _with_margins(table)
    names = [f.name for f in dataset.row_fields]
    row_labels = [*labels, (TOTAL,) + ("",) * (len(names) - 1)]
    out = []
    for i, label in enumerate(row_labels):
        for j, column in enumerate([*columns, TOTAL]):
            hidden = mask[i][j]
            out.append(
                {
                    **dict(zip(names, label, strict=True)),
                    dataset.column_field.name: column,
                    "count": None if hidden else int(grid[i, j]),
                    "suppressed": hidden,
                }
            )
    return out


def preview(slug: str, records: list[dict[str, Any]], chinese: bool) -> dict[str, Any]:
    """The records as the two-way table they come from: a row per district or type (named in
    Chinese or English), a column per value of the dataset's column field."""
    dataset = DATASETS[slug]
    code, zh, en = (f.name for f in dataset.row_fields)
    column = dataset.column_field.name
    columns = list(dict.fromkeys(r[column] for r in records))
    rows: dict[str, list[Any]] = {}
    for r in records:
        label = r[zh if chinese else en] or r[code]
        rows.setdefault(label, []).append(r)
    return {"columns": columns, "rows": list(rows.items())}


def as_csv(slug: str) -> str:
    data = publish(slug)
    dataset = DATASETS[slug]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[f.name for f in dataset.fields()])
    writer.writeheader()
    for record in data["records"]:
        writer.writerow(
            {
                **record,
                "count": "" if record["count"] is None else record["count"],
                "suppressed": "true" if record["suppressed"] else "false",
            }
        )
    return out.getvalue()


def table_schema(slug: str) -> dict[str, Any]:
    """The dataset's Frictionless Table Schema (https://specs.frictionlessdata.io)."""
    dataset = DATASETS[slug]
    return {
        "fields": [
            {"name": f.name, "type": f.type, "description": str(f.description)}
            for f in dataset.fields()
        ],
        "missingValues": [""],
    }

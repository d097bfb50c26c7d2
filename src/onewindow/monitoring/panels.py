"""The dashboard's panels: each reads the aggregate tables (or, for the services, which are
station-sized, the service tables themselves) with one or two GROUP BY queries and returns a
`Panel`, which is a table (rows of figures, also the CSV) and the data of its chart.

No panel returns a person: every figure is a count, a share or a lead time.
"""

import dataclasses
import datetime
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _

from onewindow.accounts.models import Agency
from onewindow.applications.definitions import (
    application_type,
    application_types,
    permit_titles,
)
from onewindow.geo.models import District, ServiceStation
from onewindow.registry.presentation import country_name, province_name
from onewindow.services.models import (
    Attendance,
    Enrolment,
    EnrolmentStatus,
    LegalAidRequest,
    LegalAidTopic,
)

from .models import (
    LeadTimeCell,
    MovementCell,
    PermitCell,
    PopulationCell,
    ReviewCell,
)
from .refresh import AGE_BANDS, EXPIRY_WINDOWS

TOP = 15
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
KINDS = ("internal", "foreign")


@dataclasses.dataclass(frozen=True)
class Filters:
    """What the reader narrowed the dashboard to. Empty means everything."""

    district: District | None = None
    start: str = ""  # 'YYYY-MM', inclusive
    end: str = ""  # 'YYYY-MM', inclusive
    kind: str = ""  # 'internal' or 'foreign'
    app_type: str = ""

    @classmethod
    def from_query(cls, query: Any) -> "Filters":
        """Read the filters from a query string; anything unknown is ignored, not an error."""
        code = query.get("district", "")
        district = District.objects.filter(code=code).first() if code.isdigit() else None
        start, end = (v if MONTH.match(v := query.get(k, "")) else "" for k in ("from", "to"))
        kind = query.get("kind", "")
        app_type = query.get("type", "")
        return cls(
            district=district,
            start=start,
            end=end,
            kind=kind if kind in KINDS else "",
            app_type=app_type if app_type in application_types() else "",
        )

    def query(self) -> dict[str, str]:
        values = {
            "district": self.district.code if self.district else "",
            "from": self.start,
            "to": self.end,
            "kind": self.kind,
            "type": self.app_type,
        }
        return {k: v for k, v in values.items() if v}

    def cells(self, qs: QuerySet, *, kind: bool = False, period: bool = False) -> QuerySet:
        if qs.model is LeadTimeCell:
            qs = qs.filter(rollup=not self.district)
        if self.district:
            qs = qs.filter(district=self.district)
        if kind and self.kind:
            qs = qs.filter(foreign=self.kind == "foreign")
        if period and self.start:
            qs = qs.filter(month__gte=self.start)
        if period and self.end:
            qs = qs.filter(month__lte=self.end)
        if self.app_type and "type_code" in {f.name for f in qs.model._meta.fields}:
            qs = qs.filter(type_code=self.app_type)
        return qs


@dataclasses.dataclass
class Panel:
    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: dict[str, Any]
    note: str = ""
    links: dict[str, str] = dataclasses.field(default_factory=dict)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def _districts() -> list[District]:
    return list(District.objects.order_by("code"))


def _agency_labels() -> dict[int, str]:
    return {a.pk: str(a) for a in Agency.objects.all()}


def _type_label(code: str) -> str:
    try:
        return str(application_type(code).title)
    except KeyError:
        return code


def _permit_label(permit_type: str) -> str:
    title = permit_titles().get(permit_type)
    return str(title) if title else permit_type


def _top(counts: dict[str, int], label: Callable[[str], str]) -> list[list[Any]]:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    rows = [[label(k), v] for k, v in ranked[:TOP]]
    rest = sum(v for _k, v in ranked[TOP:])
    if rest:
        rows.append([_("Others"), rest])
    return rows


def _bars(rows: list[list[Any]], series: list[str], *, horizontal: bool = False) -> dict[str, Any]:
    return {
        "type": "hbar" if horizontal else "bar",
        "categories": [str(r[0]) for r in rows],
        "series": [
            {"name": name, "data": [r[i + 1] for r in rows]} for i, name in enumerate(series)
        ],
    }


# --- population ---------------------------------------------------------------------------------


def _district_rows(
    f: Filters, districts: list[District], values: Callable[[int | None], list[int]]
) -> tuple[list[list[Any]], dict[str, str], list[District]]:
    """A row of `values` per district the filter keeps (city-wide, also one for records with
    no district), the code each row's label links to, and the districts shown."""
    shown = [d for d in districts if not f.district or d == f.district]
    rows = [[d.label, *values(d.pk)] for d in shown]
    unknown = values(None)
    if any(unknown) and not f.district:
        rows.append([_("District not known"), *unknown])
    return rows, {d.label: d.code for d in shown}, shown


def population_districts(f: Filters) -> Panel:
    counts: dict[int | None, dict[bool, int]] = defaultdict(lambda: {False: 0, True: 0})
    qs = f.cells(PopulationCell.objects.all(), kind=True)
    for r in qs.values("district_id", "foreign").annotate(n=Sum("count")).order_by():
        counts[r["district_id"]][r["foreign"]] += r["n"]

    def values(pk: int | None) -> list[int]:
        c = counts.get(pk, {False: 0, True: 0})
        return [c[False], c[True], c[False] + c[True]]

    districts = _districts()
    rows, links, shown = _district_rows(f, districts, values)
    columns = [
        _("District"),
        _("Internal migrants"),
        _("Foreign nationals"),
        pgettext("sum", "Total"),
    ]
    chart = {
        "type": "map",
        "map": "guangzhou",
        "series_name": _("Residents"),
        # every district named in the reader's language, also those a filter leaves out
        "names": {d.name_zh: d.label for d in districts},
        "data": [
            {"name": r[0], "value": r[3], "feature": d.name_zh, "code": d.code}
            for r, d in zip(rows, shown, strict=False)
        ],
    }
    return Panel(
        "population_districts", _("Residents by district"), columns, rows, chart, links=links
    )


def _ranked(
    f: Filters, name: str, title: str, column: str, *, field: str, foreign: bool, label: Callable
) -> Panel:
    """Residents of one origin ranked by `field` (the first TOP, then the others)."""
    qs = f.cells(PopulationCell.objects.filter(foreign=foreign), kind=True)
    counts = {
        r[field]: r["n"] for r in qs.values(field).annotate(n=Sum("count")).order_by() if r["n"]
    }
    rows = _top(counts, label)
    excluded = "internal" if foreign else "foreign"
    note = ""
    if f.kind == excluded:
        note = (
            _("Internal migrants are not counted here.")
            if foreign
            else _("Foreign nationals are not counted here.")
        )
    columns = [column, _("Residents")]
    return Panel(name, title, columns, rows, _bars(rows, columns[1:], horizontal=True), note=note)


def population_nationalities(f: Filters) -> Panel:
    language = _language()
    return _ranked(
        f,
        "population_nationalities",
        _("Foreign nationals by nationality"),
        _("Nationality"),
        field="nationality",
        foreign=True,
        label=lambda code: country_name(code, language),
    )


def population_provinces(f: Filters) -> Panel:
    language = _language()
    return _ranked(
        f,
        "population_provinces",
        _("Internal migrants by province of hukou"),
        _("Province of hukou"),
        field="hukou_province",
        foreign=False,
        label=lambda code: province_name(code, language),
    )


def population_age_sex(f: Filters) -> Panel:
    qs = f.cells(PopulationCell.objects.all(), kind=True)
    counts = {
        (r["age_band"], r["sex"]): r["n"]
        for r in qs.values("age_band", "sex").annotate(n=Sum("count")).order_by()
    }
    rows = [
        [
            band,
            counts.get((band, "F"), 0),
            counts.get((band, "M"), 0),
            counts.get((band, "X"), 0),
        ]
        for band, _low in AGE_BANDS
    ]
    columns = [_("Age"), pgettext("sex", "Women"), pgettext("sex", "Men"), _("Unspecified")]
    chart = {
        "type": "pyramid",
        "categories": [r[0] for r in rows],
        "series": [
            {"name": columns[1], "data": [r[1] for r in rows]},
            {"name": columns[2], "data": [r[2] for r in rows]},
        ],
    }
    return Panel("population_age_sex", _("Residents by age and sex"), columns, rows, chart)


def population_movements(f: Filters) -> Panel:
    qs = f.cells(MovementCell.objects.all(), kind=True, period=True)
    rows = [
        [r["month"], r["a"], r["d"], r["a"] - r["d"]]
        for r in qs.values("month")
        .annotate(a=Sum("arrivals"), d=Sum("departures"))
        .order_by("month")
    ]
    columns = [_("Month"), _("Registrations"), _("Departures"), _("Net change")]
    chart = {
        "type": "line",
        "categories": [r[0] for r in rows],
        "series": [{"name": columns[i], "data": [r[i] for r in rows]} for i in (1, 2, 3)],
    }
    return Panel(
        "population_movements", _("Registrations and departures per month"), columns, rows, chart
    )


# --- permits ------------------------------------------------------------------------------------

PERMIT_MEASURES = (
    "in_force",
    *(f"expiring_{d}" for d in EXPIRY_WINDOWS),
    "lapsed",
    "endorsement_due",
)


def _permit_columns() -> list[str]:
    return [
        _("Permit"),
        pgettext("permit", "In force"),
        *(_("Expiring within %(days)s days") % {"days": d} for d in EXPIRY_WINDOWS),
        _("Expired, not renewed"),
        _("Endorsement due"),
    ]


def permits_status(f: Filters) -> Panel:
    qs = f.cells(PermitCell.objects.all(), kind=True)
    sums = {m: Sum(m) for m in PERMIT_MEASURES}
    rows = [
        [_permit_label(r["permit_type"]), *(r[m] or 0 for m in PERMIT_MEASURES)]
        for r in qs.values("permit_type").annotate(**sums).order_by("permit_type")
    ]
    columns = _permit_columns()
    return Panel(
        "permits_status",
        _("Permits in force and falling due"),
        columns,
        rows,
        _bars(rows, columns[1:], horizontal=True),
    )


def permits_overstays(f: Filters) -> Panel:
    """Foreign nationals' permits that expired without renewal while the holder is still
    registered as living in the city: possible overstays."""
    qs = f.cells(PermitCell.objects.filter(foreign=True))
    counts = {
        r["district_id"]: r["n"]
        for r in qs.values("district_id").annotate(n=Sum("lapsed")).order_by()
    }
    rows, links, _shown = _district_rows(f, _districts(), lambda pk: [counts.get(pk, 0)])
    columns = [_("District"), _("Possible overstays")]
    return Panel(
        "permits_overstays",
        _("Possible overstays: foreign nationals' permits expired without renewal or departure"),
        columns,
        rows,
        _bars(rows, columns[1:]),
        links=links,
    )


# --- applications -------------------------------------------------------------------------------


def applications_in_flight(f: Filters) -> Panel:
    agencies = _agency_labels()
    qs = f.cells(ReviewCell.objects.all())
    rows = [
        [
            _type_label(r["type_code"]),
            agencies.get(r["agency_id"], ""),
            r["o"],
            r["w"],
            r["late"],
        ]
        for r in qs.values("type_code", "agency_id")
        .annotate(o=Sum("open"), w=Sum("waiting_on_applicant"), late=Sum("overdue"))
        .filter(o__gt=0)
        .order_by("-o", "type_code", "agency_id")
    ]
    columns = [
        _("Application type"),
        _("Agency"),
        _("In review"),
        _("Waiting for the applicant"),
        _("Overdue"),
    ]
    by_agency: dict[str, int] = defaultdict(int)
    for r in rows:
        by_agency[r[1]] += r[2]
    chart_rows = [[k, v] for k, v in sorted(by_agency.items(), key=lambda kv: -kv[1])]
    return Panel(
        "applications_in_flight",
        _("Applications in review, by type and agency"),
        columns,
        rows,
        _bars(chart_rows, [_("In review")], horizontal=True),
        note=_("Reviews open today; the period filter does not apply."),
    )


def percentile(histogram: Iterable[tuple[int, int]], q: float) -> float | None:
    """The q-quantile (0 < q < 1) of durations counted in whole days, reading each day's
    count as spread evenly over that day; None for an empty histogram."""
    bins = sorted((d, n) for d, n in histogram if n > 0)
    total = sum(n for _d, n in bins)
    if not total:
        return None
    target = q * total
    seen = 0
    for days, n in bins:
        if seen + n >= target:
            return round(days + (target - seen) / n, 1)
        seen += n
    return float(bins[-1][0] + 1)


def _histograms(f: Filters) -> dict[tuple[str, int | None], dict[int, int]]:
    qs = f.cells(LeadTimeCell.objects.all(), period=True)
    hists: dict[tuple[str, int | None], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = qs.values("type_code", "agency_id", "days").annotate(n=Sum("count")).order_by()
    for r in rows:
        hists[(r["type_code"], r["agency_id"])][r["days"]] += r["n"]
    return hists


def _merge(hists: Iterable[dict[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = defaultdict(int)
    for h in hists:
        for d, n in h.items():
            merged[d] += n
    return merged


def applications_lead_times(f: Filters) -> Panel:
    agencies = _agency_labels()
    hists = _histograms(f)
    by_agency: dict[int | None, list[dict[int, int]]] = defaultdict(list)
    for (_type, agency), h in hists.items():
        by_agency[agency].append(h)
    rows = []
    for agency, parts in by_agency.items():
        merged = _merge(parts)
        label = agencies.get(agency, "") if agency else _("End to end (submission to decision)")
        rows.append(
            [
                label,
                sum(merged.values()),
                percentile(merged.items(), 0.5),
                percentile(merged.items(), 0.9),
            ]
        )
    rows.sort(key=lambda r: (r[0] != _("End to end (submission to decision)"), -(r[3] or 0)))
    columns = [_("Agency"), _("Decisions"), _("Median (days)"), _("90th percentile (days)")]
    return Panel(
        "applications_lead_times",
        _("Lead time per agency and end to end"),
        columns,
        rows,
        _bars([[r[0], r[2], r[3]] for r in rows], columns[2:], horizontal=True),
        note=_("By the month of the decision."),
    )


def applications_slowest_steps(f: Filters) -> Panel:
    agencies = _agency_labels()
    rows = []
    for (type_code, agency), h in _histograms(f).items():
        if agency is None:
            continue
        rows.append(
            [
                f"{_type_label(type_code)} · {agencies.get(agency, '')}",
                sum(h.values()),
                percentile(h.items(), 0.5),
                percentile(h.items(), 0.9),
            ]
        )
    rows.sort(key=lambda r: (-(r[3] or 0), -(r[2] or 0), r[0]))
    rows = rows[:10]
    columns = [
        _("Step (application type · agency)"),
        _("Decisions"),
        _("Median (days)"),
        _("90th percentile (days)"),
    ]
    return Panel(
        "applications_slowest_steps",
        _("The slowest review steps"),
        columns,
        rows,
        _bars([[r[0], r[2], r[3]] for r in rows], columns[2:], horizontal=True),
    )


def applications_breaches(f: Filters) -> Panel:
    agencies = _agency_labels()
    qs = f.cells(ReviewCell.objects.all(), period=True)
    rows = []
    for r in (
        qs.values("agency_id")
        .annotate(d=Sum("decided"), late=Sum("decided_late"), over=Sum("overdue"))
        .order_by("agency_id")
    ):
        share = round(100 * r["late"] / r["d"], 1) if r["d"] else 0.0
        rows.append([agencies.get(r["agency_id"], ""), r["d"], r["late"], share, r["over"]])
    rows.sort(key=lambda r: (-r[2] - r[4], r[0]))
    columns = [
        _("Agency"),
        _("Decisions"),
        _("Decided after the deadline"),
        _("Late share (%)"),
        _("Open and overdue"),
    ]
    return Panel(
        "applications_breaches",
        _("Deadline breaches by agency"),
        columns,
        rows,
        _bars([[r[0], r[2], r[4]] for r in rows], [columns[2], columns[4]], horizontal=True),
        note=_("By the month the review started."),
    )


# --- services -----------------------------------------------------------------------------------


def _in_period(f: Filters, field: str) -> Q:
    """Timestamps in the filter's months, local time; bounds compared as they are stored (no
    conversion per row)."""
    q = Q()
    if f.start:
        start = datetime.datetime.fromisoformat(f"{f.start}-01")
        q &= Q(**{f"{field}__gte": timezone.make_aware(start)})
    if f.end:
        y, m = map(int, f.end.split("-"))
        first_after = datetime.datetime(y + m // 12, m % 12 + 1, 1)
        q &= Q(**{f"{field}__lt": timezone.make_aware(first_after)})
    return q


def services_courses(f: Filters) -> Panel:
    station = "course__service__station_id"
    enrolments = Enrolment.objects.filter(_in_period(f, "queued_at"))
    if f.district:
        enrolments = enrolments.filter(course__service__station__district=f.district)
    by_status = {
        (r[station], r["status"]): r["n"]
        for r in enrolments.values(station, "status").annotate(n=Count("pk")).order_by()
    }
    attendance = {
        r["station"]: (r["p"], r["m"])
        for r in Attendance.objects.filter(enrolment__in=enrolments.values("pk"))
        .values(station=F(f"enrolment__{station}"))
        .annotate(p=Count("pk", filter=Q(present=True)), m=Count("pk"))
        .order_by()
    }
    stations = {s.pk: s for s in ServiceStation.objects.filter(pk__in={k[0] for k in by_status})}
    rows = []
    for pk, station_row in stations.items():
        p, m = attendance.get(pk, (0, 0))
        rows.append(
            [
                str(station_row),
                by_status.get((pk, EnrolmentStatus.ENROLLED), 0)
                + by_status.get((pk, EnrolmentStatus.COMPLETED), 0),
                by_status.get((pk, EnrolmentStatus.WAITING), 0),
                by_status.get((pk, EnrolmentStatus.COMPLETED), 0),
                round(100 * p / m, 1) if m else None,
            ]
        )
    rows.sort(key=lambda r: (-r[1], r[0]))
    columns = [
        _("Service station"),
        _("Enrolled"),
        _("On the waiting list"),
        _("Completed"),
        _("Attendance (%)"),
    ]
    return Panel(
        "services_courses",
        _("Courses: enrolments, waiting lists and attendance by station"),
        columns,
        rows,
        _bars([r[:4] for r in rows[:TOP]], columns[1:4], horizontal=True),
    )


def services_legal_aid(f: Filters) -> Panel:
    qs = LegalAidRequest.objects.filter(_in_period(f, "created_at"))
    if f.district:
        qs = qs.filter(station__district=f.district)
    counts = {
        (r["topic"], r["status"]): r["n"]
        for r in qs.values("topic", "status").annotate(n=Count("pk")).order_by()
    }
    rows = []
    for topic in LegalAidTopic:
        total = sum(n for (t, _s), n in counts.items() if t == topic)
        waiting = counts.get((topic.value, "open"), 0)
        rows.append([str(topic.label), total, waiting])
    columns = [_("Topic"), _("Requests"), _("Waiting for an answer")]
    return Panel(
        "services_legal_aid",
        _("Legal-aid requests by topic"),
        columns,
        rows,
        _bars(rows, columns[1:], horizontal=True),
    )


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


GROUPS: dict[str, Any] = {
    "population": gettext_lazy("Population"),
    "permits": gettext_lazy("Permits"),
    "applications": gettext_lazy("Applications"),
    "services": gettext_lazy("Services"),
}
PANELS: dict[str, Callable[[Filters], Panel]] = {
    fn.__name__: fn
    for fn in (
        population_districts,
        population_age_sex,
        population_nationalities,
        population_provinces,
        population_movements,
        permits_status,
        permits_overstays,
        applications_in_flight,
        applications_lead_times,
        applications_slowest_steps,
        applications_breaches,
        services_courses,
        services_legal_aid,
    )
}


def panel(name: str, filters: Filters) -> Panel:
    return PANELS[name](filters)

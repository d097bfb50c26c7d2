"""Pages for administrators: upload an extract and read its report (rejected rows and why);
run linkage, settle doubtful pairs, read a golden record's sources and split off a wrong one."""

import csv
import tempfile
from pathlib import Path
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from onewindow.accounts.decorators import role_required
from onewindow.accounts.models import Role
from onewindow.registry.events import person_event
from onewindow.registry.models import Person

from .forms import LinkageForm, UploadForm
from .models import GoldenRecord, Origin, RecordLink
from .presentation import (
    person_values,
    provenance_lines,
    record_values,
    side_by_side,
    source_title,
    weights,
)
from .selectors import (
    batch_get,
    batches,
    pair_get,
    pending_pairs,
    pending_records_count,
    rejects_page,
    runs,
)
from .services import import_file

admin_required = role_required(Role.ADMINISTRATOR)

REASONS = {
    "missing": _("a required value is empty"),
    "code": _("a value is not in the source's code list"),
    "date": _("a date cannot be read or is impossible"),
    "id_checksum": _("the ID number's check digit is wrong"),
    "id_invalid": _("not a valid resident ID number"),
    "passport": _("not a passport number"),
    "country": _("not a two-letter country code"),
    "division": _("not a six-digit division code"),
    "sex": _("sex is not M, F or X"),
    "too_long": _("a value is too long"),
    "columns": _("the row has the wrong number of fields"),
    "no_name": _("no name in any script"),
    "no_identifier": _("no ID number, passport number or birth date"),
    "empty": _("an empty row"),
}


@admin_required
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"upload{Path(upload.name).suffix.lower()[:10]}"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            batch = import_file(
                actor=request.user,
                source_code=form.cleaned_data["source"],
                path=path,
                name=upload.name,
            )
        return redirect("consolidation:report", uid=batch.uid)
    return render(
        request,
        "consolidation/imports.html",
        {"form": form, "batches": batches()},
        status=400 if form.errors else 200,
    )


@admin_required
@require_GET
def report(request: HttpRequest, uid: str) -> HttpResponse:
    batch = batch_get(uid)
    page = rejects_page(batch, request.GET.get("page"))
    template = "consolidation/_progress.html" if request.htmx else "consolidation/report.html"
    return render(request, template, {"batch": batch, "page": page, "reasons": REASONS})


@admin_required
@require_GET
def rejects_csv(request: HttpRequest, uid: str) -> HttpResponse:
    """The reject file: row number, reason, then the row as the source gave it."""
    batch = batch_get(uid)
    rows = batch.rejects.order_by("row_number")
    columns = list(batch.columns)
    for row in rows:
        columns += [key for key in row.raw if key not in columns]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejects-{batch.uid}.csv"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["row", "code", "reason", *columns])
    for row in rows:
        writer.writerow(
            [row.row_number, row.code, row.reason, *(row.raw.get(c, "") for c in columns)]
        )
    return response


# ---------------------------------------------------------------------------------------------
# Linkage: runs, the review queue, a pair, a golden record with its sources


@admin_required
@require_http_methods(["GET", "POST"])
def linkage(request: HttpRequest) -> HttpResponse:
    form = LinkageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        from .linking import link_pending  # Splink and DuckDB load when a run is asked for

        link_pending(
            actor=request.user,
            auto=form.cleaned_data["auto"],
            review=form.cleaned_data["review"],
        )
        return redirect("consolidation:linkage")
    return render(
        request,
        "consolidation/linkage.html",
        {
            "form": form,
            "runs": runs(),
            "page": pending_pairs(request.GET.get("page")),
            "waiting": pending_records_count(),
        },
        status=400 if form.errors else 200,
    )


def _read(user: Any, *persons: Person) -> None:
    with transaction.atomic():
        for person in persons:
            person_event(actor=user, person=person, action="read", why="linkage_review")


@admin_required
@require_http_methods(["GET", "POST"])
def pair(request: HttpRequest, uid: str) -> HttpResponse:
    item = pair_get(uid)
    if request.method == "POST":
        from .review import decide  # loads the linkage pipeline: only when deciding

        decide(actor=request.user, pair=item, decision=request.POST.get("decision", ""))
        return redirect("consolidation:linkage")
    link = RecordLink.objects.select_related("person").filter(record=item.record).first()
    golden = getattr(item.person, "golden", None)  # selected with the pair
    _read(request.user, item.person, *([link.person] if link else []))
    lines = side_by_side(record_values(item.record), person_values(item.person, golden))
    return render(
        request,
        "consolidation/pair.html",
        {
            "pair": item,
            "lines": lines,
            "weights": weights(item.weights),
            "source": source_title(item.record.source),
        },
    )


@admin_required
@require_http_methods(["GET", "POST"])
def golden(request: HttpRequest, uid: str) -> HttpResponse:
    try:
        person = Person.objects.select_related("golden").get(uid=uid)
        record = person.golden
    except (Person.DoesNotExist, ValueError, GoldenRecord.DoesNotExist) as exc:
        raise Http404 from exc
    if request.method == "POST":
        try:
            record_id = int(request.POST.get("record", ""))
        except ValueError as exc:
            raise Http404 from exc
        from .review import unmerge  # loads the linkage pipeline: only when splitting

        into = unmerge(actor=request.user, person=person, record_id=record_id)
        return redirect("consolidation:golden", uid=into.uid)
    links = list(
        RecordLink.objects.filter(person=person)
        .select_related("record__batch")
        .order_by("record__source", "record_id")
    )
    _read(request.user, person)
    records = {link.record_id: link.record for link in links}
    can_split = len(links) > 1 or record.origin == Origin.REGISTRY
    return render(
        request,
        "consolidation/golden.html",
        {
            "person": person,
            "golden": record,
            "lines": provenance_lines(person, record, records),
            "links": links,
            "can_split": can_split,
            "sources": {link.record_id: source_title(link.record.source) for link in links},
        },
    )

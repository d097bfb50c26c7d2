"""Pages: administrators upload an extract and read its report (rejected rows and why)."""

import csv
import tempfile
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from onewindow.accounts.decorators import role_required
from onewindow.accounts.models import Role

from .forms import UploadForm
from .selectors import batch_get, batches, rejects_page
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

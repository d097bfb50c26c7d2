"""Reads for the import pages (administrators only; the views check the role)."""

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import Http404

from .models import ImportBatch


def batches() -> Any:
    return ImportBatch.objects.select_related("started_by")[:100]


def batch_get(uid: Any) -> ImportBatch:
    try:
        return ImportBatch.objects.get(uid=uid)
    except (ImportBatch.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def rejects_page(batch: ImportBatch, page: Any) -> Page:
    return Paginator(batch.rejects.order_by("row_number"), 50).get_page(page)

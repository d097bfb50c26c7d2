"""Reads for the import and linkage pages (administrators only; the views check the role)."""

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import Http404

from onewindow.registry.models import PersonStatus

from .models import BatchStatus, ImportBatch, LinkageRun, PairStatus, ReviewPair, StagedRecord


def batches() -> Any:
    return ImportBatch.objects.select_related("started_by")[:100]


def batch_get(uid: Any) -> ImportBatch:
    try:
        return ImportBatch.objects.get(uid=uid)
    except (ImportBatch.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def rejects_page(batch: ImportBatch, page: Any) -> Page:
    return Paginator(batch.rejects.order_by("row_number"), 50).get_page(page)


def runs() -> Any:
    return LinkageRun.objects.select_related("started_by").defer("model")[:20]


def pending_pairs(page: Any) -> Page:
    pairs = (
        ReviewPair.objects.filter(status=PairStatus.PENDING)
        .exclude(person__status=PersonStatus.MERGED)
        .select_related("record", "person")
        .order_by("-probability", "id")
    )
    return Paginator(pairs, 25).get_page(page)


def pair_get(uid: Any) -> Any:
    try:
        return ReviewPair.objects.select_related(
            "record__batch", "person__golden", "decided_by"
        ).get(uid=uid)
    except (ReviewPair.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def pending_records_count() -> int:
    """How many staged records of finished imports wait for linkage."""
    return StagedRecord.objects.filter(batch__status=BatchStatus.DONE, link__isnull=True).count()

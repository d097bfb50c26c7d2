"""Reads from the reference geography (public reference data: no scoping, no audit)."""

from django.db.models import QuerySet

from .models import District


def districts() -> QuerySet[District]:
    """The city's districts, ordered by their administrative code."""
    return District.objects.select_related("city").order_by("code")

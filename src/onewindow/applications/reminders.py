"""Reminders to officers before (and after) a review's due date. Each reminder is sent once (a
dedupe key per recipient), so the job can run as often as wanted and be re-run after an
interruption. Residents' permit reminders are alerts (`monitoring.alerts`)."""

import datetime

from django.db import transaction
from django.utils import timezone

from . import calendar
from .events import REVIEW_DUE, REVIEW_OVERDUE, notify
from .models import REVIEW_OPEN, Review, ReviewStatus
from .services import agency_officers

DUE_SOON_WORKING_DAYS = 2


@transaction.atomic
def reminders_send(
    *, today: datetime.date | None = None, overdue_after_days: int = 0
) -> dict[str, int]:
    """Send every review reminder due today: due soon, or overdue by more than
    `overdue_after_days`. Returns how many of each kind were sent."""
    today = today or timezone.localdate()
    horizon = calendar.add_working_days(today, DUE_SOON_WORKING_DAYS)
    overdue_before = today - datetime.timedelta(days=overdue_after_days)
    sent = {"review_due": 0, "review_overdue": 0}
    reviews = (
        Review.objects.filter(status__in=REVIEW_OPEN, due_date__lte=horizon)
        .exclude(status=ReviewStatus.INFO_REQUESTED)  # the clock is paused
        .select_related("application", "officer", "agency")
    )
    for review in reviews.iterator(chunk_size=500):
        if today > review.due_date >= overdue_before:
            continue  # overdue, but within the grace the alert rule allows
        overdue = review.due_date < today
        kind = "review_overdue" if overdue else "review_due"
        officers = [review.officer] if review.officer else agency_officers(review)
        for officer in officers:
            note = notify(
                user=officer,
                application=review.application,
                kind=kind,
                message=REVIEW_OVERDUE if overdue else REVIEW_DUE,
                dedupe_key=f"{kind}:{review.uid}:{review.due_date.isoformat()}",
                due=review.due_date.isoformat(),
            )
            sent[kind] += note is not None
    return sent

"""Reminders: officers before (and after) a review's due date, holders before a permit
expires. Each reminder is sent once (a dedupe key per recipient), so the job can run as
often as wanted and be re-run after an interruption."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from onewindow.accounts.models import User

from . import calendar
from .events import PERMIT_EXPIRING, REVIEW_DUE, REVIEW_OVERDUE, notify
from .models import REVIEW_OPEN, Review, ReviewStatus
from .services import agency_officers

DUE_SOON_WORKING_DAYS = 2
PERMIT_NOTICE_DAYS = 30


@transaction.atomic
def reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Send every reminder due today; returns how many of each kind were sent."""
    today = today or timezone.localdate()
    horizon = calendar.add_working_days(today, DUE_SOON_WORKING_DAYS)
    sent = {"review_due": 0, "review_overdue": 0, "permit_expiring": 0}
    reviews = (
        Review.objects.filter(status__in=REVIEW_OPEN, due_date__lte=horizon)
        .exclude(status=ReviewStatus.INFO_REQUESTED)  # the clock is paused
        .select_related("application", "officer", "agency")
    )
    for review in reviews.iterator(chunk_size=500):
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
    from onewindow.permits.models import Permit

    expiring = Permit.objects.filter(
        status="valid",
        valid_to__gte=today,
        valid_to__lte=today + datetime.timedelta(days=PERMIT_NOTICE_DAYS),
    ).select_related("holder")
    accounts = {
        u.person_id: u
        for u in User.objects.filter(person_id__in=expiring.values("holder_id"), is_active=True)
    }
    for permit in expiring.iterator(chunk_size=500):
        user = accounts.get(permit.holder_id)
        if user is None:
            continue
        note = notify(
            user=user,
            application=None,
            kind="permit_expiring",
            message=PERMIT_EXPIRING,
            dedupe_key=f"permit_expiring:{permit.uid}:{permit.valid_to.isoformat()}",
            permit=permit.title_in(user.language or settings.LANGUAGE_CODE),
            number=permit.number,
            until=permit.valid_to.isoformat(),
        )
        sent["permit_expiring"] += note is not None
    return sent

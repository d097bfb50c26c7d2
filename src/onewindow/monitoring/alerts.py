"""The nightly alerts, one per configurable rule (`AlertRule`):

- residents: a permit that expires within the rule's days, a yearly endorsement that falls
  due within them;
- officers: reviews overdue (and due soon), through `applications.reminders`;
- supervisors: a digest of the possible overstays and of the review deadlines breached in
  their districts that they have not been told of yet.

Each alert is sent once: residents' and officers' notifications carry a dedupe key, and a
supervisor's digest records each permit or review it reported (`AlertSent`), so running the
job twice, or again after an interruption, sends nothing new.
"""

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from onewindow.accounts.models import Role, User
from onewindow.applications.events import notify, notify_many
from onewindow.applications.models import REVIEW_OPEN, Review, ReviewStatus
from onewindow.applications.reminders import reminders_send
from onewindow.permits.models import Permit
from onewindow.registry.models import PersonStatus
from onewindow.registry.selectors import visible_district_ids

from .models import AlertKind, AlertRule, AlertRun, AlertSent
from .refresh import ENDORSED_TYPES, renewed, years_before

PERMIT_EXPIRING = gettext_noop(
    "Your %(permit)s %(number)s expires on %(until)s. Apply to renew it in time."
)
ENDORSEMENT_DUE = gettext_noop(
    "Your %(permit)s %(number)s needs its yearly endorsement by %(due)s. "
    "Apply for the endorsement on OneWindow or at a service station."
)
# Counts stand after a colon, so that no language needs a plural form for them.
OVERSTAYS = gettext_noop(
    "New possible overstays in your districts (foreign nationals whose permit expired "
    "without renewal or departure): %(count)s. See Monitoring → Possible overstays."
)
BREACHES = gettext_noop(
    "Reviews in your districts newly past their deadline without a decision: %(count)s. "
    "See Monitoring → Deadline breaches."
)
CHUNK = 1000


def lapsed_permits(today: datetime.date, *, grace_days: int = 0) -> QuerySet[Permit]:
    """Foreign nationals' permits that expired (more than `grace_days` ago) without renewal,
    while the holder is still registered as living in the city: possible overstays."""
    return (
        Permit.objects.filter(
            status="valid",
            valid_to__lt=today - datetime.timedelta(days=grace_days),
            holder__status=PersonStatus.ACTIVE,
        )
        .exclude(holder__nationality="CN")
        .filter(~renewed(today))
    )


def _holders_with_accounts(permits: QuerySet[Permit]) -> QuerySet[Permit]:
    accounts = User.objects.filter(person_id=OuterRef("holder_id"), is_active=True)
    return permits.filter(Exists(accounts)).only(
        "uid", "number", "permit_type", "title_zh", "title_en", "valid_from", "valid_to",
        "endorsed_until", "holder_id",
    )  # fmt: skip


def _tell_holders(permits: QuerySet[Permit], *, kind: str, message: str, values: Any) -> int:
    """One notification per permit to its holder's account; `values(permit, language)` gives
    (dedupe key suffix, placeholders)."""
    sent = 0
    batch: list[Permit] = []

    def flush() -> int:
        users = {
            u.person_id: u
            for u in User.objects.filter(person_id__in=[p.holder_id for p in batch], is_active=True)
        }
        items = []
        for permit in batch:
            user = users.get(permit.holder_id)
            if user is None:
                continue
            key, params = values(permit, user.language or settings.LANGUAGE_CODE)
            items.append((user, f"{kind}:{permit.uid}:{key}", params))
        return notify_many(items, kind=kind, message=message)

    for permit in _holders_with_accounts(permits).order_by("pk").iterator(chunk_size=CHUNK):
        batch.append(permit)
        if len(batch) >= CHUNK:
            sent += flush()
            batch = []
    if batch:
        sent += flush()
    return sent


def permits_expiring(today: datetime.date, days: int) -> int:
    permits = Permit.objects.filter(
        status="valid",
        holder__status=PersonStatus.ACTIVE,
        valid_to__gte=today,
        valid_to__lte=today + datetime.timedelta(days=days),
    )

    def values(permit: Permit, language: str) -> tuple[str, dict[str, Any]]:
        until = permit.valid_to.isoformat()
        return until, {"permit": permit.title_in(language), "number": permit.number, "until": until}

    return _tell_holders(permits, kind="permit_expiring", message=PERMIT_EXPIRING, values=values)


def endorsement_due_date(permit: Permit) -> datetime.date:
    """The date by which the permit's use must next be endorsed: the end of the last
    endorsement, or a year after the permit started."""
    if permit.endorsed_until:
        return permit.endorsed_until
    return years_before(permit.valid_from, -1)


def endorsements_due(today: datetime.date, days: int) -> int:
    notice = today + datetime.timedelta(days=days)
    permits = Permit.objects.filter(
        Q(endorsed_until__isnull=True, valid_from__lte=years_before(notice, 1))
        | Q(endorsed_until__lte=notice),
        status="valid",
        holder__status=PersonStatus.ACTIVE,
        permit_type__in=ENDORSED_TYPES,
        valid_from__lte=today,
        valid_to__gte=today,
    )

    def values(permit: Permit, language: str) -> tuple[str, dict[str, Any]]:
        due = endorsement_due_date(permit).isoformat()
        return due, {"permit": permit.title_in(language), "number": permit.number, "due": due}

    return _tell_holders(permits, kind="endorsement_due", message=ENDORSEMENT_DUE, values=values)


def _digest(
    kind: str, subjects: QuerySet[Any], district_field: str, message: str, today: datetime.date
) -> int:
    """Tell each supervisor how many of `subjects` in their districts are new to them."""
    sent = 0
    supervisors = User.objects.filter(role=Role.SUPERVISOR, is_active=True).prefetch_related(
        "districts"
    )
    for supervisor in supervisors:
        districts = visible_district_ids(supervisor)
        told = AlertSent.objects.filter(kind=kind, recipient=supervisor, subject=OuterRef("pk"))
        new = list(
            subjects.filter(**{f"{district_field}__in": districts})
            .filter(~Exists(told))
            .values_list("pk", flat=True)
        )
        if not new:
            continue
        note = notify(
            user=supervisor,
            application=None,
            kind=kind,
            message=message,
            dedupe_key=f"{kind}:{today.isoformat()}:{len(new)}:{new[-1]}",
            count=len(new),
        )
        AlertSent.objects.bulk_create(
            [AlertSent(kind=kind, recipient=supervisor, subject=pk, sent_on=today) for pk in new],
            batch_size=CHUNK,
            ignore_conflicts=True,
        )
        sent += note is not None
    return sent


def overstays(today: datetime.date, days: int) -> int:
    return _digest(
        AlertKind.OVERSTAY,
        lapsed_permits(today, grace_days=days),
        "holder__current_district_id",
        OVERSTAYS,
        today,
    )


def deadline_breaches(today: datetime.date, days: int) -> int:
    breached = Review.objects.filter(
        status__in=REVIEW_OPEN, due_date__lt=today - datetime.timedelta(days=days)
    ).exclude(status=ReviewStatus.INFO_REQUESTED)
    return _digest(AlertKind.DEADLINE_BREACH, breached, "district_id", BREACHES, today)


def run_alerts(*, today: datetime.date | None = None) -> dict[str, int]:
    """Send every enabled rule's alerts for `today`; returns how many of each were sent."""
    today = today or timezone.localdate()
    rules = {r.kind: r for r in AlertRule.objects.filter(enabled=True)}
    run = AlertRun.objects.create(day=today, started_at=timezone.now())
    sent: dict[str, int] = {}
    steps = {
        AlertKind.PERMIT_EXPIRING: permits_expiring,
        AlertKind.ENDORSEMENT_DUE: endorsements_due,
        AlertKind.OVERSTAY: overstays,
        AlertKind.DEADLINE_BREACH: deadline_breaches,
    }
    for kind, step in steps.items():
        if kind in rules:
            with transaction.atomic():
                sent[kind.value] = step(today, rules[kind].days)
    if AlertKind.REVIEW_OVERDUE in rules:
        sent.update(
            reminders_send(today=today, overdue_after_days=rules[AlertKind.REVIEW_OVERDUE].days)
        )
    run.finished_at = timezone.now()
    run.sent = sent
    run.save(update_fields=["finished_at", "sent"])
    return sent

"""The yearly quota round of points-based hukou.

Open a round with a quota under the policy version in force; rank every application of the
type that is waiting for the round and whose assessment qualifies — by points, then the
policy's published tie-breakers, then the earlier submission, then the reference, so a re-run
on the same data gives the same list —; select within the quota; publish the list with
masked names and an objection window; answer objections (an upheld objection re-assesses the
application from the corrected registry and re-ranks the round); then decide: the selected
applications are approved and the others rejected, through the applications workflow.
"""

import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from onewindow.accounts.models import Role
from onewindow.applications import calendar
from onewindow.applications.definitions import application_types
from onewindow.applications.eligibility import policy_answers
from onewindow.applications.events import notify
from onewindow.applications.models import Application, Status
from onewindow.audit.services import audit_record
from onewindow.core.errors import ConflictError, DomainError
from onewindow.permits.signing import holder_masked_name

from .catalogue import in_force, loaded
from .models import Assessment, ObjectionStatus, QuotaRound, RoundEntry, RoundStatus
from .services import assess

POLICY_ID = "gz_points_hukou"
OBJECTION_WORKING_DAYS = 5
ROUND_MANAGERS = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR})

PUBLISHED = gettext_noop(
    "The %(year)s points-based hukou list is published: your application %(reference)s is "
    "ranked %(rank)s with %(points)s points and is %(outcome)s. You may object until %(until)s."
)
OBJECTION_ANSWERED = gettext_noop(
    "Your objection in the %(year)s points-based hukou round was %(outcome)s: %(answer)s"
)
NOT_SELECTED = gettext_noop("Not selected within the %(year)s quota (rank %(rank)s).")
SELECTED = gettext_noop("Selected within the %(year)s quota (rank %(rank)s).")


def _round_types() -> list[str]:
    return [
        code
        for code, spec in application_types().items()
        if spec.decided_by == "quota_round" and spec.eligibility.policy == POLICY_ID
    ]


def _manager(actor: Any) -> None:
    if getattr(actor, "role", None) not in ROUND_MANAGERS:
        raise DomainError("not_allowed", _("Only a supervisor or an administrator runs a round."))


def _locked(round_: QuotaRound, version: int) -> QuotaRound:
    locked = QuotaRound.objects.select_for_update().get(pk=round_.pk)
    if locked.version != version:
        raise ConflictError(
            "round_conflict", _("Someone else changed this round first; reload it and try again.")
        )
    return locked


def _bump(round_: QuotaRound, **fields: Any) -> None:
    fields["updated_at"] = timezone.now()
    QuotaRound.objects.filter(pk=round_.pk).update(version=F("version") + 1, **fields)
    round_.refresh_from_db()


def _audit(actor: Any, round_: QuotaRound, action: str, **details: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="quota_round",
        object_id=str(round_.uid),
        why="quota_round",
        details={"year": round_.year, **details},
    )


@transaction.atomic
def round_open(*, actor: Any, year: int, quota: int) -> QuotaRound:
    _manager(actor)
    if quota <= 0:
        raise DomainError("invalid_quota", _("The quota must be a positive number."))
    if QuotaRound.objects.filter(year=year).exists():
        raise DomainError("round_exists", _("There is already a round for %(year)s."), year=year)
    policy = in_force(POLICY_ID, timezone.localdate())
    round_ = QuotaRound.objects.create(
        year=year, quota=quota, policy_key=policy.policy.key, policy_digest=policy.digest
    )
    _audit(actor, round_, "round_open", quota=quota, policy=policy.policy.key)
    return round_


def _candidates(round_: QuotaRound) -> list[tuple[Application, Assessment]]:
    """Waiting applications and their latest assessment, if it is under this round's policy
    id and qualifies (two queries, whatever the number of applications)."""
    waiting = Application.objects.filter(
        type_code__in=_round_types(), status__in=[Status.IN_REVIEW, Status.INFO_REQUESTED]
    )
    apps = {a.pk: a for a in waiting.select_related("person")}
    latest: dict[int, Assessment] = {}
    for row in Assessment.objects.filter(
        application__in=waiting, policy_key__startswith=POLICY_ID
    ).order_by("-created_at", "-id"):
        latest.setdefault(row.application_id, row)
    return [(apps[pk], row) for pk, row in sorted(latest.items()) if row.qualifies]


def ranking_key(policy: Any, application: Application, assessment: Assessment) -> tuple[Any, ...]:
    """Points (more first), each tie-breaker in its published order, the earlier
    submission, the reference: a total order, so the list never depends on chance."""
    key: list[Any] = [-assessment.total]
    for tie in policy.tie_breakers:
        value = float(assessment.facts.get(tie.fact, 0) or 0)
        key.append(-value if tie.order == "desc" else value)
    key.append(application.submitted_at or timezone.now())
    key.append(application.reference)
    return tuple(key)


def _rank(round_: QuotaRound) -> int:
    policy = loaded(round_.policy_key).policy
    candidates = _candidates(round_)
    candidates.sort(key=lambda pair: ranking_key(policy, *pair))
    objections = {
        e.application_id: (e.objection, e.objection_status, e.objection_answer)
        for e in round_.entries.all()
    }
    round_.entries.all().delete()
    RoundEntry.objects.bulk_create(
        RoundEntry(
            round=round_,
            application=application,
            assessment=assessment,
            rank=rank,
            total=assessment.total,
            tie_values=[assessment.facts.get(t.fact) for t in policy.tie_breakers],
            selected=rank <= round_.quota,
            masked_name=holder_masked_name(application.person) if application.person else "*",
            objection=objections.get(application.pk, ("", "", ""))[0],
            objection_status=objections.get(application.pk, ("", "", ""))[1],
            objection_answer=objections.get(application.pk, ("", "", ""))[2],
        )
        for rank, (application, assessment) in enumerate(candidates, start=1)
    )
    return len(candidates)


@transaction.atomic
def round_rank(*, actor: Any, round_: QuotaRound, version: int) -> QuotaRound:
    """Rank (or rank again) before the list is published."""
    _manager(actor)
    locked = _locked(round_, version)
    if locked.status not in (RoundStatus.OPEN, RoundStatus.RANKED):
        raise DomainError(
            "round_published", _("The list is published; it can no longer be re-ranked.")
        )
    ranked = _rank(locked)
    _bump(locked, status=RoundStatus.RANKED, ranked_at=timezone.now())
    _audit(actor, locked, "round_rank", ranked=ranked)
    return locked


def _outcome(entry: RoundEntry) -> str:
    return gettext_noop("selected") if entry.selected else gettext_noop("not selected")


@transaction.atomic
def round_publish(*, actor: Any, round_: QuotaRound, version: int) -> QuotaRound:
    """Publish the list and open the objection window; tell every applicant their place."""
    _manager(actor)
    locked = _locked(round_, version)
    if locked.status != RoundStatus.RANKED:
        raise DomainError("not_ranked", _("Rank the round before publishing it."))
    until = calendar.add_working_days(timezone.localdate(), OBJECTION_WORKING_DAYS)
    _bump(locked, status=RoundStatus.PUBLISHED, published_at=timezone.now(), objections_until=until)
    for entry in locked.entries.select_related("application__applicant"):
        _tell(entry, PUBLISHED, until=until.isoformat())
    _audit(actor, locked, "round_publish", objections_until=until.isoformat())
    return locked


def _tell(entry: RoundEntry, message: str, **params: Any) -> None:
    user = entry.application.applicant
    with translation.override(user.language or "zh-hans"):
        outcome = str(translation.gettext(_outcome(entry)))
    notify(
        user=user,
        application=entry.application,
        kind="quota_round",
        message=message,
        year=entry.round.year,
        rank=entry.rank,
        points=f"{entry.total:g}",
        outcome=outcome,
        **params,
    )


@transaction.atomic
def entry_object(*, actor: Any, entry: RoundEntry, text: str) -> RoundEntry:
    """The applicant objects to their place or points, within the window."""
    entry = (
        RoundEntry.objects.select_for_update()
        .select_related("round", "application")
        .get(pk=entry.pk)
    )
    if entry.application.applicant_id != actor.pk:
        raise DomainError("not_yours", _("This is not your application."))
    text = text.strip()
    if not text:
        raise DomainError("objection_required", _("Say what you object to."))
    today = timezone.localdate()
    if entry.round.status != RoundStatus.PUBLISHED or (
        entry.round.objections_until and today > entry.round.objections_until
    ):
        raise DomainError("window_closed", _("The objection window is closed."))
    if entry.objection_status:
        raise DomainError("already_objected", _("You have already objected in this round."))
    RoundEntry.objects.filter(pk=entry.pk).update(
        objection=text[:4000], objection_status=ObjectionStatus.FILED
    )
    entry.refresh_from_db()
    _audit(actor, entry.round, "round_objection", application=str(entry.application.uid))
    return entry


@transaction.atomic
def entry_resolve(*, actor: Any, entry: RoundEntry, upheld: bool, answer: str) -> RoundEntry:
    """Answer an objection. Upheld: the application is assessed again (from the registry as
    corrected and its answers) and the round ranked again, the list updated."""
    _manager(actor)
    entry = (
        RoundEntry.objects.select_for_update()
        .select_related("round", "application")
        .get(pk=entry.pk)
    )
    answer = answer.strip()
    if not answer:
        raise DomainError("answer_required", _("Write the answer to the objection."))
    if entry.objection_status != ObjectionStatus.FILED:
        raise DomainError("no_objection", _("There is no open objection here."))
    status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    RoundEntry.objects.filter(pk=entry.pk).update(objection_status=status, objection_answer=answer)
    round_ = entry.round
    application = entry.application
    if upheld:
        spec = application_types()[application.type_code]
        assess(
            actor=actor,
            application=application,
            policy_id=POLICY_ID,
            answers=policy_answers(spec, application.data, timezone.localdate()),
        )
        _rank(round_)
        _bump(round_, ranked_at=timezone.now())
    # Re-assessed, the application may have dropped out of the ranking altogether.
    entry = (
        RoundEntry.objects.select_related("round", "application")
        .filter(round=round_, application=application)
        .first()
        or entry
    )
    notify(
        user=application.applicant,
        application=application,
        kind="quota_round",
        message=OBJECTION_ANSWERED,
        year=round_.year,
        outcome=str(status.label).lower(),
        answer=answer,
    )
    _audit(actor, round_, "round_objection_answered", upheld=upheld)
    return entry


@transaction.atomic
def round_finalise(
    *, actor: Any, round_: QuotaRound, version: int, today: datetime.date | None = None
) -> QuotaRound:
    """After the window, with every objection answered: approve the selected, reject the
    others, each with the reason in their language."""
    from onewindow.applications.services import application_decide_by_round

    _manager(actor)
    locked = _locked(round_, version)
    today = today or timezone.localdate()
    if locked.status != RoundStatus.PUBLISHED:
        raise DomainError("not_published", _("Publish the list before deciding."))
    if locked.objections_until and today <= locked.objections_until:
        raise DomainError(
            "window_open",
            _("Objections are open until %(until)s."),
            until=locked.objections_until.isoformat(),
        )
    if locked.entries.filter(objection_status=ObjectionStatus.FILED).exists():
        raise DomainError("objections_open", _("Answer every objection before deciding."))
    for entry in locked.entries.select_related("application__applicant").order_by("rank"):
        with translation.override(entry.application.applicant.language or "zh-hans"):
            reason = translation.gettext(SELECTED if entry.selected else NOT_SELECTED) % {
                "year": locked.year,
                "rank": entry.rank,
            }
        application_decide_by_round(
            actor=actor, application=entry.application, approved=entry.selected, reason=reason
        )
    _bump(locked, status=RoundStatus.FINAL, finalised_at=timezone.now())
    _audit(actor, locked, "round_finalise", selected=locked.entries.filter(selected=True).count())
    return locked

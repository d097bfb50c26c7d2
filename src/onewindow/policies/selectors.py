"""Reads for other apps' pages: an application's latest assessment, in words."""

from dataclasses import dataclass
from typing import Any

from .catalogue import catalogue
from .models import Assessment, RoundEntry, RoundStatus
from .schema import Item, Policy


@dataclass(frozen=True)
class AssessmentView:
    row: Assessment
    policy: Policy | None  # None if the pinned version is no longer shipped
    items: list[tuple[Item | None, str, float]]  # (item, code, points)
    changed_since: bool  # the file of that version changed after the assessment

    @property
    def class_label(self) -> str:
        if self.policy is None:
            return self.row.klass
        rule = next((c for c in self.policy.classes if c.code == self.row.klass), None)
        return str(rule.label) if rule else ""


def latest_assessment(application: Any) -> AssessmentView | None:
    """The assessment made at submission (the latest), with the pinned version's labels."""
    row = Assessment.objects.filter(application=application).order_by("-created_at", "-id").first()
    if row is None:
        return None
    loaded = catalogue().get(row.policy_key)
    policy = loaded.policy if loaded else None
    by_code = {i.code: i for i in policy.items} if policy else {}
    items = [(by_code.get(i["code"]), i["code"], i["points"]) for i in row.result.get("items", [])]
    return AssessmentView(
        row=row,
        policy=policy,
        items=items,
        changed_since=loaded is not None and loaded.digest != row.policy_digest,
    )


def entry_of(application: Any) -> RoundEntry | None:
    """The application's place in a published (or final) round, for its page."""
    return (
        RoundEntry.objects.filter(
            application=application,
            round__status__in=[RoundStatus.PUBLISHED, RoundStatus.FINAL],
        )
        .select_related("round")
        .first()
    )


def round_context(application: Any) -> dict[str, Any]:
    """The application's place in a published round and, while the window is open and the
    applicant has not objected yet, the objection form."""
    from django.utils import timezone

    from .forms import ObjectionForm

    entry = entry_of(application)
    if entry is None:
        return {}
    context: dict[str, Any] = {"round_entry": entry}
    until = entry.round.objections_until
    if (
        entry.round.status == RoundStatus.PUBLISHED
        and not entry.objection_status
        and until is not None
        and timezone.localdate() <= until
    ):
        context["objection_form"] = ObjectionForm()
    return context

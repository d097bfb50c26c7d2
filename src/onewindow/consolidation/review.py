"""Clerical review: an officer settles a doubtful pair (same person, or not) and undoes a wrong
merge. Each decision is one transaction with its audit row; a record moved between persons
takes the identity documents only it brought, and both persons' golden records are rebuilt."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.audit.services import audit_record
from onewindow.core.errors import ConflictError, DomainError
from onewindow.registry.models import IdentityDocument, Person, PersonStatus

from .golden import REGISTRY, can_start_person, survive
from .linking import (
    candidates_of,
    create_persons,
    linked_rows,
    refresh_persons,
    source_trust,
    staged_rows,
)
from .models import GoldenRecord, LinkHow, Origin, PairStatus, RecordLink, ReviewPair, StagedRecord


def _audit(actor: Any, action: str, person: Person, details: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="person",
        object_id=str(person.uid),
        why="linkage_review",
        details=details,
    )


def _carry_documents(record: StagedRecord, old: Person, new: Person) -> None:
    """Move to `new` the ID and passport documents of `old` that only `record` vouched for."""
    golden = GoldenRecord.objects.filter(pk=old.pk).first()
    others = [r for r in linked_rows([old.pk]).get(old.pk, []) if r["id"] != record.pk]
    for field, number in (
        ("resident_id", record.resident_id),
        ("passport_number", record.passport_number),
    ):
        if not number or any(r.get(field) == number for r in others):
            continue
        if golden and golden.provenance.get(field) == REGISTRY:
            continue
        IdentityDocument.objects.filter(person=old, number=number).update(person=new)


def _move(record: StagedRecord, target: Person, how: str) -> Person | None:
    """Link `record` to `target`; returns the person it left (None if it was held)."""
    link = RecordLink.objects.select_for_update().filter(record=record).first()
    now = timezone.now()
    if link is None:
        RecordLink.objects.create(record=record, person=target, how=how, linked_at=now)
        refresh_persons([target.pk], now)
        return None
    old = link.person
    _carry_documents(record, old, target)
    link.previous_person, link.person, link.how = old, target, how
    link.probability, link.linked_at = None, now
    link.save()
    refresh_persons([old.pk, target.pk], now)
    return old


@transaction.atomic
def decide(*, actor: Any, pair: ReviewPair, decision: str) -> ReviewPair:
    """Settle a pending pair: "link" (the record belongs to the person) or "not_match"."""
    pair = ReviewPair.objects.select_for_update().select_related("person", "record").get(pk=pair.pk)
    if pair.status != PairStatus.PENDING:
        raise ConflictError("pair_decided", _("Someone has already settled this pair."))
    if pair.person.status == PersonStatus.MERGED:
        raise ConflictError(
            "pair_person_merged", _("That person has since been merged into another record.")
        )
    if decision == "link":
        left = _move(pair.record, pair.person, LinkHow.CLERICAL)
        pair.status = PairStatus.LINKED
        details = {"pair": str(pair.uid), "from": str(left.uid) if left else ""}
        _audit(actor, "linkage_link", pair.person, details)
    elif decision == "not_match":
        pair.status = PairStatus.NOT_MATCH
        _audit(actor, "linkage_not_match", pair.person, {"pair": str(pair.uid)})
    else:
        raise DomainError("decision", _("Choose whether they are the same person."))
    pair.decided_by, pair.decided_at = actor, timezone.now()
    pair.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return pair


@transaction.atomic
def unmerge(*, actor: Any, person: Person, record_id: int) -> Person:
    """Split one source record off `person`: back into the person it belonged to before an
    officer linked it here (made active again if the link had emptied it), else into a new
    person of its own. The pair is
    remembered as not the same person, so no later run links them again."""
    link = (
        RecordLink.objects.select_for_update(of=("self",))
        .select_related("previous_person", "record")
        .filter(person=person, record_id=record_id)
        .first()
    )
    if link is None:
        raise Http404
    golden = GoldenRecord.objects.get(pk=person.pk)
    if (
        golden.origin == Origin.LINKAGE
        and not RecordLink.objects.filter(~Q(record_id=record_id), person=person).exists()
    ):
        raise DomainError(
            "only_record", _("This is the person's only record; there is nothing to split off.")
        )
    previous = link.previous_person
    if previous is not None:
        if previous.status == PersonStatus.MERGED:
            Person.objects.filter(pk=previous.pk).update(status=PersonStatus.ACTIVE)
        target = previous
    else:
        rows = staged_rows([record_id])
        winners = survive(candidates_of(rows, source_trust()))
        if not can_start_person(winners):
            raise DomainError(
                "cannot_start",
                _(
                    "This record alone does not say enough to make a person (a name, a birth "
                    "date and a nationality are needed)."
                ),
            )
        from onewindow.geo.models import District

        districts = dict(District.objects.values_list("code", "id"))
        [new_id] = create_persons([(rows, winners)], districts)
        target = Person.objects.get(pk=new_id)
    _move(link.record, target, LinkHow.UNMERGED)
    ReviewPair.objects.update_or_create(
        record_id=record_id,
        person=person,
        defaults={
            "status": PairStatus.NOT_MATCH,
            "decided_by": actor,
            "decided_at": timezone.now(),
        },
    )
    _audit(actor, "linkage_unmerge", person, {"into": str(target.uid)})
    target.refresh_from_db()
    return target

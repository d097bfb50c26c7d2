"""Reads of permits, scoped to what the acting user may see.

A permit is visible to its holder (the resident user linked to the person), to the applicant
of the application that produced it, and to officers, supervisors and administrators who may
see the holder (`registry.selectors` scoping: their districts; administrators: everyone).
Station staff, analysts and everyone else see no permit: outside your scope it does not exist
(404). Every read of a permit — it carries a person's name — writes an audit row.
"""

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from onewindow.accounts.models import Role
from onewindow.accounts.selectors import staff_verified
from onewindow.audit.services import audit_record
from onewindow.registry.selectors import visible_district_ids

from .models import Permit

STAFF_WHO_SEE_PERMITS = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR})


def permits_visible_to(user: Any) -> QuerySet[Permit]:
    if not staff_verified(user):
        return Permit.objects.none()
    scope = Q(application__applicant_id=user.pk)
    if user.person_id:
        scope |= Q(holder_id=user.person_id)
    if user.role in STAFF_WHO_SEE_PERMITS:
        districts = visible_district_ids(user)
        if districts is None:
            return Permit.objects.all()
        scope |= Q(holder__current_district_id__in=districts)
    return Permit.objects.filter(scope)


def permit_get(*, user: Any, uid: Any, why: str) -> Permit:
    """One permit with its holder, if `user` may see it (else 404); the read is audited."""
    try:
        permit = permits_visible_to(user).select_related("holder").get(uid=uid)
    except (Permit.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    with transaction.atomic():
        audit_record(
            actor=user,
            action="read",
            object_type="permit",
            object_id=str(permit.uid),
            why=why,
        )
    return permit


def permits_of_holder(*, user: Any) -> QuerySet[Permit]:
    """A resident's own permits, newest first (for a list on their page)."""
    if not staff_verified(user) or not user.person_id:
        return Permit.objects.none()
    return Permit.objects.filter(holder_id=user.person_id).order_by("-valid_to", "-id")


def permit_manageable(user: Any, permit: Permit) -> bool:
    """Who may renew or revoke a permit they can see: an administrator; an officer or
    supervisor of an agency that reviewed the application that issued it. A permit imported
    from an agency's records (no application) is changed by supervisors and administrators."""
    if user.role == Role.ADMINISTRATOR:
        return True
    if user.role not in (Role.OFFICER, Role.SUPERVISOR):
        return False
    if permit.application_id is None:
        return user.role == Role.SUPERVISOR
    return permit.application.reviews.filter(agency_id=user.agency_id).exists()


def permit_for_change(*, user: Any, uid: Any) -> Permit:
    """The permit `user` is about to renew or revoke; 404 unless they may (the read is
    audited like any other)."""
    permit = permit_get(user=user, uid=uid, why="permit_change")
    if not permit_manageable(user, permit):
        raise Http404
    return permit

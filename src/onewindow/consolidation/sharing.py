"""Sharing the registry with agencies under purpose limits.

A data share names the agency, the purpose, the person fields it may read and the sources
it may push. Its token authenticates `/api/share/...`; a request for a field outside the
share is refused (403) before anything is read; every read and every refusal is audited
with the share, the purpose and the fields — never the values.
"""

import datetime
import secrets
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.accounts.models import Agency
from onewindow.accounts.services import token_digest
from onewindow.audit.services import audit_record
from onewindow.core.errors import DomainError
from onewindow.registry.models import DocumentType, IdentityDocument, Person, PersonStatus

from .mappings import mappings
from .models import DataShare

# What a share may name, and how each is read from a person (with its documents).
SHAREABLE = (
    "zh_name",
    "latin_name",
    "sex",
    "birth_date",
    "nationality",
    "hukou_place",
    "district",
    "resident_id",
    "passport_number",
    "status",
)
PURPOSES = (
    "social_insurance_administration",
    "exit_entry_administration",
    "school_enrolment",
    "public_services",
    "statistics",
)
USE_RESOLUTION = datetime.timedelta(minutes=5)


class OutsideScope(DomainError):
    status = 403


@transaction.atomic
def share_grant(
    *, actor: Any, agency: str, purpose: str, fields: list[str], sources: list[str] = ()
) -> tuple[DataShare, str]:
    """Create a share; returns it and its token (shown once)."""
    unknown = sorted(set(fields) - set(SHAREABLE))
    if unknown or not fields:
        raise DomainError(
            "unknown_fields",
            _("Fields that cannot be shared: %(fields)s"),
            fields=", ".join(unknown),
        )
    if purpose not in PURPOSES:
        raise DomainError("unknown_purpose", _("Unknown purpose: %(purpose)s"), purpose=purpose)
    bad = sorted(set(sources) - set(mappings()))
    if bad:
        raise DomainError("unknown_source", _("Unknown source: %(source)s"), source=", ".join(bad))
    try:
        agency_row = Agency.objects.get(code=agency)
    except Agency.DoesNotExist:
        raise DomainError(
            "unknown_agency", _("Unknown agency: %(agency)s"), agency=agency
        ) from None
    token = "ows_" + secrets.token_urlsafe(32)
    share = DataShare.objects.create(
        agency=agency_row,
        purpose=purpose,
        fields=[f for f in SHAREABLE if f in fields],
        sources=sorted(set(sources)),
        digest=token_digest(token),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="share_grant",
        object_type="data_share",
        object_id=str(share.uid),
        why="data_sharing",
        details={
            "agency": agency,
            "purpose": purpose,
            "fields": share.fields,
            "sources": share.sources,
        },
    )
    return share, token


@transaction.atomic
def share_revoke(*, actor: Any, share: DataShare) -> None:
    DataShare.objects.filter(pk=share.pk).update(revoked_at=timezone.now())
    audit_record(
        actor=actor,
        action="share_revoke",
        object_type="data_share",
        object_id=str(share.uid),
        why="data_sharing",
    )


def share_for_token(token: str) -> DataShare | None:
    share = (
        DataShare.objects.select_related("agency")
        .filter(digest=token_digest(token), revoked_at__isnull=True)
        .first()
    )
    if share is not None:
        now = timezone.now()
        if share.last_used_at is None or now - share.last_used_at > USE_RESOLUTION:
            DataShare.objects.filter(pk=share.pk).update(last_used_at=now)
    return share


def _wanted(share: DataShare, requested: list[str] | None) -> list[str]:
    """The fields to return: those asked for (all the share's if none), refused if any is
    outside the share."""
    wanted = requested or list(share.fields)
    outside = sorted(set(wanted) - set(share.fields))
    if outside:
        with transaction.atomic():
            audit_record(
                actor=None,
                action="share_refused",
                object_type="data_share",
                object_id=str(share.uid),
                why=share.purpose,
                details={"outside": outside, "agency": share.agency.code},
            )
        raise OutsideScope(
            "outside_scope",
            _("This share may not read: %(fields)s"),
            fields=", ".join(outside),
        )
    return wanted


def _documents(person: Person) -> dict[str, str]:
    numbers: dict[str, str] = {}
    for doc in person.documents.all():
        if doc.doc_type == DocumentType.RESIDENT_ID:
            numbers.setdefault("resident_id", doc.number)
        elif doc.doc_type == DocumentType.PASSPORT:
            numbers.setdefault("passport_number", doc.number)
    return numbers


def _values(person: Person, fields: list[str]) -> dict[str, Any]:
    docs = _documents(person) if {"resident_id", "passport_number"} & set(fields) else {}
    every = {
        "zh_name": person.zh_name,
        "latin_name": f"{person.latin_family_name} {person.latin_given_name}".strip(),
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat(),
        "nationality": person.nationality,
        "hukou_place": person.hukou_place,
        "district": person.current_district.code if person.current_district else "",
        "resident_id": docs.get("resident_id", ""),
        "passport_number": docs.get("passport_number", ""),
        "status": person.status,
    }
    return {f: every[f] for f in fields}


def _persons() -> Any:
    """Golden records: a record merged into another is not shared (its survivor is)."""
    return (
        Person.objects.exclude(status=PersonStatus.MERGED)
        .select_related("current_district")
        .prefetch_related("documents")
    )


@transaction.atomic
def _read(share: DataShare, person: Person, fields: list[str], how: str) -> dict[str, Any]:
    audit_record(
        actor=None,
        action="share_read",
        object_type="person",
        object_id=str(person.uid),
        why=share.purpose,
        details={"share": str(share.uid), "agency": share.agency.code, "fields": fields, "by": how},
    )
    return {"uid": str(person.uid), "fields": _values(person, fields)}


def shared_person(*, share: DataShare, uid: Any, fields: list[str] | None) -> dict[str, Any]:
    wanted = _wanted(share, fields)
    try:
        person = _persons().get(uid=uid)
    except (Person.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    return _read(share, person, wanted, "uid")


def shared_lookup(
    *, share: DataShare, resident_id: str = "", passport_number: str = "", fields: list[str] | None
) -> dict[str, Any]:
    """Find a person by an identifier the agency already holds (sent in a POST body)."""
    wanted = _wanted(share, fields)
    kind, number = (
        (DocumentType.RESIDENT_ID, resident_id.strip().upper())
        if resident_id
        else (DocumentType.PASSPORT, passport_number.strip().upper())
    )
    if not number:
        raise DomainError("identifier_required", _("Give a resident ID or a passport number."))
    doc = IdentityDocument.objects.filter(doc_type=kind, number=number).first()
    if doc is None:
        raise Http404
    person = _persons().get(pk=doc.person_id)
    return _read(share, person, wanted, "identifier")

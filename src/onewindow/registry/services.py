"""Writes to the registry. Each use case is one transaction that also writes its audit row."""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from onewindow.audit.services import audit_record
from onewindow.core.errors import ConflictError, DomainError
from onewindow.geo.models import Community, District

from . import validators
from .events import person_event
from .models import (
    RECIPROCAL,
    DocumentType,
    Education,
    Employer,
    Employment,
    FamilyLink,
    IdentityDocument,
    InsurancePeriod,
    NameKey,
    Person,
    PersonStatus,
    Relation,
    ResidenceRegistration,
)
from .names import normalize_document_number, person_keys, pinyin_and_latin


def name_fields(person: Person) -> dict[str, str]:
    """The fields a person's search and linkage name keys are made from."""
    return {
        "family_name": person.family_name,
        "given_name": person.given_name,
        "latin_family_name": person.latin_family_name,
        "latin_given_name": person.latin_given_name,
        "zh_name": person.zh_name,
    }


def write_name_keys(person: Person) -> None:
    """Replace the person's name keys with those of their current names and district."""
    NameKey.objects.filter(person=person).delete()
    NameKey.objects.bulk_create(
        NameKey(person=person, key=k, district_id=person.current_district_id)
        for k in sorted(person_keys(**name_fields(person)))
    )


@transaction.atomic
def person_create(
    *,
    actor: Any,
    sex: str,
    birth_date: datetime.date,
    nationality: str,
    family_name: str = "",
    given_name: str = "",
    latin_family_name: str = "",
    latin_given_name: str = "",
    zh_name: str = "",
    hukou_place: str = "",
    why: str = "registration",
) -> Person:
    """Register a person. A Chinese citizen needs a hukou place; pinyin is derived."""
    nationality = nationality.upper()
    if not (family_name or given_name or latin_family_name or zh_name):
        raise DomainError("name_required", _("A person needs a name."))
    if birth_date > datetime.date.today():
        raise DomainError("birth_date_future", _("The birth date is in the future."))
    if nationality == "CN" and not (len(hukou_place) == 6 and hukou_place.isdigit()):
        raise DomainError(
            "hukou_required", _("A Chinese citizen needs a hukou place (a six-digit code).")
        )
    person = Person(
        family_name=family_name.strip(),
        given_name=given_name.strip(),
        latin_family_name=latin_family_name.strip(),
        latin_given_name=latin_given_name.strip(),
        zh_name=zh_name.strip(),
        sex=sex,
        birth_date=birth_date,
        nationality=nationality,
        hukou_place=hukou_place if nationality == "CN" else "",
        hukou_province=hukou_place[:2] if nationality == "CN" else "",
    )
    person.pinyin, (person.latin_family_name, person.latin_given_name) = pinyin_and_latin(
        person.zh_name, nationality, (person.latin_family_name, person.latin_given_name)
    )
    person.full_clean()
    person.save()
    write_name_keys(person)
    person_event(actor=actor, person=person, action="create", why=why)
    return person


def _locked(person: Person, version: int | None = None) -> Person:
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if version is not None and locked.version != version:
        raise ConflictError(
            "conflict", _("Someone else changed this record. Reload it and try again.")
        )
    return locked


@transaction.atomic
def person_set_status(*, actor: Any, person: Person, status: str, version: int, why: str) -> Person:
    """Change a person's status (persons are never deleted). Optimistic: `version` must match."""
    locked = _locked(person, version)
    if status not in PersonStatus.values:
        raise DomainError("status_invalid", _("Unknown status."))
    Person.objects.filter(pk=locked.pk).update(status=status, version=F("version") + 1)
    person_event(actor=actor, person=locked, action="status", why=why, details={"status": status})
    locked.refresh_from_db()
    return locked


@transaction.atomic
def document_add(
    *,
    actor: Any,
    person: Person,
    doc_type: str,
    number: str,
    issuing_country: str,
    issue_date: datetime.date | None = None,
    expiry_date: datetime.date | None = None,
    mrz: str = "",
) -> IdentityDocument:
    """Record an identity document, validating its number (and a passport's MRZ)."""
    _locked(person)
    number = normalize_document_number(number)
    if doc_type == DocumentType.RESIDENT_ID:
        number = validators.validate_resident_id(number)
        if number[6:14] != person.birth_date.strftime("%Y%m%d"):
            raise DomainError(
                "id_birth_date", _("The ID number does not match the person's birth date.")
            )
    if doc_type == DocumentType.PASSPORT and mrz:
        lines = [line for line in mrz.splitlines() if line.strip()]
        if len(lines) != 2:
            raise DomainError(
                "mrz_format", _("A passport's MRZ is two lines of 44 letters, digits or '<'.")
            )
        parsed = validators.parse_td3(lines[0], lines[1])
        if parsed.number != number:
            raise DomainError(
                "mrz_number", _("The passport number does not match the one in the MRZ.")
            )
        mrz = "\n".join(line.strip().upper() for line in lines)
    if expiry_date and issue_date and expiry_date < issue_date:
        raise DomainError("expiry_before_issue", _("The expiry date is before the issue date."))
    try:
        with transaction.atomic():
            doc = IdentityDocument.objects.create(
                person=person,
                doc_type=doc_type,
                number=number,
                issuing_country=issuing_country.upper(),
                issue_date=issue_date,
                expiry_date=expiry_date,
                mrz=mrz,
            )
    except IntegrityError as exc:
        raise DomainError(
            "document_exists", _("This document is already registered to a person.")
        ) from exc
    person_event(
        actor=actor,
        person=person,
        action="document_add",
        why="registration",
        details={"doc_type": doc_type},
    )
    return doc


@transaction.atomic
def residence_register(
    *,
    actor: Any,
    person: Person,
    address: str,
    district: District,
    valid_from: datetime.date,
    community: Community | None = None,
) -> ResidenceRegistration:
    """Register a new residence from `valid_from`; the open one before it ends the day before.

    Periods never overlap: a registration that starts on or after `valid_from` is a conflict.
    """
    locked = _locked(person)
    if community is not None and community.subdistrict.district_id != district.pk:
        raise DomainError("community_district", _("The community is not in that district."))
    later = ResidenceRegistration.objects.filter(person=locked).filter(
        Q(valid_from__gte=valid_from) | Q(valid_to__gte=valid_from) | Q(valid_to__isnull=True)
    )
    open_before = later.filter(valid_to__isnull=True, valid_from__lt=valid_from)
    if later.exclude(pk__in=open_before.values("pk")).exists():
        raise DomainError(
            "residence_overlap",
            _("This period overlaps a residence registration that is already recorded."),
        )
    open_before.update(valid_to=valid_from - datetime.timedelta(days=1))
    registration = ResidenceRegistration(
        person=locked,
        address=address,
        district=district,
        community=community,
        valid_from=valid_from,
    )
    registration.full_clean()
    registration.save()
    Person.objects.filter(pk=locked.pk).update(current_district=district, version=F("version") + 1)
    NameKey.objects.filter(person=locked).update(district_id=district.pk)
    person_event(
        actor=actor,
        person=locked,
        action="residence_register",
        why="registration",
        details={"district": district.code},
    )
    return registration


@transaction.atomic
def residence_end(
    *, actor: Any, registration: ResidenceRegistration, valid_to: datetime.date
) -> ResidenceRegistration:
    """Close an open registration (the person moved out of the city)."""
    locked = _locked(registration.person)
    if registration.valid_to is not None or valid_to < registration.valid_from:
        raise DomainError("residence_end_invalid", _("This registration cannot end on that date."))
    ResidenceRegistration.objects.filter(pk=registration.pk).update(valid_to=valid_to)
    Person.objects.filter(pk=locked.pk).update(current_district=None, version=F("version") + 1)
    NameKey.objects.filter(person=locked).update(district_id=None)
    person_event(actor=actor, person=locked, action="residence_end", why="registration")
    registration.refresh_from_db()
    return registration


@transaction.atomic
def employer_register(
    *, actor: Any, name: str, uscc: str, district: District | None = None
) -> Employer:
    """Register an employer under its unified social credit code (validated)."""
    code = validators.validate_uscc(uscc)
    employer, created = Employer.objects.get_or_create(
        uscc=code, defaults={"name": name, "district": district}
    )
    if not created:
        raise DomainError("employer_exists", _("An employer with this code is already registered."))
    audit_record(
        actor=actor,
        action="create",
        object_type="employer",
        object_id=str(employer.uid),
        why="registration",
    )
    return employer


def _check_period(start: datetime.date, end: datetime.date | None) -> None:
    if end is not None and end < start:
        raise DomainError("period_reversed", _("The end date is before the start date."))


@transaction.atomic
def employment_add(
    *,
    actor: Any,
    person: Person,
    employer: Employer,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    position: str = "",
) -> Employment:
    _check_period(start_date, end_date)
    _locked(person)
    job = Employment.objects.create(
        person=person,
        employer=employer,
        start_date=start_date,
        end_date=end_date,
        position=position,
    )
    person_event(actor=actor, person=person, action="employment_add", why="registration")
    return job


@transaction.atomic
def education_add(
    *,
    actor: Any,
    person: Person,
    level: str,
    institution: str = "",
    country: str = "",
    completed_year: int | None = None,
) -> Education:
    _locked(person)
    education = Education(
        person=person,
        level=level,
        institution=institution,
        country=country.upper(),
        completed_year=completed_year,
    )
    education.full_clean()
    education.save()
    person_event(actor=actor, person=person, action="education_add", why="registration")
    return education


@transaction.atomic
def insurance_period_add(
    *,
    actor: Any,
    person: Person,
    insurance_type: str,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
) -> InsurancePeriod:
    """Record a social-insurance period; periods of one type never overlap."""
    _check_period(start_date, end_date)
    locked = _locked(person)
    overlapping = InsurancePeriod.objects.filter(
        person=locked, insurance_type=insurance_type
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=start_date))
    if end_date is not None:
        overlapping = overlapping.filter(start_date__lte=end_date)
    if overlapping.exists():
        raise DomainError(
            "insurance_overlap", _("This period overlaps an insurance period of the same type.")
        )
    period = InsurancePeriod(
        person=locked, insurance_type=insurance_type, start_date=start_date, end_date=end_date
    )
    period.full_clean()
    period.save()
    person_event(actor=actor, person=locked, action="insurance_add", why="registration")
    return period


@transaction.atomic
def family_link_add(*, actor: Any, person: Person, relative: Person, relation: str) -> FamilyLink:
    """Link two persons; the reciprocal link (child ↔ parent, spouse ↔ spouse) is added too."""
    if person.pk == relative.pk:
        raise DomainError("family_self", _("A person cannot be their own relative."))
    _locked(person)
    _locked(relative)
    if FamilyLink.objects.filter(person=person, relative=relative).exists():
        raise DomainError("family_exists", _("These two persons are already linked."))
    if relation not in Relation.values:
        raise DomainError("relation_invalid", _("Unknown family relation."))
    rel = Relation(relation)
    link = FamilyLink.objects.create(person=person, relative=relative, relation=rel)
    FamilyLink.objects.create(person=relative, relative=person, relation=RECIPROCAL[rel])
    person_event(
        actor=actor,
        person=person,
        action="family_add",
        why="registration",
        details={"relation": rel.value},
    )
    return link

"""API: search persons and read a person's record, with the pages' scoping and audit."""

import datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema

from .models import Person
from .selectors import can_see_full_numbers, mask_number, person_get, person_search

router = Router(tags=["registry"])


class SearchIn(Schema):
    q: str = Field(
        ..., min_length=1, max_length=100, description="Name in any script, or a document number"
    )
    page: int = Field(1, ge=1, le=9999)


class DocumentOut(Schema):
    doc_type: str
    number: str
    issuing_country: str
    issue_date: datetime.date | None
    expiry_date: datetime.date | None


class PersonSummaryOut(Schema):
    uid: UUID
    display_name: str
    zh_name: str
    latin_name: str
    sex: str
    birth_date: datetime.date
    nationality: str
    district: str | None
    documents: list[DocumentOut]


class SearchOut(Schema):
    page: int
    has_next: bool
    results: list[PersonSummaryOut]


class ResidenceOut(Schema):
    address: str
    district: str
    community: str | None
    valid_from: datetime.date
    valid_to: datetime.date | None


class EmploymentOut(Schema):
    employer: str
    uscc: str
    position: str
    start_date: datetime.date
    end_date: datetime.date | None


class EducationOut(Schema):
    level: str
    institution: str
    country: str
    completed_year: int | None


class InsuranceOut(Schema):
    insurance_type: str
    start_date: datetime.date
    end_date: datetime.date | None


class FamilyOut(Schema):
    relation: str
    relative_uid: UUID
    relative_name: str


class PersonOut(PersonSummaryOut):
    family_name: str
    given_name: str
    latin_family_name: str
    latin_given_name: str
    pinyin: str
    hukou_place: str
    status: str
    version: int
    residences: list[ResidenceOut]
    employments: list[EmploymentOut]
    educations: list[EducationOut]
    insurance_periods: list[InsuranceOut]
    family: list[FamilyOut]


def _documents(person: Person, full: bool) -> list[DocumentOut]:
    return [
        DocumentOut(
            doc_type=d.doc_type,
            number=d.number if full else mask_number(d.number),
            issuing_country=d.issuing_country,
            issue_date=d.issue_date,
            expiry_date=d.expiry_date,
        )
        for d in person.documents.all()
    ]


def _summary(person: Person, full: bool) -> dict:
    return {
        "uid": person.uid,
        "display_name": person.display_name,
        "zh_name": person.zh_name,
        "latin_name": person.latin_name,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "nationality": person.nationality,
        "district": person.current_district.code if person.current_district else None,
        "documents": _documents(person, full),
    }


@router.post("/search", response=SearchOut, summary="Search persons by name or document number")
def search(request: HttpRequest, body: SearchIn) -> SearchOut:
    """POST, not GET: names and ID numbers are personal data and stay out of URLs and logs."""
    found = person_search(user=request.user, query=body.q, page=body.page)
    return SearchOut(
        page=found.page,
        has_next=found.has_next,
        results=[PersonSummaryOut(**_summary(p, False)) for p in found.persons],
    )


@router.get("/{uid}", response=PersonOut, summary="A person's whole record")
def detail(request: HttpRequest, uid: UUID) -> PersonOut:
    person = person_get(user=request.user, uid=uid, why="api")
    full = can_see_full_numbers(request.user, person)
    return PersonOut(
        **_summary(person, full),
        family_name=person.family_name,
        given_name=person.given_name,
        latin_family_name=person.latin_family_name,
        latin_given_name=person.latin_given_name,
        pinyin=person.pinyin,
        hukou_place=person.hukou_place,
        status=person.status,
        version=person.version,
        residences=[
            ResidenceOut(
                address=r.address,
                district=r.district.code,
                community=r.community.code if r.community else None,
                valid_from=r.valid_from,
                valid_to=r.valid_to,
            )
            for r in person.residences.all()
        ],
        employments=[
            EmploymentOut(
                employer=e.employer.name,
                uscc=e.employer.uscc,
                position=e.position,
                start_date=e.start_date,
                end_date=e.end_date,
            )
            for e in person.employments.all()
        ],
        educations=[
            EducationOut(
                level=e.level,
                institution=e.institution,
                country=e.country,
                completed_year=e.completed_year,
            )
            for e in person.educations.all()
        ],
        insurance_periods=[
            InsuranceOut(
                insurance_type=i.insurance_type, start_date=i.start_date, end_date=i.end_date
            )
            for i in person.insurance_periods.all()
        ],
        family=[
            FamilyOut(
                relation=f.relation,
                relative_uid=f.relative.uid,
                relative_name=f.relative.display_name,
            )
            for f in person.family_links.all()
        ],
    )

"""Applications in every state for the demo city, made through the workflow's services so
that the demo shows exactly what users would have done."""

import datetime
from typing import Any

from django.utils import timezone

from onewindow.accounts.models import User
from onewindow.applications import services as flow
from onewindow.applications.definitions import application_type
from onewindow.applications.models import Application, Review

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40


def _filed(applicant: User, type_code: str, answers: dict[str, Any]) -> Application:
    """A complete draft: the given answers and every required document."""
    application = flow.application_start(actor=applicant, type_code=type_code)
    application = flow.application_save(
        actor=applicant, application=application, answers=answers, version=application.version
    )
    for doc in application_type(type_code).documents:
        if doc.required:
            content = PDF if "application/pdf" in doc.content_types else PNG
            flow.document_upload(
                actor=applicant, application=application, code=doc.code, upload=content
            )
    return application


def _submit(applicant: User, application: Application) -> Application:
    return flow.application_submit(
        actor=applicant, application=application, version=application.version
    )


def _officer(review: Review) -> User:
    return User.objects.get(
        username="officer"
        if review.agency.code == "exit_entry"
        else f"officer.{review.agency.code.replace('_', '')}"
    )


def _claim(review: Review) -> Review:
    return flow.review_claim(actor=_officer(review), review=review, version=review.version)


def _approve_all(application: Application) -> None:
    for review in application.reviews.all():
        review = _claim(review)
        flow.review_approve(actor=_officer(review), review=review, version=review.version)


def seed_applications() -> dict[str, str]:
    """Draft, in review, information requested, approved, rejected, withdrawn and issued."""
    employer = User.objects.get(username="employer")
    resident = User.objects.get(username="resident")
    today = timezone.localdate()
    demand = _submit(
        employer,
        _filed(
            employer,
            "employer_demand",
            {
                "position_title": "Process engineer",
                "occupation_category": "professional",
                "number_of_posts": 2,
                "annual_salary": "38",
                "work_district": "440106",
                "justification": "A new production line needs engineers experienced with it.",
            },
        ),
    )
    _approve_all(demand)

    engineer = _submit(
        employer,
        _filed(
            employer,
            "work_residence_permit",
            {
                "employee_family_name": "Okafor",
                "employee_given_name": "Chinedu",
                "employee_sex": "M",
                "employee_birth_date": "1989-05-17",
                "employee_nationality": "NG",
                "employee_passport_number": "A07654321",
                "points_class": "B",
                "position_title": "Process engineer",
                "annual_salary": "38",
                "work_district": "440106",
                "contract_start": (today + datetime.timedelta(days=30)).isoformat(),
                "contract_end": (today + datetime.timedelta(days=760)).isoformat(),
                "highest_degree": "master",
                "years_of_experience": 8,
                "months_in_china_per_year": 12,
                "hsk_level": "3",
            },
        ),
    )
    _claim(engineer.reviews.get(agency__code="foreign_expert"))

    permit = _submit(
        resident,
        _filed(
            resident,
            "residence_permit",
            {
                "basis": "employment",
                "district": "440106",
                "address": "天河路385号",
                "phone": "13800138000",
                "resident_since": (today - datetime.timedelta(days=400)).isoformat(),
            },
        ),
    )
    _approve_all(permit)

    school = _submit(
        resident,
        _filed(
            resident,
            "school_entrance_support",
            {
                "child_name": "王小明",
                "child_birth_date": "2019-03-02",
                "school_stage": "primary",
                "preferred_district": "440106",
            },
        ),
    )
    review = _claim(school.reviews.get())
    flow.review_request_info(
        actor=_officer(review),
        review=review,
        version=review.version,
        question="请上传孩子的预防接种证明。",
    )

    home = _submit(
        resident,
        _filed(
            resident,
            "assisted_voluntary_return",
            {
                "destination": "湖南省长沙市",
                "preferred_travel_date": (today + datetime.timedelta(days=40)).isoformat(),
                "reasons": "回乡照顾父母。",
                "need_travel_ticket": True,
                "household_members_travelling": 1,
            },
        ),
    )
    flow.application_withdraw(actor=resident, application=home, version=home.version)

    family = _submit(
        resident,
        _filed(
            resident,
            "school_entrance_support",
            {
                "child_name": "王小红",
                "child_birth_date": "2012-09-09",
                "school_stage": "lower_secondary",
                "preferred_district": "440106",
            },
        ),
    )
    review = _claim(family.reviews.get())
    flow.review_reject(
        actor=_officer(review),
        review=review,
        version=review.version,
        reason="该区初中学位已满，请选择其他区。",
    )

    flow.application_start(actor=resident, type_code="family_reunification")
    return {a.reference: a.status for a in Application.objects.all()}


def seed_points_hukou(count: int = 30) -> int:
    """Points-based hukou applications from migrants of the demo city whom the policy in force
    qualifies, waiting for this year's quota round (a supervisor opens, ranks, publishes)."""
    from onewindow.accounts.models import Role
    from onewindow.accounts.services import user_create
    from onewindow.policies.catalogue import in_force
    from onewindow.policies.evaluate import evaluate
    from onewindow.policies.registry_facts import for_person, policy_facts_from_registry
    from onewindow.registry.models import Person

    today = timezone.localdate()
    chosen = in_force("gz_points_hukou", today)
    candidates = (
        Person.objects.filter(
            nationality="CN", current_district__isnull=False, account__isnull=True
        )
        .exclude(hukou_place__startswith="4401")
        .prefetch_related("educations", "residences", "employments", "insurance_periods")
        .order_by("id")
    )
    filed = 0
    first = User.objects.filter(username__startswith="migrant").count()
    for person in candidates.iterator(chunk_size=200):
        facts = policy_facts_from_registry(chosen.policy, for_person(person, today))
        answers = {
            "housing": "rented",
            "rent_years": min(4, facts.get("residence_permit_years", 0)),
        }
        if not evaluate(chosen.policy, {**facts, **answers}).qualifies:
            continue
        user = user_create(
            actor=None,
            username=f"migrant{first + filed + 1:02d}",
            password=None,
            role=Role.RESIDENT,
            person=person,
        )
        application = _filed(
            user,
            "points_hukou",
            {
                **answers,
                "district": person.current_district.code,
                "phone": f"1380013{filed:04d}",
            },
        )
        _submit(user, application)
        filed += 1
        if filed >= count:
            break
    return filed


def seed_final_round(year: int, quota: int) -> None:
    """Last year's round, run to the end: ranked, published, its objection window over, the
    selected approved and the others rejected — what the list and the applications look like
    afterwards."""
    from onewindow.policies import rounds
    from onewindow.policies.models import QuotaRound

    admin = User.objects.get(username="admin")
    round_ = rounds.round_open(actor=admin, year=year, quota=quota)
    round_ = rounds.round_rank(actor=admin, round_=round_, version=round_.version)
    round_ = rounds.round_publish(actor=admin, round_=round_, version=round_.version)
    QuotaRound.objects.filter(pk=round_.pk).update(
        objections_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    round_.refresh_from_db()
    rounds.round_finalise(actor=admin, round_=round_, version=round_.version)

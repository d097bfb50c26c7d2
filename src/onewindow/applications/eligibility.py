"""Eligibility: a type's plain rule (read from registry facts), its policy (a versioned rule
file from the policies capability, applied to registry facts and answers, the assessment
pinned to the version used), and prerequisites."""

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import DomainError
from onewindow.registry.models import FamilyLink, Person, Relation

from .definitions import ApplicationType
from .models import Application, Status


def check_eligibility(spec: ApplicationType, application: Application, data: dict) -> None:
    """Raise `DomainError('not_eligible')` naming the unmet condition."""
    rule, params = spec.eligibility.rule, spec.eligibility.params
    person = application.person
    if rule == "foreign_national":
        nationality = person.nationality if person else data.get("employee_nationality", "")
        if not nationality or nationality == "CN":
            raise DomainError("not_eligible", _("This application is for foreign nationals."))
    elif rule == "has_child":
        if (
            person is None
            or not FamilyLink.objects.filter(person=person, relation=Relation.CHILD).exists()
        ):
            raise DomainError("not_eligible", _("No child of yours is in the registry."))
    elif rule == "holds_permit":
        from onewindow.permits.models import Permit

        permits = Permit.objects.filter(
            holder=person, permit_type=params.get("permit_type"), status="valid"
        )
        if not params.get("allow_lapsed"):  # a late endorsement may follow a lapsed permit
            permits = permits.filter(valid_to__gte=timezone.localdate())
        held = person is not None and permits.exists()
        if not held:
            raise DomainError("not_eligible", _("You hold no valid permit of the kind needed."))


def policy_answers(spec: ApplicationType, data: dict, today: datetime.date) -> dict[str, Any]:
    """The policy facts the answers give: every answer under its own name (the policy keeps
    those named like its facts), then `eligibility.answers`, applied in order."""
    facts: dict[str, Any] = {k: v for k, v in data.items() if v is not None and v != ""}
    for rule in spec.eligibility.answers:
        answer = data.get(rule.field)
        if answer is None or answer == "":
            continue
        if rule.age:
            born = datetime.date.fromisoformat(str(answer))
            facts[rule.fact] = (
                today.year - born.year - ((today.month, today.day) < (born.month, born.day))
            )
        elif rule.map:
            if str(answer) in rule.map:
                facts[rule.fact] = rule.map[str(answer)]
        elif rule.equals is not None:
            if answer == rule.equals:
                facts[rule.fact] = True if rule.value is None else rule.value
            elif rule.value is None:
                facts[rule.fact] = False
        else:
            facts[rule.fact] = answer
    return facts


def check_policy(actor: Any, spec: ApplicationType, application: Application, data: dict) -> None:
    """Apply the type's policy and pin the assessment; with `gate`, refuse an application
    the policy does not qualify, saying why."""
    if spec.eligibility.policy is None:
        return
    from onewindow.policies.explain import refusal
    from onewindow.policies.services import assess

    answers = policy_answers(spec, data, timezone.localdate())
    _row, verdict = assess(
        actor=actor, application=application, policy_id=spec.eligibility.policy, answers=answers
    )
    if spec.eligibility.gate and not verdict.qualifies:
        raise DomainError("not_eligible", _("Not eligible: %(why)s"), why=refusal(verdict))


def check_requirements(spec: ApplicationType, application: Application) -> None:
    """Another application that must come first, e.g. the employer's approved demand."""
    for req in spec.requires:
        statuses = [Status.ISSUED] if req.status == "issued" else [Status.APPROVED, Status.ISSUED]
        earlier = Application.objects.filter(type_code=req.type, status__in=statuses)
        if req.same == "employer":
            earlier = earlier.filter(employer=application.employer)
        elif req.same == "person":
            earlier = earlier.filter(person=application.person)
        else:
            earlier = earlier.filter(applicant=application.applicant)
        if not earlier.exists():
            from .definitions import application_type

            raise DomainError(
                "requirement_missing",
                _("This needs an approved %(type)s first."),
                type=str(application_type(req.type).title),
            )


def subject_person(actor: Any, application: Application) -> Person:
    """Who a permit is for: the applicant's own record, or an employer's foreign employee,
    found by passport number or registered from the application's answers."""
    if application.person is not None:
        return application.person
    from onewindow.registry.models import DocumentType, IdentityDocument
    from onewindow.registry.services import document_add, person_create

    data = application.data
    number = str(data.get("employee_passport_number", "")).upper()
    document = (
        IdentityDocument.objects.select_related("person")
        .filter(doc_type=DocumentType.PASSPORT, number=number)
        .first()
    )
    if document is not None:
        person = document.person
    else:
        person = person_create(
            actor=actor,
            latin_family_name=data.get("employee_family_name", ""),
            latin_given_name=data.get("employee_given_name", ""),
            sex=data.get("employee_sex", "X"),
            birth_date=datetime.date.fromisoformat(data["employee_birth_date"]),
            nationality=data.get("employee_nationality", ""),
            why="application",
        )
        if number:
            document_add(
                actor=actor,
                person=person,
                doc_type=DocumentType.PASSPORT,
                number=number,
                issuing_country=person.nationality,
            )
    Application.objects.filter(pk=application.pk).update(person=person)
    application.person = person
    return person

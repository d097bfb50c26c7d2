"""Writes of the community around the stations: feedback, volunteers, associations and the
city's consultations. Each function is one transaction with its audit row."""

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.accounts.models import Role, User
from onewindow.core.errors import DomainError

from .models import (
    Association,
    AssociationEvent,
    Capacity,
    Consultation,
    ConsultationComment,
    ConsultationDocument,
    Service,
    ServiceFeedback,
    Shift,
    ShiftSignup,
    Stance,
    Volunteer,
)
from .services import MAX_MESSAGE, _audit, _clean_body, _station_staff, take_place

MAX_HOURS = Decimal("24")


def _own_station(actor: User) -> None:
    if actor.role != Role.STATION_STAFF or actor.station_id is None:
        raise DomainError("not_your_station", _("Only the station's staff can do this."))


def _resident(user: User) -> None:
    if user.role != Role.RESIDENT:
        raise DomainError("residents_only", _("Only residents can do this."))


@transaction.atomic
def feedback_give(*, user: User, service: Service, rating: int, comment: str) -> ServiceFeedback:
    """Rate a service 1–5 with an optional comment; a second rating replaces the first."""
    _resident(user)
    if rating not in range(1, 6):
        raise DomainError("rating_invalid", _("Give a rating from 1 to 5."))
    if len(comment) > MAX_MESSAGE:
        raise DomainError(
            "message_too_long", _("A message can be at most %(max)s characters."), max=MAX_MESSAGE
        )
    feedback, _created = ServiceFeedback.objects.update_or_create(
        service=service, user=user, defaults={"rating": rating, "comment": comment.strip()}
    )
    _audit(user, "service_feedback", "service", service, rating=rating)
    return feedback


@transaction.atomic
def volunteer_register(*, user: User, languages: Sequence[str], skills: str) -> Volunteer:
    """Offer one's languages and skills to the stations (again: update the offer)."""
    _resident(user)
    if not languages:
        raise DomainError("languages_required", _("Name at least one language you speak."))
    volunteer, _created = Volunteer.objects.update_or_create(
        user=user, defaults={"languages": list(languages), "skills": skills.strip(), "active": True}
    )
    _audit(user, "volunteer_register", "volunteer", volunteer)
    return volunteer


@transaction.atomic
def shift_post(
    *,
    actor: User,
    title: str,
    description: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    slots: int,
    languages: Sequence[str],
) -> Shift:
    """Post a volunteering shift at the actor's own station."""
    _own_station(actor)
    if ends_at <= starts_at:
        raise DomainError("shift_times", _("A shift must end after it starts."))
    if starts_at <= timezone.now():
        raise DomainError("shift_past", _("A shift must start in the future."))
    if slots < 1:
        raise DomainError("shift_slots", _("A shift needs at least one volunteer."))
    shift = Shift.objects.create(
        station_id=actor.station_id,
        title=title.strip(),
        description=description.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        slots=slots,
        languages=list(languages),
    )
    _audit(actor, "shift_post", "shift", shift)
    return shift


@transaction.atomic
def shift_sign_up(*, user: User, shift: Shift) -> ShiftSignup:
    """Take one of the shift's places; never more volunteers than it asked for."""
    volunteer = Volunteer.objects.filter(user=user, active=True).first()
    if volunteer is None:
        raise DomainError("not_a_volunteer", _("Offer your languages and skills first."))
    if shift.starts_at <= timezone.now():
        raise DomainError("shift_started", _("This shift has already started."))
    if ShiftSignup.objects.filter(shift=shift, volunteer=volunteer, cancelled=False).exists():
        raise DomainError("already_signed_up", _("You are already signed up for this shift."))
    if not take_place(Shift.objects.filter(pk=shift.pk), "taken", "slots"):
        raise DomainError("shift_full", _("This shift has all the volunteers it needs."))
    try:
        with transaction.atomic():
            signup = ShiftSignup.objects.create(shift=shift, volunteer=volunteer)
    except IntegrityError as exc:
        raise DomainError(
            "already_signed_up", _("You are already signed up for this shift.")
        ) from exc
    _audit(user, "shift_sign_up", "shift", shift)
    return signup


@transaction.atomic
def shift_cancel(*, user: User, signup: ShiftSignup) -> None:
    signup = ShiftSignup.objects.select_for_update().get(pk=signup.pk, volunteer__user=user)
    if signup.cancelled or signup.hours is not None:
        raise DomainError("not_active", _("This sign-up cannot be cancelled any more."))
    signup.cancelled = True
    signup.save(update_fields=["cancelled", "updated_at"])
    Shift.objects.filter(pk=signup.shift_id).update(taken=F("taken") - 1)
    _audit(user, "shift_cancel", "shift", signup.shift)


@transaction.atomic
def hours_record(*, actor: User, signup: ShiftSignup, hours: Decimal) -> ShiftSignup:
    """The station records the hours a volunteer gave on a shift."""
    signup = ShiftSignup.objects.select_for_update().select_related("shift").get(pk=signup.pk)
    _station_staff(actor, signup.shift.station_id)
    if signup.cancelled:
        raise DomainError("not_active", _("This sign-up was cancelled."))
    if not Decimal("0") < hours <= MAX_HOURS:
        raise DomainError("hours_invalid", _("Hours must be more than 0 and at most 24."))
    signup.hours = hours
    signup.save(update_fields=["hours", "updated_at"])
    _audit(actor, "volunteer_hours", "shift", signup.shift, hours=str(hours))
    return signup


@transaction.atomic
def association_register(
    *,
    actor: User,
    name: str,
    description: str,
    languages: Sequence[str],
    contact_email: str,
    members: Sequence[User],
) -> Association:
    """A station registers a migrants' association as its partner; members may post events."""
    _own_station(actor)
    if not name.strip():
        raise DomainError("name_required", _("Give the association's name."))
    association = Association.objects.create(
        name=name.strip(),
        description=description.strip(),
        languages=list(languages),
        contact_email=contact_email,
    )
    association.stations.add(actor.station_id)
    association.members.set([m for m in members if m.role == Role.RESIDENT])
    _audit(actor, "association_register", "association", association)
    return association


@transaction.atomic
def association_event_post(
    *,
    user: User,
    association: Association,
    station_id: int,
    title: str,
    description: str,
    starts_at: datetime.datetime,
) -> AssociationEvent:
    if not association.members.filter(pk=user.pk).exists():
        raise DomainError("not_a_member", _("Only the association's members can post its events."))
    if not association.stations.filter(pk=station_id).exists():
        raise DomainError("not_partner", _("Choose one of the association's partner stations."))
    if starts_at <= timezone.now():
        raise DomainError("event_past", _("An event must start in the future."))
    event = AssociationEvent.objects.create(
        association=association,
        station_id=station_id,
        title=title.strip(),
        description=description.strip(),
        starts_at=starts_at,
    )
    _audit(user, "association_event", "association", association)
    return event


@transaction.atomic
def consultation_open(
    *,
    actor: User,
    title: dict[str, str],
    question: dict[str, str],
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    experts: Sequence[User] = (),
    documents: Sequence[tuple[dict[str, str], str]] = (),
) -> Consultation:
    """The city asks a question; texts are kept per language (Chinese and English at least)."""
    if actor.role != Role.ADMINISTRATOR:
        raise DomainError("administrators_only", _("Only administrators can open consultations."))
    for texts in (title, question):
        if not texts.get("zh-hans", "").strip() or not texts.get("en", "").strip():
            raise DomainError(
                "texts_required", _("Write the title and the question in Chinese and English.")
            )
    if closes_at <= opens_at:
        raise DomainError("closes_before_opens", _("A consultation must close after it opens."))
    consultation = Consultation.objects.create(
        title={k: v.strip() for k, v in title.items() if v.strip()},
        question={k: v.strip() for k, v in question.items() if v.strip()},
        opens_at=opens_at,
        closes_at=closes_at,
    )
    consultation.experts.set([e for e in experts if e.role == Role.EXPERT])
    for doc_title, url in documents:
        ConsultationDocument.objects.create(consultation=consultation, title=doc_title, url=url)
    _audit(actor, "consultation_open", "consultation", consultation)
    return consultation


def capacities_of(user: Any, consultation: Consultation) -> list[tuple[str, Association | None]]:
    """In which capacities `user` may comment: as a resident, an invited expert, or for each
    association they are a member of."""
    if not getattr(user, "is_authenticated", False):
        return []
    found: list[tuple[str, Association | None]] = []
    if user.role == Role.RESIDENT:
        found.append((Capacity.RESIDENT, None))
        found += [(Capacity.ASSOCIATION, a) for a in user.associations.order_by("name")]
    if user.role == Role.EXPERT and consultation.experts.filter(pk=user.pk).exists():
        found.append((Capacity.EXPERT, None))
    return found


@transaction.atomic
def consultation_comment(
    *,
    user: User,
    consultation: Consultation,
    capacity: str,
    association: Association | None,
    stance: str,
    body: str,
) -> ConsultationComment:
    now = timezone.now()
    if not consultation.opens_at <= now < consultation.closes_at:
        raise DomainError("consultation_closed", _("This consultation is not open for comments."))
    if (capacity, association) not in capacities_of(user, consultation):
        raise DomainError("capacity_invalid", _("You cannot comment in this capacity."))
    if stance not in Stance.values:
        raise DomainError(
            "stance_invalid", _("Say whether you support, oppose or would change it.")
        )
    comment = ConsultationComment.objects.create(
        consultation=consultation,
        author=user,
        capacity=capacity,
        association=association,
        stance=stance,
        body=_clean_body(body),
    )
    _audit(user, "consultation_comment", "consultation", consultation, capacity=capacity)
    return comment

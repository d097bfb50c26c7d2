"""Writes: issue, renew, endorse and revoke permits; rotate the signing key.

Each use case is one transaction that also writes its audit row. Changes to an existing permit
compare the version the caller saw with the row's (optimistic locking): two officers acting on
the same permit at once, one wins and the other gets a `ConflictError`.
"""

import calendar
import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from stdnum.iso7064 import mod_97_10

from onewindow.accounts.models import User
from onewindow.applications.definitions import PermitSpec
from onewindow.applications.events import notify
from onewindow.applications.models import Application
from onewindow.audit.services import audit_record
from onewindow.core.errors import ConflictError, DomainError
from onewindow.registry.models import Person

from .models import Permit, PermitSequence, PermitStatus, SigningKey
from .signing import create_signing_key, holder_masked_name

CITY_PREFIX = "GZ"
MAX_MONTHS = 120

# Marked for translation here, translated in the recipient's language by `notify`.
RENEWED = gettext_noop("Your %(permit)s %(number)s was renewed: it is now valid until %(until)s.")
REVOKED = gettext_noop(
    "Your %(permit)s %(number)s was revoked: %(reason)s If you think this is wrong, contact "
    "the agency that issued it."
)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def type_prefix(permit_type: str) -> str:
    """Initials of the type code: work_residence_permit → WRP."""
    return "".join(part[0] for part in permit_type.split("_") if part)[:4].upper()


def _next_number(permit_type: str, year: int) -> str:
    """GZ + type initials + year + 8-digit sequence + 2 ISO 7064 check digits (catch typos).

    Numbers are sequential, so guessable; that does not matter: a number alone verifies
    nothing, only a token signed by the city's key does.
    """
    key = f"{type_prefix(permit_type)}{year}"
    PermitSequence.objects.get_or_create(key=key)
    PermitSequence.objects.filter(key=key).update(last=F("last") + 1)
    last = PermitSequence.objects.select_for_update().get(key=key).last
    body = f"{CITY_PREFIX}{key}{last:08d}"
    return body + mod_97_10.calc_check_digits(body)


def _audit(actor: Any, permit: Permit, action: str, why: str, **details: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="permit",
        object_id=str(permit.uid),
        why=why,
        details={"type": permit.permit_type, **details},
    )


@transaction.atomic
def permit_issue(
    *,
    actor: Any,
    application: Application | None,
    holder: Person,
    spec: PermitSpec,
    valid_from: datetime.date,
) -> Permit:
    """Issue the permit an approved application grants; at most one per application (the
    database refuses a second, which becomes `permit_exists`)."""
    if application is not None and application.person_id not in (None, holder.pk):
        raise DomainError(
            "holder_mismatch", _("The permit holder is not the person the application is about.")
        )
    texts = spec.title.texts()
    valid_to = add_months(valid_from, spec.validity_months) - datetime.timedelta(days=1)
    permit = Permit(
        permit_type=spec.type,
        title_zh=texts.get("zh-hans") or texts.get("zh") or texts.get("en", spec.type),
        title_en=texts.get("en") or spec.type,
        holder=holder,
        holder_masked=holder_masked_name(holder),
        application=application,
        issued_on=timezone.localdate(),
        valid_from=valid_from,
        valid_to=valid_to,
        number="-",  # placeholder until the checks pass; the sequence is only advanced then
    )
    permit.full_clean(exclude=["number"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            permit.number = _next_number(spec.type, valid_from.year)
            permit.save()
    except IntegrityError:
        if application is not None and Permit.objects.filter(application=application).exists():
            raise DomainError(
                "permit_exists",
                _("A permit was already issued for application %(reference)s."),
                reference=application.reference,
            ) from None
        raise
    _audit(
        actor,
        permit,
        "issue",
        "application_approved" if application is not None else "import",
        application=str(application.uid) if application is not None else None,
        valid_from=permit.valid_from.isoformat(),
        valid_to=permit.valid_to.isoformat(),
    )
    return permit


def _tell_holder(permit: Permit, message: str, **params: Any) -> None:
    """In-app and e-mail notice to the holder's accounts and to the applicant who filed for
    the permit (an employer, for a foreign employee), each in their own language."""
    recipients = {u.pk: u for u in User.objects.filter(person_id=permit.holder_id, is_active=True)}
    if permit.application_id is not None:
        applicant = permit.application.applicant
        recipients.setdefault(applicant.pk, applicant)
    for user in recipients.values():
        notify(
            user=user,
            application=None,
            kind=f"permit_{permit.status}",
            message=message,
            permit=permit.title_in(user.language or settings.LANGUAGE_CODE),
            number=permit.number,
            **params,
        )


def _update(permit: Permit, version: int | None, **changes: Any) -> Permit:
    """Apply `changes` if the row still has the version the caller saw, else `ConflictError`."""
    seen = permit.version if version is None else version
    updated = Permit.objects.filter(pk=permit.pk, version=seen).update(
        version=F("version") + 1, updated_at=timezone.now(), **changes
    )
    if not updated:
        raise ConflictError(
            "permit_conflict",
            _("Someone else changed permit %(number)s first; reload it and try again."),
            number=permit.number,
        )
    permit.refresh_from_db()
    return permit


def _not_revoked(permit: Permit) -> None:
    if permit.status == PermitStatus.REVOKED:
        raise DomainError(
            "permit_revoked", _("Permit %(number)s is revoked."), number=permit.number
        )


@transaction.atomic
def permit_renew(
    *,
    actor: Any,
    permit: Permit,
    months: int,
    version: int | None = None,
    tell_holder: bool = True,
) -> Permit:
    """Extend the validity by `months`, from the current end date (or from today, if the
    permit has already expired). Cards printed before stay genuine until their own end date.
    `tell_holder=False` when the caller announces it itself (an approved endorsement)."""
    _not_revoked(permit)
    if not 0 < months <= MAX_MONTHS:
        raise DomainError(
            "invalid_months",
            _("A renewal is for 1 to %(max)s months."),
            max=MAX_MONTHS,
        )
    today = timezone.localdate()
    start = max(permit.valid_to, today - datetime.timedelta(days=1))
    old_to = permit.valid_to
    permit = _update(permit, version, valid_to=add_months(start, months))
    _audit(
        actor,
        permit,
        "renew",
        "renewal",
        months=months,
        old_valid_to=old_to.isoformat(),
        valid_to=permit.valid_to.isoformat(),
    )
    if tell_holder:
        _tell_holder(permit, RENEWED, until=permit.valid_to.isoformat())
    return permit


@transaction.atomic
def permit_endorse(
    *, actor: Any, permit: Permit, until: datetime.date, version: int | None = None
) -> Permit:
    """Record the yearly endorsement: the permit's use is endorsed until `until`, which lies
    after today and after any earlier endorsement, and not after the permit's end."""
    _not_revoked(permit)
    today = timezone.localdate()
    if (
        until <= today
        or until > permit.valid_to
        or (permit.endorsed_until is not None and until <= permit.endorsed_until)
    ):
        raise DomainError(
            "invalid_endorsement",
            _("An endorsement must end after today, after the last one, and by %(valid_to)s."),
            valid_to=permit.valid_to.isoformat(),
        )
    permit = _update(permit, version, endorsed_until=until)
    _audit(actor, permit, "endorse", "endorsement", endorsed_until=until.isoformat())
    return permit


@transaction.atomic
def permit_revoke(*, actor: Any, permit: Permit, reason: str, version: int | None = None) -> Permit:
    """Revoke for a stated reason; verification says "revoked" from then on."""
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", _("Give the reason for revoking the permit."))
    _not_revoked(permit)
    permit = _update(
        permit,
        version,
        status=PermitStatus.REVOKED,
        revoked_at=timezone.now(),
        revoke_reason=reason,
    )
    # The reason is free text and may name people: it stays on the permit, not in the log.
    _audit(actor, permit, "revoke", "revocation")
    _tell_holder(permit, REVOKED, reason=reason)
    return permit


@transaction.atomic
def permits_key_rotate(*, actor: Any = None) -> SigningKey:
    """Make a new signing key current and retire the others. Retired keys stay published, so
    every permit signed before still verifies; new cards and QR codes use the new key."""
    now = timezone.now()
    retired = list(
        SigningKey.objects.select_for_update()
        .filter(retired_at__isnull=True)
        .values_list("kid", flat=True)
    )
    SigningKey.objects.filter(kid__in=retired).update(retired_at=now)
    key = create_signing_key()
    audit_record(
        actor=actor,
        action="rotate",
        object_type="signing_key",
        object_id=key.kid,
        why="key_rotation",
        details={"retired": retired},
    )
    return key

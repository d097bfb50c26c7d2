"""Writes for accounts: reference agencies, users, second factors and API tokens."""

import base64
import hashlib
import json
import secrets
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.audit.services import audit_record
from onewindow.core.errors import DomainError

from .models import STAFF_ROLES, Agency, ApiToken, Role, User

AGENCIES_FILE = Path(__file__).with_name("data") / "agencies.json"


@transaction.atomic
def agencies_load(*, path: Path = AGENCIES_FILE) -> int:
    """Load the agencies from their data file (idempotent); return how many there are."""
    rows = json.loads(path.read_text(encoding="utf-8"))["agencies"]
    for row in rows:
        Agency.objects.update_or_create(
            code=row["code"], defaults={"name_zh": row["name_zh"], "name_en": row["name_en"]}
        )
    return len(rows)


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    role: str,
    agency: Agency | None = None,
    districts: list[Any] | None = None,
    station: Any = None,
    person: Any = None,
    employer: Any = None,
    email: str = "",
    language: str = "",
) -> User:
    """Create a user. Officers need an agency; staff get a TOTP device (see `totp_device`)."""
    if role not in Role.values:
        raise DomainError("role_invalid", _("Unknown role."))
    if role == Role.OFFICER and agency is None:
        raise DomainError("agency_required", _("An officer must belong to an agency."))
    if role == Role.RESIDENT and person is None:
        raise DomainError("person_required", _("A resident account must be linked to a person."))
    if User.objects.filter(username=username).exists():
        raise DomainError("username_taken", _("This user name is taken."))
    if role == Role.EMPLOYER and employer is None:
        raise DomainError("employer_required", _("An employer account must act for a company."))
    user = User(
        username=username,
        role=role,
        agency=agency,
        station=station,
        person=person,
        employer=employer,
        email=email,
        language=language,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    if districts:
        user.districts.set(districts)
    if role in STAFF_ROLES:
        TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    audit_record(
        actor=actor,
        action="create",
        object_type="user",
        object_id=str(user.pk),
        why="admin",
        details={"role": role},
    )
    return user


def totp_device(user: User) -> TOTPDevice:
    """The user's confirmed TOTP device (staff always have one)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise DomainError("no_totp", _("This user has no two-factor device."))
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The base32 secret an authenticator app takes."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_current_code(device: TOTPDevice) -> str:
    """The code the user's authenticator would show now (for `onewindow totp`)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp()
    return f"{totp.token():0{device.digits}d}"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: Any, user: User, name: str) -> str:
    """Issue a bearer token for `user`; the token is returned once and only its digest kept."""
    token = "ow_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, digest=token_digest(token))
    audit_record(
        actor=actor,
        action="token_create",
        object_type="user",
        object_id=str(user.pk),
        why="admin",
    )
    return token


@transaction.atomic
def api_token_revoke(*, actor: Any, user: User, name: str) -> int:
    """Revoke the user's tokens of that name; returns how many were revoked."""
    revoked = ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    audit_record(
        actor=actor,
        action="token_revoke",
        object_type="user",
        object_id=str(user.pk),
        why="admin",
        details={"revoked": revoked},
    )
    return revoked

"""API: verify a permit token (public, no sign-in); read a permit; renew or revoke it (staff
who may change it, see `selectors.permit_manageable`)."""

import datetime
from typing import Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema

from . import services
from .models import Permit
from .selectors import permit_for_change, permit_get
from .signing import MAX_TOKEN_LENGTH, verify_token

router = Router(tags=["permits"])


class VerifyIn(Schema):
    token: str = Field(..., max_length=MAX_TOKEN_LENGTH, description="The token from the QR code")


class VerifyOut(Schema):
    status: Literal["valid", "not_yet_valid", "expired", "revoked", "forged"]
    type: str | None = Field(None, description="The permit type's code")
    title: str | None = Field(None, description="The permit type's title, in your language")
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    holder: str | None = Field(None, description='The holder\'s masked name, e.g. "张*"')
    number: str | None = Field(None, description="The permit number, last four visible")


@router.post("/verify", auth=None, response=VerifyOut, url_name="permits_verify")
def verify(request: HttpRequest, body: VerifyIn) -> VerifyOut:
    """Check a permit token: valid, not yet valid, expired, revoked, or forged. A forged
    token returns nothing but its status."""
    result = verify_token(body.token.strip())
    return VerifyOut(
        status=result.status,
        type=result.permit_type,
        title=result.title,
        valid_from=result.valid_from,
        valid_to=result.valid_to,
        holder=result.holder,
        number=result.number,
    )


class PermitOut(Schema):
    uid: UUID
    number: str
    type: str = Field(..., description="The permit type's code")
    title: str = Field(..., description="The permit type's title, in your language")
    status: Literal["valid", "revoked"]
    valid_from: datetime.date
    valid_to: datetime.date
    endorsed_until: datetime.date | None
    issued_on: datetime.date
    version: int = Field(..., description="Send it back with a change; a stale one is a 409")


class RenewIn(Schema):
    version: int = Field(..., ge=0)
    months: int = Field(..., description=f"1 to {services.MAX_MONTHS}")


class RevokeIn(Schema):
    version: int = Field(..., ge=0)
    reason: str = Field(..., max_length=4000, description="Shown to the holder")


def _out(permit: Permit) -> PermitOut:
    return PermitOut(
        uid=permit.uid,
        number=permit.number,
        type=permit.permit_type,
        title=permit.title,
        status=permit.status,
        valid_from=permit.valid_from,
        valid_to=permit.valid_to,
        endorsed_until=permit.endorsed_until,
        issued_on=permit.issued_on,
        version=permit.version,
    )


@router.get("/{uid}", response=PermitOut, summary="One permit (its holder, applicant or staff)")
def detail(request: HttpRequest, uid: UUID) -> PermitOut:
    return _out(permit_get(user=request.user, uid=uid, why="permit_api"))


@router.post("/{uid}/renew", response=PermitOut, summary="Extend a permit's validity")
def renew(request: HttpRequest, uid: UUID, body: RenewIn) -> PermitOut:
    permit = permit_for_change(user=request.user, uid=uid)
    return _out(
        services.permit_renew(
            actor=request.user, permit=permit, months=body.months, version=body.version
        )
    )


@router.post("/{uid}/revoke", response=PermitOut, summary="Revoke a permit, with the reason")
def revoke(request: HttpRequest, uid: UUID, body: RevokeIn) -> PermitOut:
    permit = permit_for_change(user=request.user, uid=uid)
    return _out(
        services.permit_revoke(
            actor=request.user, permit=permit, reason=body.reason, version=body.version
        )
    )

"""API: verify a permit token (public, no sign-in)."""

import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

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

"""API for agencies: pull persons' data within a data share's purpose and fields, push
extracts of the sources it names. Authenticated by the share's own bearer token."""

import tempfile
from pathlib import Path
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.security import HttpBearer

from .forms import MAX_UPLOAD_MB
from .services import import_file
from .sharing import OutsideScope, share_for_token, shared_lookup, shared_person


class ShareToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        share = share_for_token(token)
        if share is not None:
            request.share = share  # type: ignore[attr-defined]
        return share


router = Router(tags=["sharing"], auth=ShareToken())


class SharedOut(Schema):
    uid: UUID
    fields: dict[str, str]


class LookupIn(Schema):
    resident_id: str = Field("", max_length=18)
    passport_number: str = Field("", max_length=20)
    fields: list[str] | None = Field(None, description="Default: every field of the share")


class BatchOut(Schema):
    uid: UUID
    status: str
    rows_accepted: int
    rows_rejected: int
    problem: str


def _fields(raw: str | None) -> list[str] | None:
    return [f.strip() for f in raw.split(",") if f.strip()] if raw else None


@router.get("/persons/{uid}", response=SharedOut, summary="A person's fields, within the share")
def person(request: HttpRequest, uid: UUID, fields: str | None = None) -> dict[str, Any]:
    """`fields`: comma-separated; asking for one outside the share is a 403."""
    return shared_person(share=request.auth, uid=uid, fields=_fields(fields))


@router.post("/lookup", response=SharedOut, summary="Find a person by ID or passport number")
def lookup(request: HttpRequest, body: LookupIn) -> dict[str, Any]:
    return shared_lookup(
        share=request.auth,
        resident_id=body.resident_id,
        passport_number=body.passport_number,
        fields=body.fields,
    )


@router.post("/imports", response=BatchOut, summary="Push an extract of one of the share's sources")
def push(request: HttpRequest, source: Form[str], file: File[UploadedFile]) -> dict[str, Any]:
    share = request.auth
    if source not in share.sources:
        raise OutsideScope("outside_scope", _("This share may not push %(source)s."), source=source)
    if file.size > MAX_UPLOAD_MB * 1024 * 1024:
        raise OutsideScope("too_large", _("The file is larger than %(mb)s MB."), mb=MAX_UPLOAD_MB)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{Path(file.name or '').suffix.lower()[:10]}"
        with path.open("wb") as out:
            for chunk in file.chunks():
                out.write(chunk)
        batch = import_file(actor=None, source_code=source, path=path, name=file.name or "upload")
    return {
        "uid": batch.uid,
        "status": batch.status,
        "rows_accepted": batch.rows_accepted,
        "rows_rejected": batch.rows_rejected,
        "problem": batch.problem,
    }

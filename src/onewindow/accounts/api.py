"""API: who am I."""

from django.http import HttpRequest
from ninja import Router, Schema

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    role: str
    agency: str | None
    districts: list[str]


@router.get("/me", response=MeOut, summary="The signed-in user")
def me(request: HttpRequest) -> MeOut:
    user = request.user
    return MeOut(
        username=user.username,
        role=user.role,
        agency=user.agency.code if user.agency else None,
        districts=[d.code for d in user.districts.all()],
    )

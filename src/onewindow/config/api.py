"""The JSON API: Django Ninja under /api/, OpenAPI 3 at /api/openapi.json.

Two ways in: the browser session (staff must have passed the second factor; CSRF checked) or
an `Authorization: Bearer <token>` header. Domain errors, permission errors and missing
records become JSON with a code and a message in the caller's language.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth

from onewindow.accounts.selectors import staff_verified, user_for_token
from onewindow.core.errors import DomainError


class VerifiedSession(SessionAuth):
    """A signed-in session; for staff, one that passed the second factor."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and staff_verified(user) else None


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="OneWindow API",
    version="1",
    # The bearer token first: the session check enforces CSRF and would refuse a token
    # client's POST before the token was even looked at.
    auth=[BearerToken(), VerifiedSession()],
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"code": exc.code, "detail": exc.text()}, status=exc.status)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "forbidden", "detail": _("Your role may not do this.")},
        status=403,
    )


def _register_routers() -> None:
    from onewindow.accounts.api import router as accounts_router
    from onewindow.applications.api import router as applications_router
    from onewindow.consolidation.api import router as sharing_router
    from onewindow.monitoring.api import open_router as open_data_router
    from onewindow.monitoring.api import router as monitoring_router
    from onewindow.permits.api import router as permits_router
    from onewindow.policies.api import router as policies_router
    from onewindow.registry.api import router as registry_router

    api.add_router("/persons", registry_router)
    api.add_router("/accounts", accounts_router)
    api.add_router("/applications", applications_router)
    api.add_router("/permits", permits_router)
    api.add_router("/policies", policies_router)
    api.add_router("/share", sharing_router)
    api.add_router("/monitoring", monitoring_router)
    api.add_router("/open-data", open_data_router)


_register_routers()

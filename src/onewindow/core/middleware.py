"""Security headers and the one place where domain errors become pages."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .errors import DomainError


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy header on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class DomainErrorMiddleware:
    """Render a `DomainError` raised by a view as an error page (or JSON for htmx/API)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse(
                {"code": exception.code, "detail": exception.text()}, status=exception.status
            )
        return render(
            request,
            "core/error.html",
            {"code": exception.code, "detail": exception.text()},
            status=exception.status,
        )

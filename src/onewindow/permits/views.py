"""Pages: public verification, the public keys, a permit's page and its printable card."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from .card import render_card
from .selectors import permit_get
from .signing import (
    MAX_TOKEN_LENGTH,
    permit_token,
    published_keys,
    qr_svg_data_uri,
    verify_token,
    verify_url,
)

STATUSES = ("valid", "not_yet_valid", "expired", "revoked", "forged")


def _base_url(request: HttpRequest) -> str:
    """Where the verification page lives: `PUBLIC_BASE_URL` if set, else this site."""
    return getattr(settings, "PUBLIC_BASE_URL", "") or request.build_absolute_uri("/")


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Anyone checks a permit. With JavaScript the token is read from the URL fragment and
    sent to the API; without it, the pasted token is posted here."""
    result = None
    if request.method == "POST":
        result = verify_token(request.POST.get("token", "").strip()[:MAX_TOKEN_LENGTH])
    return render(request, "permits/verify.html", {"result": result, "statuses": STATUSES})


@require_GET
def public_keys(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(published_keys(), json_dumps_params={"indent": 2})
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def detail(request: HttpRequest, uid: str) -> HttpResponse:
    permit = permit_get(user=request.user, uid=uid, why="permit_page")
    link = verify_url(permit_token(permit), _base_url(request))
    return render(
        request,
        "permits/detail.html",
        {"permit": permit, "holder": permit.holder, "qr": qr_svg_data_uri(link)},
    )


@require_GET
def card(request: HttpRequest, uid: str) -> HttpResponse:
    permit = permit_get(user=request.user, uid=uid, why="permit_card")
    pdf = render_card(permit, verify_url(permit_token(permit), _base_url(request)))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="permit-{permit.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response

"""Pages: public verification, the public keys, a permit's page (with renew and revoke for
staff who may change it) and its printable card."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.accounts.decorators import staff_required
from onewindow.core.errors import DomainError

from . import services
from .card import render_card
from .forms import RenewForm, RevokeForm
from .models import Permit
from .selectors import permit_for_change, permit_get, permit_manageable
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


def _detail(
    request: HttpRequest,
    permit: Permit,
    *,
    error: str = "",
    status: int = 200,
    bound: dict[str, Any] | None = None,
) -> HttpResponse:
    link = verify_url(permit_token(permit), _base_url(request))
    context: dict[str, Any] = {
        "permit": permit,
        "holder": permit.holder,
        "qr": qr_svg_data_uri(link),
        "error": error,
    }
    if permit.status == "valid" and permit_manageable(request.user, permit):
        initial = {"version": permit.version}
        context["renew_form"] = (bound or {}).get("renew") or RenewForm(initial=initial)
        context["revoke_form"] = (bound or {}).get("revoke") or RevokeForm(initial=initial)
        context["staff_view"] = True
    return render(request, "permits/detail.html", context, status=status)


@require_GET
def detail(request: HttpRequest, uid: str) -> HttpResponse:
    return _detail(request, permit_get(user=request.user, uid=uid, why="permit_page"))


@staff_required
@require_POST
def change(request: HttpRequest, uid: str, action: str) -> HttpResponse:
    """Renew or revoke. The permit's version travels with the form; a stale one is a
    conflict, so two officers acting at once cannot both win."""
    if action not in ("renew", "revoke"):
        raise Http404
    permit = permit_for_change(user=request.user, uid=uid)
    form: Any = (RenewForm if action == "renew" else RevokeForm)(request.POST)
    form.is_valid()
    version = form.cleaned_data.get("version") or 0
    try:
        if action == "renew":
            months = form.cleaned_data.get("months")
            services.permit_renew(
                actor=request.user, permit=permit, months=months or 0, version=version
            )
        else:
            services.permit_revoke(
                actor=request.user,
                permit=permit,
                reason=form.cleaned_data.get("reason", ""),
                version=version,
            )
    except DomainError as exc:
        permit.refresh_from_db()
        return _detail(request, permit, error=exc.text(), status=exc.status, bound={action: form})
    messages.success(request, _("Done: %(number)s.") % {"number": permit.number})
    return redirect("permits:detail", uid=permit.uid)


@require_GET
def card(request: HttpRequest, uid: str) -> HttpResponse:
    permit = permit_get(user=request.user, uid=uid, why="permit_card")
    pdf = render_card(permit, verify_url(permit_token(permit), _base_url(request)))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="permit-{permit.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response

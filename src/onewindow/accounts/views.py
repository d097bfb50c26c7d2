"""Sign-in and sign-out."""

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_ratelimit.core import is_ratelimited

from .forms import SignInForm


def _limited(request: HttpRequest) -> bool:
    """Too many sign-in attempts from this address, or for this user name."""
    by_ip = is_ratelimited(
        request,
        group="signin-ip",
        key="ip",
        rate=settings.LOGIN_RATE,
        method="POST",
        increment=True,
    )
    by_user = is_ratelimited(
        request,
        group="signin-user",
        key="post:username",
        rate=settings.LOGIN_RATE,
        method="POST",
        increment=True,
    )
    return by_ip or by_user


def _next_page(request: HttpRequest) -> str:
    """Where the page that sent the user to sign in asked to return, if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target.startswith("/") else settings.LOGIN_REDIRECT_URL


def sign_in(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SignInForm(request, data=request.POST)
        if _limited(request):
            form.is_valid()
            form.errors.clear()
            form.add_error(None, _("Too many sign-in attempts. Wait a minute and try again."))
            return render(request, "accounts/sign_in.html", {"form": form}, status=429)
        if form.is_valid():
            login(request, form.user)
            if form.device is not None:
                otp_login(request, form.device)
            return redirect(_next_page(request))
    else:
        form = SignInForm(request)
    return render(request, "accounts/sign_in.html", {"form": form})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")

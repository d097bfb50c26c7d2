"""The public portal: the start page and a resident's own record."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from onewindow.accounts.decorators import resident_required
from onewindow.registry.selectors import person_get


def home(request: HttpRequest) -> HttpResponse:
    """Signed-in users go to their own start page; everyone else sees the portal's."""
    user = request.user
    if user.is_authenticated:
        if user.is_staff_role:
            return redirect("backoffice:home")
        if user.role == "expert":
            return redirect("services:consultations")
        return redirect("portal:me" if user.role == "resident" else "applications:mine")
    return render(request, "portal/home.html")


@resident_required
def me(request: HttpRequest) -> HttpResponse:
    record = person_get(user=request.user, uid=request.user.person.uid, why="self_service")
    return render(request, "portal/me.html", {"person": record, "full_numbers": True})

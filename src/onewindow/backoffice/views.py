"""The staff site: home, person search, a person's record."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onewindow.accounts.decorators import staff_required
from onewindow.permits.selectors import permits_visible_to
from onewindow.registry.selectors import (
    can_search,
    can_see_full_numbers,
    person_get,
    person_search,
)


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "backoffice/home.html",
        {"districts": list(user.districts.all()), "can_search": can_search(user)},
    )


def _page_number(request: HttpRequest) -> int:
    raw = request.POST.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 10_000 else 1


@staff_required
def persons(request: HttpRequest) -> HttpResponse:
    """Search by POST: a name or an ID number is personal data and stays out of URLs and logs."""
    if request.method == "POST":
        query = request.POST.get("q", "")
        results = person_search(user=request.user, query=query, page=_page_number(request))
    else:
        query, results = "", person_search(user=request.user, query="")
    template = "backoffice/_results.html" if request.htmx else "backoffice/persons.html"
    return render(request, template, {"query": query, "results": results})


@staff_required
def person(request: HttpRequest, uid: str) -> HttpResponse:
    record = person_get(user=request.user, uid=uid, why="case_work")
    permits = permits_visible_to(request.user).filter(holder=record).order_by("-valid_to", "-id")
    return render(
        request,
        "backoffice/person.html",
        {
            "person": record,
            "full_numbers": can_see_full_numbers(request.user, record),
            "permits": list(permits),
        },
    )

"""Pages of the quota round: supervisors run it, the public reads the published list (masked
names), applicants object from their application's page."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.accounts.decorators import role_required
from onewindow.accounts.models import Role
from onewindow.applications.selectors import application_for_applicant
from onewindow.core.errors import DomainError

from . import rounds
from .forms import ObjectionForm, OpenForm, ResolveForm
from .models import ObjectionStatus, QuotaRound, RoundEntry, RoundStatus
from .selectors import entry_of

manager_required = role_required(Role.SUPERVISOR, Role.ADMINISTRATOR)
applicant_required = role_required(Role.RESIDENT)
PAGE = 100


def _round(uid: Any) -> QuotaRound:
    try:
        return QuotaRound.objects.get(uid=uid)
    except (QuotaRound.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


@manager_required
@require_http_methods(["GET", "POST"])
def round_list(request: HttpRequest) -> HttpResponse:
    form = OpenForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            opened = rounds.round_open(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.text())
        else:
            return redirect("policies:round", uid=opened.uid)
    return render(
        request,
        "policies/rounds.html",
        {"rounds": QuotaRound.objects.all(), "form": form},
        status=400 if form.errors else 200,
    )


def _page(request: HttpRequest, round_: QuotaRound) -> Any:
    entries = round_.entries.select_related("application").order_by("rank")
    return Paginator(entries, PAGE).get_page(request.GET.get("page"))


@manager_required
@require_GET
def round_detail(request: HttpRequest, uid: str) -> HttpResponse:
    return _round_page(request, _round(uid))


def _round_page(
    request: HttpRequest, round_: QuotaRound, error: str = "", status: int = 200
) -> HttpResponse:
    objections = round_.entries.filter(objection_status=ObjectionStatus.FILED).select_related(
        "application"
    )
    return render(
        request,
        "policies/round.html",
        {
            "round": round_,
            "page": _page(request, round_),
            "selected": round_.entries.filter(selected=True).count(),
            "objections": objections,
            "resolve_form": ResolveForm(),
            "error": error,
        },
        status=status,
    )


@manager_required
@require_POST
def round_action(request: HttpRequest, uid: str, action: str) -> HttpResponse:
    steps = {
        "rank": rounds.round_rank,
        "publish": rounds.round_publish,
        "finalise": rounds.round_finalise,
    }
    if action not in steps:
        raise Http404
    round_ = _round(uid)
    raw = request.POST.get("version", "")
    try:
        steps[action](actor=request.user, round_=round_, version=int(raw) if raw.isdigit() else 0)
    except DomainError as exc:
        round_.refresh_from_db()
        return _round_page(request, round_, error=exc.text(), status=exc.status)
    messages.success(request, _("Done."))
    return redirect("policies:round", uid=round_.uid)


@manager_required
@require_POST
def entry_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        entry = RoundEntry.objects.select_related("round").get(pk=pk)
    except RoundEntry.DoesNotExist as exc:
        raise Http404 from exc
    form = ResolveForm(request.POST)
    form.is_valid()
    try:
        rounds.entry_resolve(
            actor=request.user,
            entry=entry,
            upheld=request.POST.get("decision") == "uphold",
            answer=form.cleaned_data.get("answer", ""),
        )
    except DomainError as exc:
        return _round_page(request, entry.round, error=exc.text(), status=exc.status)
    messages.success(request, _("Objection answered."))
    return redirect("policies:round", uid=entry.round.uid)


@require_GET
def public_list(request: HttpRequest, year: int) -> HttpResponse:
    """The published list: rank, masked name, points, selected. No sign-in."""
    try:
        round_ = QuotaRound.objects.get(
            year=year, status__in=[RoundStatus.PUBLISHED, RoundStatus.FINAL]
        )
    except QuotaRound.DoesNotExist as exc:
        raise Http404 from exc
    return render(
        request,
        "policies/round_public.html",
        {
            "round": round_,
            "page": _page(request, round_),
            "selected": round_.entries.filter(selected=True).count(),
        },
    )


@applicant_required
@require_POST
def object_to_entry(request: HttpRequest, reference: str) -> HttpResponse:
    application = application_for_applicant(user=request.user, reference=reference)
    entry = entry_of(application)
    if entry is None:
        raise Http404
    form = ObjectionForm(request.POST)
    form.is_valid()
    try:
        rounds.entry_object(actor=request.user, entry=entry, text=form.cleaned_data.get("text", ""))
    except DomainError as exc:
        messages.error(request, exc.text())
    else:
        messages.success(request, _("Your objection was sent."))
    return redirect("applications:detail", reference=application.reference)

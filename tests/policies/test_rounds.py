"""The yearly quota round of points-based hukou, end to end: open, rank, publish with masked
names, object and answer, decide; the same data gives the same list."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.accounts.models import Role
from onewindow.applications.models import Application, Notification, Status
from onewindow.core.errors import ConflictError, DomainError
from onewindow.policies import rounds
from onewindow.policies.models import Assessment, RoundEntry
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def field(hukou_applicant):
    """Four applicants: residence since 2016, 2018, 2020 and 2016 again (a tie with the
    first on points, broken by medical-insurance months)."""
    made = [
        hukou_applicant(since=datetime.date(2016, 1, 1), insured_since=datetime.date(2020, 1, 1)),
        hukou_applicant(since=datetime.date(2018, 1, 1)),
        hukou_applicant(since=datetime.date(2020, 6, 1)),
        hukou_applicant(since=datetime.date(2016, 1, 1), insured_since=datetime.date(2019, 6, 1)),
    ]
    return [application for _user, application in made], [user for user, _ in made]


@pytest.fixture
def supervisor(make_user):
    return make_user(Role.SUPERVISOR)


def _ranked(round_):
    return [(e.rank, e.application.reference, e.selected) for e in round_.entries.order_by("rank")]


def test_rank_orders_by_points_then_tie_breakers_and_is_repeatable(field, supervisor):
    applications, _users = field
    round_ = rounds.round_open(actor=supervisor, year=2026, quota=2)
    round_ = rounds.round_rank(actor=supervisor, round_=round_, version=round_.version)
    first = _ranked(round_)
    # the two 2016 applicants lead; the fourth has more insurance years (more points)
    assert [r[1] for r in first] == [
        applications[3].reference,
        applications[0].reference,
        applications[1].reference,
        applications[2].reference,
    ]
    assert [r[2] for r in first] == [True, True, False, False]
    # ranking again on the same data gives the same list
    round_ = rounds.round_rank(actor=supervisor, round_=round_, version=round_.version)
    assert _ranked(round_) == first


def test_ties_go_to_the_longer_medical_insurance(hukou_applicant, supervisor):
    # given two applicants with the same points, the second with one more month of medical
    # insurance (the first tie-breaker) in the facts their assessment pinned
    _, a = hukou_applicant()
    _, b = hukou_applicant()
    pinned = Assessment.objects.get(application=b)
    facts = {
        **pinned.facts,
        "medical_insurance_months": pinned.facts["medical_insurance_months"] + 1,
    }
    Assessment.objects.filter(pk=pinned.pk).update(facts=facts)
    # when the round is ranked
    round_ = rounds.round_open(actor=supervisor, year=2026, quota=1)
    round_ = rounds.round_rank(actor=supervisor, round_=round_, version=round_.version)
    # then the second comes first, and only they are selected
    entries = list(round_.entries.order_by("rank"))
    assert entries[0].total == entries[1].total
    assert [(e.application_id, e.selected) for e in entries] == [(b.pk, True), (a.pk, False)]


def test_publish_object_answer_and_decide(field, supervisor):
    applications, users = field
    round_ = rounds.round_open(actor=supervisor, year=2026, quota=2)
    round_ = rounds.round_rank(actor=supervisor, round_=round_, version=round_.version)
    round_ = rounds.round_publish(actor=supervisor, round_=round_, version=round_.version)
    # every applicant is told their place, in English
    note = Notification.objects.filter(user=users[2], kind="quota_round").get()
    assert "ranked" in note.text and "not selected" in note.text
    # the public list shows masked names only
    public = Client().get("/rounds/2026/").content.decode()
    assert "*" in public
    assert applications[0].person.zh_name not in public
    assert applications[0].reference not in public
    # the third applicant objects from their application's page
    third = signed_in(users[2])
    page = third.get(f"/applications/{applications[2].reference}/").content.decode()
    assert 'id="objection-form"' in page
    third.post(f"/applications/{applications[2].reference}/object/", {"text": "I moved in 2016."})
    entry = RoundEntry.objects.get(application=applications[2])
    assert entry.objection_status == "filed"
    # a decision cannot be made while the window is open or an objection waits
    with pytest.raises(DomainError):
        rounds.round_finalise(actor=supervisor, round_=round_, version=round_.version)
    # the supervisor corrects the registry and upholds: the application is re-assessed and
    # the round re-ranked
    registration = applications[2].person.residences.get()
    type(registration).objects.filter(pk=registration.pk).update(
        valid_from=datetime.date(2014, 1, 1)
    )
    rounds.entry_resolve(actor=supervisor, entry=entry, upheld=True, answer="Corrected.")
    round_.refresh_from_db()
    entry = RoundEntry.objects.get(application=applications[2])
    assert entry.objection_status == "upheld" and entry.rank == 1 and entry.selected
    # after the window, the decisions follow the list
    later = round_.objections_until + datetime.timedelta(days=1)
    rounds.round_finalise(actor=supervisor, round_=round_, version=round_.version, today=later)
    statuses = {a.reference: Application.objects.get(pk=a.pk).status for a in applications}
    selected = set(
        round_.entries.filter(selected=True).values_list("application__reference", flat=True)
    )
    assert {ref for ref, status in statuses.items() if status == Status.APPROVED} == selected
    assert sum(status == Status.REJECTED for status in statuses.values()) == 2


def test_round_rules(field, supervisor, make_user):
    applications, users = field
    officer = make_user(Role.OFFICER)
    with pytest.raises(DomainError):
        rounds.round_open(actor=officer, year=2026, quota=10)
    round_ = rounds.round_open(actor=supervisor, year=2026, quota=10)
    with pytest.raises(DomainError):
        rounds.round_open(actor=supervisor, year=2026, quota=10)
    with pytest.raises(DomainError):
        rounds.round_publish(actor=supervisor, round_=round_, version=round_.version)
    stale = round_.version
    round_ = rounds.round_rank(actor=supervisor, round_=round_, version=round_.version)
    with pytest.raises(ConflictError):
        rounds.round_rank(actor=supervisor, round_=round_, version=stale)
    round_ = rounds.round_publish(actor=supervisor, round_=round_, version=round_.version)
    with pytest.raises(DomainError):
        rounds.round_rank(actor=supervisor, round_=round_, version=round_.version)
    entry = round_.entries.get(application=applications[0])
    with pytest.raises(DomainError):  # someone else's application
        rounds.entry_object(actor=users[1], entry=entry, text="No.")
    with pytest.raises(DomainError):  # empty
        rounds.entry_object(actor=users[0], entry=entry, text="  ")
    rounds.entry_object(actor=users[0], entry=entry, text="My points are wrong.")
    with pytest.raises(DomainError):  # only once
        rounds.entry_object(actor=users[0], entry=entry, text="Again.")


def test_round_pages_for_supervisors(field, supervisor, make_user, make_person):
    client = signed_in(supervisor)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/staff/rounds/", {"year": "2026", "quota": "3"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'id="rank"' in page
    uid = response["Location"].rstrip("/").split("/")[-1]
    version = 1
    assert client.post(f"/staff/rounds/{uid}/rank/", {"version": version}).status_code == 302
    page = client.get(f"/staff/rounds/{uid}/").content.decode()
    assert page.count('class="selected"') == 3
    stale = client.post(f"/staff/rounds/{uid}/rank/", {"version": version})
    assert stale.status_code == 409
    # nobody else runs a round, and the list is not public before it is published
    for role in (Role.OFFICER, Role.ANALYST):
        assert signed_in(make_user(role)).get("/staff/rounds/").status_code == 403
    resident = signed_in(make_user(Role.RESIDENT, person=make_person()))
    assert resident.get(f"/staff/rounds/{uid}/").status_code == 403
    assert Client().get("/rounds/2026/").status_code == 404
    assert timezone.localdate()  # the page used today's date for the window

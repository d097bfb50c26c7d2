"""The linkage pages: who may, a run from the page, a pair side by side with its weights and
the decision, a golden record's sources and splitting one off; every read audited."""

import pytest
from django.core.management import call_command
from django.test import Client

from onewindow.accounts.models import Role
from onewindow.audit.models import AuditEvent
from onewindow.consolidation.linking import link_pending
from onewindow.consolidation.models import LinkageRun, RecordLink, ReviewPair
from onewindow.consolidation.synthetic import multi_agency_records, stage
from onewindow.registry.models import Person
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user):
    client = signed_in(make_user(Role.ADMINISTRATOR))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def linked():
    records, _truth = multi_agency_records(120, seed=21)
    stage(records)
    link_pending(auto=0.999, review=0.3)
    pending = ReviewPair.objects.filter(status="pending", record__link__isnull=False)
    return pending.select_related("record", "person").first()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, 302),
        (Role.RESIDENT, 403),
        (Role.OFFICER, 403),
        (Role.STATION_STAFF, 403),
        (Role.ANALYST, 403),
        (Role.SUPERVISOR, 403),
        (Role.ADMINISTRATOR, 200),
    ],
)
def test_only_administrators_see_and_settle_linkage(make_user, make_person, linked, role, expected):
    extra = {"person": make_person()} if role == Role.RESIDENT else {}
    client = Client() if role is None else signed_in(make_user(role, **extra))
    person = RecordLink.objects.get(record=linked.record).person
    urls = [
        "/staff/linkage/",
        f"/staff/linkage/pairs/{linked.uid}/",
        f"/staff/linkage/persons/{person.uid}/",
    ]
    for url in urls:
        assert client.get(url).status_code == expected, url
    if expected != 200:
        client.post(f"/staff/linkage/pairs/{linked.uid}/", {"decision": "link"})
        client.post(f"/staff/linkage/persons/{person.uid}/", {"record": linked.record_id})
        client.post("/staff/linkage/", {"auto": "0.9", "review": "0.5"})
        linked.refresh_from_db()
        assert linked.status == "pending"
        assert RecordLink.objects.get(record=linked.record).person == person
        assert LinkageRun.objects.count() == 1


def test_a_run_from_the_page_and_its_thresholds_checked(admin):
    records, _truth = multi_agency_records(40, seed=22)
    stage(records)
    page = admin.get("/staff/linkage/").content.decode()
    assert f"{records.height} imported records wait for linkage" in page
    response = admin.post("/staff/linkage/", {"auto": "0.5", "review": "0.9"})
    assert response.status_code == 400
    assert "cannot be above" in response.content.decode()
    assert not LinkageRun.objects.exists()
    response = admin.post("/staff/linkage/", {"auto": "0.9", "review": "0.5"})
    assert response.status_code == 302
    run = LinkageRun.objects.get()
    assert run.records == records.height and run.started_by is not None
    # what is left waiting is what was held: too little to make a person, tried again later
    page = admin.get("/staff/linkage/").content.decode()
    assert f'<strong id="waiting">{run.held} imported record' in page


def test_a_pair_side_by_side_then_linked(admin, linked):
    page = admin.get("/staff/linkage/").content.decode()
    assert f"/staff/linkage/pairs/{linked.uid}/" in page
    response = admin.get(f"/staff/linkage/pairs/{linked.uid}/")
    page = response.content.decode()
    assert "Is this the same person?" in page and 'id="weights"' in page
    assert "Birth date" in page and "Name" in page
    reads = AuditEvent.objects.filter(action="read", why="linkage_review")
    assert reads.filter(object_id=str(linked.person.uid)).exists()
    response = admin.post(f"/staff/linkage/pairs/{linked.uid}/", {"decision": "link"})
    assert response.status_code == 302
    assert RecordLink.objects.get(record=linked.record).person == linked.person
    # settled: shown read-only, and a second decision is refused
    page = admin.get(f"/staff/linkage/pairs/{linked.uid}/").content.decode()
    assert 'id="decided"' in page and 'id="link"' not in page
    assert (
        admin.post(f"/staff/linkage/pairs/{linked.uid}/", {"decision": "not_match"}).status_code
        == 409
    )


def test_differences_are_highlighted(admin, linked):
    page = admin.get(f"/staff/linkage/pairs/{linked.uid}/").content.decode()
    record, person = linked.record, linked.person
    if record.birth_date and record.birth_date != person.birth_date:
        assert 'class="differs"' in page


def test_golden_record_shows_sources_and_a_wrong_record_is_split_off(admin, linked):
    admin.post(f"/staff/linkage/pairs/{linked.uid}/", {"decision": "link"})
    person = linked.person
    page = admin.get(f"/staff/linkage/persons/{person.uid}/").content.decode()
    assert "Where each value comes from" in page and 'id="sources"' in page
    assert "row " in page
    response = admin.post(f"/staff/linkage/persons/{person.uid}/", {"record": linked.record_id})
    assert response.status_code == 302
    assert RecordLink.objects.get(record=linked.record).person != person
    assert AuditEvent.objects.filter(action="linkage_unmerge", object_id=str(person.uid)).exists()


def test_unknown_or_foreign_ids_are_404(admin, linked):
    person = RecordLink.objects.get(record=linked.record).person
    other = Person.objects.exclude(pk=person.pk).first()
    foreign = RecordLink.objects.filter(person=other).first()
    before = dict(RecordLink.objects.values_list("record_id", "person_id"))
    assert (
        admin.post(
            f"/staff/linkage/persons/{person.uid}/", {"record": foreign.record_id}
        ).status_code
        == 404
    )
    assert admin.post(f"/staff/linkage/persons/{person.uid}/", {"record": "x"}).status_code == 404
    assert (
        admin.get("/staff/linkage/pairs/00000000-0000-7000-8000-000000000000/").status_code == 404
    )
    assert admin.get("/staff/linkage/persons/not-a-uuid/").status_code == 404
    assert dict(RecordLink.objects.values_list("record_id", "person_id")) == before


def test_the_link_command(capsys):
    records, _truth = multi_agency_records(30, seed=23)
    stage(records)
    call_command("link", "--auto", "0.9", "--review", "0.5")
    out = capsys.readouterr().out
    assert f"{records.height:,} records:" in out
    assert LinkageRun.objects.get().records == records.height

"""The permission matrix of every page and API endpoint of the registry.

For each caller — anonymous, resident, another resident, analyst, employer, officer of another
district, station staff, the right officer, administrator — the response, and on denial that
nothing was read or changed (no audit row, the record unchanged).
"""

import json

import pytest
from django.test import Client

from onewindow.accounts.models import Role
from onewindow.accounts.services import api_token_create, api_token_revoke
from onewindow.audit.models import AuditEvent
from onewindow.registry.models import Person
from tests.conftest import BAIYUN, TIANHE, signed_in

pytestmark = pytest.mark.django_db

CALLERS = [
    "anonymous",
    "resident",
    "other_resident",
    "analyst",
    "employer",
    "officer_other_district",
    "station_staff",
    "officer",
    "supervisor",
    "administrator",
]


@pytest.fixture
def world(make_person, make_user):
    target = make_person(zh_name="张伟", district=TIANHE)
    other = make_person(zh_name="李娜", district=BAIYUN)
    users = {
        "resident": make_user(Role.RESIDENT, person=target),
        "other_resident": make_user(Role.RESIDENT, person=other),
        "analyst": make_user(Role.ANALYST),
        "employer": make_user(Role.EMPLOYER),
        "officer_other_district": make_user(Role.OFFICER, districts=[BAIYUN]),
        "station_staff": make_user(Role.STATION_STAFF),
        "officer": make_user(Role.OFFICER, districts=[TIANHE]),
        "supervisor": make_user(Role.SUPERVISOR, districts=[TIANHE]),
        "administrator": make_user(Role.ADMINISTRATOR),
    }
    return target, users


def _client(users, caller):
    return Client() if caller == "anonymous" else signed_in(users[caller])


def _snapshot(person):
    person.refresh_from_db()
    return (person.version, person.status, person.current_district_id, AuditEvent.objects.count())


def _reads(person):
    return AuditEvent.objects.filter(action="read", object_id=str(person.uid)).count()


RECORD_PAGE = {
    "anonymous": 302,
    "resident": 403,
    "other_resident": 403,
    "analyst": 404,
    "employer": 403,
    "officer_other_district": 404,
    "station_staff": 200,
    "officer": 200,
    "supervisor": 200,
    "administrator": 200,
}


@pytest.mark.parametrize("caller", CALLERS)
def test_person_record_page(world, caller):
    target, users = world
    before = _snapshot(target)
    response = _client(users, caller).get(f"/staff/persons/{target.uid}/")
    assert response.status_code == RECORD_PAGE[caller]
    if response.status_code == 200:
        assert "张伟" in response.content.decode()
        assert _reads(target) == 1
    else:
        assert _snapshot(target) == before
        assert "张伟" not in response.content.decode()


def test_unknown_record_is_404_like_one_out_of_scope(world):
    _, users = world
    response = signed_in(users["officer"]).get(
        "/staff/persons/0190a0a0-0000-7000-8000-000000000000/"
    )
    assert response.status_code == 404


SEARCH_PAGE = {
    "anonymous": 302,
    "resident": 403,
    "other_resident": 403,
    "analyst": 403,
    "employer": 403,
    "officer_other_district": 200,
    "station_staff": 200,
    "officer": 200,
    "supervisor": 200,
    "administrator": 200,
}
SEES_TARGET = {"station_staff", "officer", "supervisor", "administrator"}


@pytest.mark.parametrize("caller", CALLERS)
def test_search_page(world, caller):
    target, users = world
    before = _snapshot(target)
    response = _client(users, caller).post("/staff/persons/", {"q": "zhang wei"})
    assert response.status_code == SEARCH_PAGE[caller]
    body = response.content.decode()
    assert (str(target.uid) in body) == (caller in SEES_TARGET)
    if response.status_code != 200:
        assert _snapshot(target) == before


STAFF_HOME = {
    "anonymous": 302,
    "resident": 403,
    "other_resident": 403,
    "analyst": 200,
    "employer": 403,
    "officer_other_district": 200,
    "station_staff": 200,
    "officer": 200,
    "supervisor": 200,
    "administrator": 200,
}


@pytest.mark.parametrize("caller", CALLERS)
def test_staff_home(world, caller):
    _, users = world
    assert _client(users, caller).get("/staff/").status_code == STAFF_HOME[caller]


MY_RECORD = dict.fromkeys(CALLERS, 403) | {"anonymous": 302, "resident": 200, "other_resident": 200}


@pytest.mark.parametrize("caller", CALLERS)
def test_my_record_shows_only_oneself(world, caller):
    _, users = world
    response = _client(users, caller).get("/me/")
    assert response.status_code == MY_RECORD[caller]
    if caller == "resident":
        assert "张伟" in response.content.decode()
    if caller == "other_resident":
        body = response.content.decode()
        assert "李娜" in body and "张伟" not in body


API_RECORD = {
    "anonymous": 401,
    "resident": 200,
    "other_resident": 404,
    "analyst": 404,
    "employer": 404,
    "officer_other_district": 404,
    "station_staff": 200,
    "officer": 200,
    "supervisor": 200,
    "administrator": 200,
}


@pytest.mark.parametrize("caller", CALLERS)
def test_api_person_record_with_token(world, caller):
    target, users = world
    before = _snapshot(target)
    headers = {}
    if caller != "anonymous":
        token = api_token_create(actor=None, user=users[caller], name="test")
        headers = {"Authorization": f"Bearer {token}"}
    response = Client().get(f"/api/persons/{target.uid}", headers=headers)
    assert response.status_code == API_RECORD[caller]
    if response.status_code == 200:
        data = response.json()
        assert data["zh_name"] == "张伟"
        number = data["documents"][0]["number"]
        # station staff see ID numbers masked; officers and the person themself in full
        assert ("*" in number) == (caller == "station_staff")
    else:
        assert _snapshot(target)[:3] == before[:3]
        assert _reads(target) == 0


API_SEARCH = {
    "anonymous": 401,
    "resident": 403,
    "other_resident": 403,
    "analyst": 403,
    "employer": 403,
    "officer_other_district": 200,
    "station_staff": 200,
    "officer": 200,
    "supervisor": 200,
    "administrator": 200,
}


@pytest.mark.parametrize("caller", CALLERS)
def test_api_search_with_session(world, caller):
    target, users = world
    response = _client(users, caller).post(
        "/api/persons/search", json.dumps({"q": "zhang wei"}), content_type="application/json"
    )
    assert response.status_code == API_SEARCH[caller]
    if response.status_code == 200:
        found = [r["uid"] for r in response.json()["results"]]
        assert (str(target.uid) in found) == (caller in SEES_TARGET)
        assert all("*" in d["number"] for r in response.json()["results"] for d in r["documents"])


def test_api_refuses_staff_session_without_second_factor(world):
    _, users = world
    client = Client()
    client.force_login(users["officer"])
    response = client.post(
        "/api/persons/search", json.dumps({"q": "zhang wei"}), content_type="application/json"
    )
    assert response.status_code == 401


def test_revoked_or_unknown_token_is_refused(world):
    target, users = world
    token = api_token_create(actor=None, user=users["officer"], name="laptop")
    url = f"/api/persons/{target.uid}"
    assert Client().get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    api_token_revoke(actor=None, user=users["officer"], name="laptop")
    for bearer in (token, "ow_not-a-token"):
        response = Client().get(url, headers={"Authorization": f"Bearer {bearer}"})
        assert response.status_code == 401


def test_api_me(world):
    _, users = world
    token = api_token_create(actor=None, user=users["officer"], name="t")
    data = Client().get("/api/accounts/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert data["role"] == "officer" and data["districts"] == [TIANHE]


def test_openapi_schema_is_served():
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/persons/search" in paths and "/api/persons/{uid}" in paths


def test_no_person_is_ever_deleted_through_any_path(world):
    target, _ = world
    with pytest.raises(TypeError):
        target.delete()
    assert Person.objects.filter(pk=target.pk).exists()


def test_error_pages_speak_the_readers_language(world):
    target, users = world
    client = signed_in(users["officer_other_district"])
    response = client.get(f"/staff/persons/{target.uid}/", headers={"accept-language": "en"})
    assert response.status_code == 404
    assert "outside what your role may see" in response.content.decode()
    response = signed_in(users["resident"]).get("/staff/persons/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 403
    assert "您的角色" in response.content.decode()


def test_a_token_client_can_post_without_csrf(world):
    # given an officer's token and a client that enforces CSRF like a real browser would
    _, users = world
    token = api_token_create(actor=None, user=users["officer"], name="agency system")
    client = Client(enforce_csrf_checks=True)
    # when it searches by POST with only the bearer header
    response = client.post(
        "/api/persons/search",
        json.dumps({"q": "zhang wei"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    # then it is served (CSRF protects cookie sessions, not bearer tokens)
    assert response.status_code == 200
    # and a cookie session without the CSRF token is still refused
    session = signed_in(users["officer"])
    session.handler.enforce_csrf_checks = True
    response = session.post(
        "/api/persons/search", json.dumps({"q": "zhang wei"}), content_type="application/json"
    )
    assert response.status_code in (401, 403)

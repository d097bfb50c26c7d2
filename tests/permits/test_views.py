"""Pages and API: public verification, and who may see a permit's page and card."""

import json

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from onewindow.accounts.models import Role
from onewindow.audit.models import AuditEvent
from onewindow.permits.services import permit_revoke
from onewindow.permits.signing import permit_token
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

CALLERS = [
    "anonymous",
    "holder",
    "applicant",
    "other_resident",
    "analyst",
    "station_staff",
    "officer_other_district",
    "officer",
    "supervisor",
    "administrator",
]
ALLOWED = {"holder", "applicant", "officer", "supervisor", "administrator"}


@pytest.fixture
def world(issue, holder_user, staff, make_user, make_person, make_application):
    employer = make_user(Role.EMPLOYER)
    permit = issue(application=make_application(applicant=employer))
    users = {
        "holder": holder_user,
        "applicant": employer,
        "other_resident": make_user(Role.RESIDENT, person=make_person(zh_name="李娜")),
        **staff,
    }
    return permit, users


def _client(users, caller):
    return Client() if caller == "anonymous" else signed_in(users[caller])


def _reads(permit):
    return AuditEvent.objects.filter(object_id=str(permit.uid), action="read").count()


@pytest.mark.parametrize("caller", CALLERS)
def test_card_pdf_permissions(world, caller):
    # given a permit and a caller
    permit, users = world
    # when the caller asks for the card
    response = _client(users, caller).get(f"/permits/{permit.uid}/card.pdf")
    # then only the holder, the applicant and the right staff get it; for the rest it
    # does not exist, and nothing was read
    if caller in ALLOWED:
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF") and len(response.content) > 1000
        assert _reads(permit) == 1
    else:
        assert response.status_code == 404
        assert b"%PDF" not in response.content
        assert _reads(permit) == 0


@pytest.mark.parametrize("caller", CALLERS)
def test_permit_page_permissions(world, caller):
    permit, users = world
    response = _client(users, caller).get(f"/permits/{permit.uid}/")
    body = response.content.decode()
    if caller in ALLOWED:
        assert response.status_code == 200
        assert "张伟" in body and permit.number in body
        assert 'src="data:image/svg+xml' in body
        assert _reads(permit) == 1
    else:
        assert response.status_code == 404
        assert "张伟" not in body and permit.number not in body
        assert _reads(permit) == 0


def test_staff_without_second_factor_get_nothing(world):
    permit, users = world
    client = Client()
    client.force_login(users["officer"])
    assert client.get(f"/permits/{permit.uid}/card.pdf").status_code == 404


def test_unknown_permit_is_404(world):
    _, users = world
    response = signed_in(users["administrator"]).get(
        "/permits/0190a0a0-0000-7000-8000-000000000000/card.pdf"
    )
    assert response.status_code == 404


def test_card_embeds_a_cjk_font(world):
    permit, users = world
    pdf = signed_in(users["holder"]).get(f"/permits/{permit.uid}/card.pdf").content
    assert b"/FontFile2" in pdf or b"STSong-Light" in pdf


def test_the_qr_on_the_page_points_at_the_verify_page_with_the_token_in_the_fragment(world):
    permit, users = world
    body = signed_in(users["holder"]).get(f"/permits/{permit.uid}/").content.decode()
    assert "data:image/svg+xml" in body
    # the link itself is inside the QR image; what it must contain is checked in signing tests


def test_verify_page_renders_for_anonymous():
    response = Client().get("/verify")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<textarea id="token" name="token"' in body
    assert "permits/verify.js" in body
    assert "<script>" not in body  # CSP: script-src 'self', no inline scripts
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_verify_page_says_forged_for_garbage():
    response = Client().post("/verify", {"token": "not-a-token"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="verdict verdict-forged"' in body
    assert "Forged or damaged" in body or "伪造" in body


def test_verify_page_says_valid_and_shows_only_what_it_may(world):
    permit, _ = world
    response = Client().post("/verify", {"token": permit_token(permit)}, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert 'class="verdict verdict-valid"' in body
    assert "张*" in body and "张伟" not in body
    assert permit.number not in body and permit.number[-4:] in body
    assert "Work and residence permit" in body


def test_verify_page_says_revoked(world):
    permit, _ = world
    token = permit_token(permit)
    permit_revoke(actor=None, permit=permit, reason="fraud")
    body = Client().post("/verify", {"token": token}).content.decode()
    assert 'class="verdict verdict-revoked"' in body
    assert "fraud" not in body


def test_verify_script_is_a_static_file():
    assert finders.find("permits/verify.js")


def _api(token):
    return Client().post(
        "/api/permits/verify", json.dumps({"token": token}), content_type="application/json"
    )


def test_api_verify_works_without_signing_in(world):
    permit, _ = world
    response = _api(permit_token(permit))
    assert response.status_code == 200
    data = response.json()
    assert data == {
        "status": "valid",
        "type": "work_residence_permit",
        "title": data["title"],
        "valid_from": permit.valid_from.isoformat(),
        "valid_to": permit.valid_to.isoformat(),
        "holder": "张*",
        "number": "*" * (len(permit.number) - 4) + permit.number[-4:],
    }
    assert data["title"] in (permit.title_zh, permit.title_en)


def test_api_verify_garbage_is_forged_and_empty():
    data = _api("garbage").json()
    assert data["status"] == "forged"
    assert all(data[k] is None for k in ("type", "title", "valid_from", "valid_to", "holder"))


def test_api_verify_refuses_an_oversized_token():
    assert _api("x" * 5000).status_code == 422


def test_api_verify_is_in_the_openapi_schema():
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert "/api/permits/verify" in paths

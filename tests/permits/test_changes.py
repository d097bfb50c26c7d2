"""Renew and revoke a permit from its page and through the API: who may, what the holder is
told, and that a refused or stale change leaves the permit as it was."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.accounts.models import Agency, Role
from onewindow.applications.models import Notification, Review, ReviewStatus
from onewindow.audit.models import AuditEvent
from onewindow.permits.services import add_months
from onewindow.permits.signing import permit_token, verify_token
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

CALLERS = [
    "anonymous",
    "holder",
    "applicant",
    "analyst",
    "station_staff",
    "officer_other_agency",
    "officer_other_district",
    "officer",
    "supervisor",
    "administrator",
]
MAY_CHANGE = {"officer", "supervisor", "administrator"}


@pytest.fixture
def world(issue, holder_user, staff, make_user, make_application):
    employer = make_user(Role.EMPLOYER, language="en")
    application = make_application(applicant=employer)
    Review.objects.create(
        application=application,
        agency=Agency.objects.get(code="exit_entry"),
        status=ReviewStatus.APPROVED,
        deadline_working_days=7,
        due_date=timezone.localdate(),
    )
    permit = issue(application=application)
    other_agency = Agency.objects.exclude(code="exit_entry").first()
    users = {
        "holder": holder_user,
        "applicant": employer,
        "officer_other_agency": make_user(Role.OFFICER, agency=other_agency),
        **staff,
    }
    return permit, users


def _client(users, caller):
    return Client() if caller == "anonymous" else signed_in(users[caller])


def _state(permit):
    permit.refresh_from_db()
    return (permit.status, permit.valid_to, permit.version, permit.revoke_reason)


@pytest.mark.parametrize("caller", CALLERS)
def test_revoke_page_permissions(world, caller):
    # given a valid permit and a caller
    permit, users = world
    before = _state(permit)
    # when the caller posts a revocation
    response = _client(users, caller).post(
        f"/permits/{permit.uid}/revoke/", {"version": permit.version, "reason": "Fraud found."}
    )
    # then only staff of an agency that reviewed it (or an administrator) revoke it; the
    # rest are sent to sign in, refused, or told it does not exist, and nothing changes
    if caller in MAY_CHANGE:
        assert response.status_code == 302
        assert _state(permit)[0] == "revoked"
    else:
        assert response.status_code == {"anonymous": 302}.get(
            caller, 403 if caller in ("holder", "applicant") else 404
        )
        assert _state(permit) == before
        assert not AuditEvent.objects.filter(action="revoke").exists()


@pytest.mark.parametrize("caller", CALLERS)
def test_change_forms_shown_only_to_who_may_change(world, caller):
    permit, users = world
    response = _client(users, caller).get(f"/permits/{permit.uid}/")
    if caller in MAY_CHANGE:
        assert b'id="revoke"' in response.content and b'id="renew"' in response.content
    else:
        assert b'id="revoke"' not in response.content


def test_revoke_tells_holder_and_applicant_and_verify_says_revoked(world):
    # given a valid permit, its holder (Chinese) and the employer who applied (English)
    permit, users = world
    token = permit_token(permit)
    assert verify_token(token).status == "valid"
    # when the officer revokes it with a reason
    response = signed_in(users["officer"]).post(
        f"/permits/{permit.uid}/revoke/",
        {"version": permit.version, "reason": "The employment ended."},
        follow=True,
    )
    # then the page shows it revoked with the reason, verification says revoked, and both
    # are told in their own language
    assert response.status_code == 200
    assert "The employment ended." in response.content.decode()
    assert verify_token(token).status == "revoked"
    holder_note = Notification.objects.get(user=users["holder"], kind="permit_revoked")
    applicant_note = Notification.objects.get(user=users["applicant"], kind="permit_revoked")
    assert permit.number in holder_note.text and "The employment ended." in holder_note.text
    assert "吊销" in holder_note.text or "撤销" in holder_note.text
    assert applicant_note.text.startswith("Your Work and residence permit")
    # and the reason (free text) is not in the audit log
    event = AuditEvent.objects.get(action="revoke", object_id=str(permit.uid))
    assert "employment" not in json.dumps(event.details)


def test_revoke_without_reason_is_refused(world):
    permit, users = world
    before = _state(permit)
    response = signed_in(users["officer"]).post(
        f"/permits/{permit.uid}/revoke/", {"version": permit.version, "reason": "   "}
    )
    assert response.status_code == 400
    assert "请填写吊销证件的理由" in response.content.decode()
    assert _state(permit) == before


def test_renew_extends_from_the_end_date_and_tells_the_holder(world):
    permit, users = world
    old_to = permit.valid_to
    response = signed_in(users["officer"]).post(
        f"/permits/{permit.uid}/renew/", {"version": permit.version, "months": "24"}
    )
    assert response.status_code == 302
    permit.refresh_from_db()
    assert permit.valid_to == add_months(old_to, 24)
    note = Notification.objects.get(user=users["holder"], kind="permit_valid")
    assert permit.valid_to.isoformat() in note.text


@pytest.mark.parametrize("months", ["0", "121", "", "abc", "-3"])
def test_renew_out_of_range_is_refused(world, months):
    permit, users = world
    before = _state(permit)
    response = signed_in(users["officer"]).post(
        f"/permits/{permit.uid}/renew/", {"version": permit.version, "months": months}
    )
    assert response.status_code == 400
    assert _state(permit) == before


def test_stale_version_is_a_conflict(world):
    # given two officers who opened the same permit page
    permit, users = world
    seen = permit.version
    first = signed_in(users["officer"]).post(
        f"/permits/{permit.uid}/renew/", {"version": seen, "months": "12"}
    )
    assert first.status_code == 302
    after_first = _state(permit)
    # when the second acts on the version they saw
    second = signed_in(users["supervisor"]).post(
        f"/permits/{permit.uid}/revoke/", {"version": seen, "reason": "Fraud."}
    )
    # then they are told someone else changed it first, and the first change stands
    assert second.status_code == 409
    assert permit.number in second.content.decode()
    assert _state(permit) == after_first


def test_revoked_permit_cannot_be_renewed(world):
    permit, users = world
    client = signed_in(users["administrator"])
    client.post(f"/permits/{permit.uid}/revoke/", {"version": permit.version, "reason": "Fraud."})
    before = _state(permit)
    response = client.post(f"/permits/{permit.uid}/renew/", {"version": before[2], "months": "6"})
    assert response.status_code == 400
    assert _state(permit) == before


def test_unknown_action_is_404(world):
    permit, users = world
    response = signed_in(users["officer"]).post(
        f"/permits/{permit.uid}/delete/", {"version": permit.version}
    )
    assert response.status_code == 404


def test_imported_permit_is_changed_by_supervisors_not_officers(world, issue, holder, spec):
    from onewindow.permits.services import permit_issue

    _, users = world
    imported = permit_issue(
        actor=None, application=None, holder=holder, spec=spec, valid_from=timezone.localdate()
    )
    officer = signed_in(users["officer"]).post(
        f"/permits/{imported.uid}/revoke/", {"version": imported.version, "reason": "x"}
    )
    assert officer.status_code == 404
    supervisor = signed_in(users["supervisor"]).post(
        f"/permits/{imported.uid}/revoke/", {"version": imported.version, "reason": "x"}
    )
    assert supervisor.status_code == 302


# --- API --------------------------------------------------------------------------------------


def _post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("caller", CALLERS)
def test_api_revoke_permissions(world, caller):
    permit, users = world
    before = _state(permit)
    response = _post(
        _client(users, caller),
        f"/api/permits/{permit.uid}/revoke",
        {"version": permit.version, "reason": "Fraud found."},
    )
    if caller in MAY_CHANGE:
        assert response.status_code == 200
        assert response.json()["status"] == "revoked"
    else:
        assert response.status_code == (401 if caller == "anonymous" else 404)
        assert _state(permit) == before


def test_api_read_renew_conflict(world):
    permit, users = world
    holder = signed_in(users["holder"])
    seen = holder.get(f"/api/permits/{permit.uid}").json()
    assert seen["number"] == permit.number and seen["status"] == "valid"
    officer = signed_in(users["officer"])
    renewed = _post(
        officer, f"/api/permits/{permit.uid}/renew", {"version": seen["version"], "months": 6}
    )
    assert renewed.status_code == 200
    expected = add_months(datetime.date.fromisoformat(seen["valid_to"]), 6)
    assert renewed.json()["valid_to"] == expected.isoformat()
    stale = _post(
        officer, f"/api/permits/{permit.uid}/renew", {"version": seen["version"], "months": 6}
    )
    assert stale.status_code == 409 and stale.json()["code"] == "permit_conflict"
    bad = _post(
        officer,
        f"/api/permits/{permit.uid}/renew",
        {"version": renewed.json()["version"], "months": 500},
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_months"

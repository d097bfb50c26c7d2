"""Sharing with agencies: a share's token reads only its fields for its purpose, every read
and refusal audited; pushing only its sources; revoked or unknown tokens get nothing."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from onewindow.audit.models import AuditEvent
from onewindow.consolidation.models import ImportBatch
from onewindow.consolidation.sharing import share_grant, share_revoke
from onewindow.core.errors import DomainError
from onewindow.registry.models import DocumentType
from tests.consolidation.test_import import HEADER, si_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(make_person):
    return make_person(zh_name="张伟")


def _bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _grant(**kwargs):
    kwargs.setdefault("agency", "hrss")
    kwargs.setdefault("purpose", "social_insurance_administration")
    kwargs.setdefault("fields", ["zh_name", "birth_date", "resident_id"])
    return share_grant(actor=None, **kwargs)


def test_reads_only_the_shares_fields_and_audits_each_read(person):
    # given a share for the social-insurance bureau: name, birth date, ID number
    _share, token = _grant()
    client = Client()
    # when it reads the person
    response = client.get(f"/api/share/persons/{person.uid}", **_bearer(token))
    # then it gets exactly those fields, and the read is audited with the purpose
    assert response.status_code == 200
    body = response.json()
    assert set(body["fields"]) == {"zh_name", "birth_date", "resident_id"}
    assert body["fields"]["zh_name"] == "张伟"
    event = AuditEvent.objects.get(action="share_read", object_id=str(person.uid))
    assert event.why == "social_insurance_administration"
    assert event.details["fields"] == ["zh_name", "birth_date", "resident_id"]
    assert "张伟" not in json.dumps(event.details, ensure_ascii=False)


def test_a_field_outside_the_share_is_refused_and_nothing_read(person):
    _share, token = _grant()
    response = Client().get(
        f"/api/share/persons/{person.uid}?fields=zh_name,passport_number", **_bearer(token)
    )
    assert response.status_code == 403
    assert response.json()["code"] == "outside_scope"
    assert not AuditEvent.objects.filter(action="share_read").exists()
    assert AuditEvent.objects.filter(action="share_refused").exists()


def test_lookup_by_identifier_in_the_body(person):
    _share, token = _grant()
    number = person.documents.get(doc_type=DocumentType.RESIDENT_ID).number
    response = Client().post(
        "/api/share/lookup",
        json.dumps({"resident_id": number, "fields": ["birth_date"]}),
        content_type="application/json",
        **_bearer(token),
    )
    assert response.status_code == 200
    assert response.json() == {
        "uid": str(person.uid),
        "fields": {"birth_date": person.birth_date.isoformat()},
    }
    missing = Client().post(
        "/api/share/lookup",
        json.dumps({"resident_id": "110101199001010010"}),
        content_type="application/json",
        **_bearer(token),
    )
    assert missing.status_code == 404


def test_revoked_unknown_and_user_tokens_get_nothing(person, make_user):
    share, token = _grant()
    share_revoke(actor=None, share=share)
    for header in (_bearer(token), _bearer("ows_nothing"), {}):
        assert Client().get(f"/api/share/persons/{person.uid}", **header).status_code == 401
    from onewindow.accounts.models import Role
    from onewindow.accounts.services import api_token_create

    admin_token = api_token_create(actor=None, user=make_user(Role.ADMINISTRATOR), name="t")
    assert (
        Client().get(f"/api/share/persons/{person.uid}", **_bearer(admin_token)).status_code == 401
    )
    assert not AuditEvent.objects.filter(action="share_read").exists()


def test_push_only_the_shares_sources(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    _share, token = _grant(sources=["social_insurance"])
    data = ("\n".join(",".join(r) for r in [HEADER, *si_rows(3)]) + "\n").encode("gb18030")

    def push(source: str):
        upload = SimpleUploadedFile("si.csv", data, content_type="text/csv")
        return Client().post(
            "/api/share/imports", {"source": source, "file": upload}, **_bearer(token)
        )

    refused = push("exit_entry")
    assert refused.status_code == 403 and not ImportBatch.objects.exists()
    accepted = push("social_insurance")
    assert accepted.status_code == 200
    assert accepted.json()["rows_accepted"] == 3


def test_grant_checks_what_it_names():
    with pytest.raises(DomainError):
        _grant(fields=["zh_name", "salary"])
    with pytest.raises(DomainError):
        _grant(purpose="marketing")
    with pytest.raises(DomainError):
        _grant(sources=["tax_office"])
    with pytest.raises(DomainError):
        _grant(agency="nobody")


def test_command_line(capsys):
    call_command("share", "grant", "hrss", "statistics", "--fields", "sex,birth_date,district")
    out = capsys.readouterr().out
    assert "token (shown once): ows_" in out
    call_command("share", "list")
    assert "hrss" in capsys.readouterr().out

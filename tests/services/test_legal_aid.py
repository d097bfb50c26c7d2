"""Legal aid: routing, the conversation, and who can read it (the most sensitive data here)."""

from typing import Any

import pytest

from onewindow.applications.models import Notification
from onewindow.audit.models import AuditEvent
from onewindow.core.errors import DomainError
from onewindow.services.models import LegalAidMessage, LegalAidRequest
from onewindow.services.services import legal_aid_close, legal_aid_reply, legal_aid_request
from tests.conftest import signed_in

WAGES = "My employer has not paid my wages for two months and I am on call every night."


def _file(user: Any, station: Any, body: str = WAGES) -> LegalAidRequest:
    return legal_aid_request(user=user, station=station, topic="wages", body=body, language="en")


def test_a_request_goes_to_the_least_busy_counsellor_of_the_station(
    resident: Any, counsellor: Any, station: Any
) -> None:
    busy, free = counsellor(), counsellor()
    assert _file(resident(), station("440106")).assigned_to == busy  # fewest cases, then id
    second = _file(resident(), station("440106"))
    assert second.assigned_to == free
    note = Notification.objects.filter(user=free).get()
    assert WAGES not in note.text  # the notification never carries the confidential text


def test_a_station_without_a_counsellor_falls_back_to_its_district(
    resident: Any, counsellor: Any, station: Any
) -> None:
    tianhe_counsellor = counsellor("440106")
    other_station = station("440106").district.stations.order_by("-code").first()
    assert _file(resident(), other_station).assigned_to == tianhe_counsellor


def test_no_counsellor_anywhere_is_a_clear_error_and_stores_nothing(
    resident: Any, station: Any
) -> None:
    with pytest.raises(DomainError) as err:
        _file(resident(), station("440104"))
    assert err.value.code == "no_counsellor"
    assert not LegalAidRequest.objects.exists() and not LegalAidMessage.objects.exists()


def test_empty_or_oversized_messages_are_refused(
    resident: Any, counsellor: Any, station: Any
) -> None:
    counsellor()
    for body in ("   ", "x" * 5001):
        with pytest.raises(DomainError):
            _file(resident(), station("440106"), body=body)
    assert not LegalAidRequest.objects.exists()


def test_the_conversation_and_closing(resident: Any, counsellor: Any, station: Any) -> None:
    staff, requester = counsellor(), resident()
    case = _file(requester, station("440106"))
    legal_aid_reply(actor=staff, request=case, body="你好，请带上劳动合同和工资条来服务站。")
    case.refresh_from_db()
    assert case.status == "answered"
    legal_aid_reply(actor=requester, request=case, body="Thank you, I will come on Monday.")
    case.refresh_from_db()
    assert case.status == "open"
    legal_aid_close(actor=requester, request=case)
    with pytest.raises(DomainError):
        legal_aid_reply(actor=staff, request=case, body="one more")
    assert case.messages.count() == 3


def test_nobody_else_may_write(
    resident: Any, counsellor: Any, station: Any, make_user: Any
) -> None:
    staff = counsellor()
    case = _file(resident(), station("440106"))
    colleague = make_user("station_staff", station=staff.station)
    for outsider in (resident(), colleague):
        with pytest.raises(DomainError):
            legal_aid_reply(actor=outsider, request=case, body="let me see")
    assert case.messages.count() == 1


# --- the permission matrix of the pages ---------------------------------------------------------


@pytest.fixture
def case(resident: Any, counsellor: Any, station: Any) -> LegalAidRequest:
    counsellor()
    return _file(resident(), station("440106"))


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("requester", 200),
        ("counsellor", 200),
        ("another resident", 404),
        ("a colleague at the same station", 404),
        ("an officer", 403),
        ("an administrator", 403),
        ("an analyst", 403),
    ],
)
def test_only_the_two_parties_read_a_request(
    case: LegalAidRequest, resident: Any, make_user: Any, who: str, status: int
) -> None:
    users = {
        "requester": lambda: case.requester,
        "counsellor": lambda: case.assigned_to,
        "another resident": lambda: resident(),
        "a colleague at the same station": lambda: make_user("station_staff", station=case.station),
        "an officer": lambda: make_user("officer"),
        "an administrator": lambda: make_user("administrator"),
        "an analyst": lambda: make_user("analyst"),
    }
    user = users[who]()
    before = AuditEvent.objects.filter(action="read", object_type="legal_aid").count()
    response = signed_in(user).get(f"/legal-aid/{case.uid}/")
    assert response.status_code == status
    body = response.content.decode()
    assert (WAGES in body) == (status == 200)
    reads = AuditEvent.objects.filter(action="read", object_type="legal_aid").count() - before
    assert reads == (1 if status == 200 else 0)
    # and writing is refused the same way, changing nothing
    response = signed_in(user).post(f"/legal-aid/{case.uid}/", {"body": "hello"})
    assert response.status_code in ((302,) if status == 200 else (status,))
    assert case.messages.count() == (2 if status == 200 else 1)


def test_anonymous_is_sent_to_sign_in(case: LegalAidRequest) -> None:
    from django.test import Client

    response = Client().get(f"/legal-aid/{case.uid}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert str(case.uid) not in response["Location"].split("next=")[0]


def test_the_lists_show_only_ones_own(case: LegalAidRequest, resident: Any) -> None:
    assert str(case.uid) in signed_in(case.requester).get("/legal-aid/").content.decode()
    assert str(case.uid) in signed_in(case.assigned_to).get("/legal-aid/").content.decode()
    assert str(case.uid) not in signed_in(resident()).get("/legal-aid/").content.decode()


def test_filing_through_the_page(resident: Any, counsellor: Any, station: Any) -> None:
    counsellor()
    user = resident()
    client = signed_in(user)
    assert client.get("/legal-aid/new/").status_code == 200
    response = client.post(
        "/legal-aid/new/",
        {"station": station("440106").code, "topic": "working_time", "body": WAGES},
    )
    filed = LegalAidRequest.objects.get(requester=user)
    assert response.status_code == 302 and response["Location"] == f"/legal-aid/{filed.uid}/"
    assert filed.topic == "working_time" and filed.messages.get().body == WAGES
    # a bad form stores nothing and says why
    response = client.post("/legal-aid/new/", {"station": "nope", "topic": "wages", "body": ""})
    assert response.status_code == 200 and LegalAidRequest.objects.count() == 1

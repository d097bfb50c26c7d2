"""Feedback, volunteers, associations and consultations (given / when / then)."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.core.errors import DomainError
from onewindow.services import community
from onewindow.services.models import (
    Association,
    AssociationEvent,
    Consultation,
    ConsultationComment,
    ServiceFeedback,
    Shift,
    ShiftSignup,
)
from tests.conftest import signed_in

LATER = datetime.timedelta(days=3)


def _shift(staff: Any, slots: int = 1) -> Shift:
    start = timezone.now() + LATER
    return community.shift_post(
        actor=staff,
        title="Interpreting at the Monday clinic",
        description="",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        slots=slots,
        languages=["fr", "ar"],
    )


def _consultation(admin: Any, experts: list, closes_in: datetime.timedelta = LATER) -> Consultation:
    now = timezone.now()
    return community.consultation_open(
        actor=admin,
        title={
            "zh-hans": "家政工人待命时间规定（征求意见稿）",
            "en": "Standby hours of domestic workers",
        },
        question={"zh-hans": "待命时间是否应计入工作时间？", "en": "Should standby count as work?"},
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + closes_in,
        experts=experts,
        documents=[({"zh-hans": "草案", "en": "Draft"}, "https://example.org/draft.pdf")],
    )


def test_a_rating_per_resident_replaced_on_a_second_go(make_course: Any, resident: Any) -> None:
    service, someone = make_course().service, resident()
    community.feedback_give(user=someone, service=service, rating=2, comment="Too far")
    community.feedback_give(user=someone, service=service, rating=5, comment="")
    assert list(ServiceFeedback.objects.values_list("rating", flat=True)) == [5]
    for bad in (0, 6):
        with pytest.raises(DomainError):
            community.feedback_give(user=someone, service=service, rating=bad, comment="")


def test_volunteers_sign_up_within_the_slots_and_get_their_hours(
    make_user: Any, resident: Any, station: Any
) -> None:
    staff = make_user("station_staff", station=station("440106"))
    shift = _shift(staff, slots=1)
    first, second = resident(), resident()
    with pytest.raises(DomainError):  # not a volunteer yet
        community.shift_sign_up(user=first, shift=shift)
    for person in (first, second):
        community.volunteer_register(
            user=person, languages=["fr", "zh-hans"], skills="interpreting"
        )
    signup = community.shift_sign_up(user=first, shift=shift)
    with pytest.raises(DomainError) as err:
        community.shift_sign_up(user=second, shift=shift)
    assert err.value.code == "shift_full"
    shift.refresh_from_db()
    assert shift.taken == 1
    # another station cannot record hours; this one can, within reason
    other = make_user("station_staff", station=station("440104"))
    with pytest.raises(DomainError):
        community.hours_record(actor=other, signup=signup, hours=Decimal("3"))
    with pytest.raises(DomainError):
        community.hours_record(actor=staff, signup=signup, hours=Decimal("25"))
    community.hours_record(actor=staff, signup=signup, hours=Decimal("3"))
    signup.refresh_from_db()
    assert signup.hours == Decimal("3.0")
    with pytest.raises(DomainError):  # hours recorded: no cancelling any more
        community.shift_cancel(user=first, signup=signup)


def test_cancelling_frees_the_slot(make_user: Any, resident: Any, station: Any) -> None:
    shift = _shift(make_user("station_staff", station=station("440106")))
    a, b = resident(), resident()
    for person in (a, b):
        community.volunteer_register(user=person, languages=["en"], skills="")
    community.shift_cancel(user=a, signup=community.shift_sign_up(user=a, shift=shift))
    community.shift_sign_up(user=b, shift=shift)
    assert ShiftSignup.objects.filter(shift=shift, cancelled=False).count() == 1


def test_shifts_must_be_in_the_future_and_end_after_they_start(
    make_user: Any, station: Any
) -> None:
    staff = make_user("station_staff", station=station("440106"))
    now = timezone.now()
    for start, end in ((now - LATER, now), (now + LATER, now + LATER)):
        with pytest.raises(DomainError):
            community.shift_post(
                actor=staff,
                title="x",
                description="",
                starts_at=start,
                ends_at=end,
                slots=1,
                languages=[],
            )
    assert not Shift.objects.exists()


def test_only_members_post_an_association_s_events(
    make_user: Any, resident: Any, station: Any
) -> None:
    staff = make_user("station_staff", station=station("440106"))
    member, outsider = resident(), resident()
    association = community.association_register(
        actor=staff,
        name="Association des Africains francophones de Canton",
        description="",
        languages=["fr"],
        contact_email="",
        members=[member],
    )
    kwargs = {
        "association": association,
        "station_id": staff.station_id,
        "title": "Soirée de bienvenue",
        "description": "",
        "starts_at": timezone.now() + LATER,
    }
    with pytest.raises(DomainError):
        community.association_event_post(user=outsider, **kwargs)
    with pytest.raises(DomainError):  # not a partner station
        community.association_event_post(
            user=member, **{**kwargs, "station_id": station("440104").pk}
        )
    community.association_event_post(user=member, **kwargs)
    assert AssociationEvent.objects.count() == 1
    page = Client().get(f"/associations/{association.uid}/").content.decode()
    assert "Soirée de bienvenue" in page


def test_who_may_comment_on_a_consultation(make_user: Any, resident: Any, station: Any) -> None:
    admin = make_user("administrator")
    expert, uninvited = make_user("expert"), make_user("expert")
    consultation = _consultation(admin, [expert])
    staff = make_user("station_staff", station=station("440106"))
    member = resident()
    association = community.association_register(
        actor=staff,
        name="Domestic Workers' Mutual Aid",
        description="",
        languages=["en"],
        contact_email="",
        members=[member],
    )

    def comment(user: Any, capacity: str, assoc: Any = None) -> Any:
        return community.consultation_comment(
            user=user,
            consultation=consultation,
            capacity=capacity,
            association=assoc,
            stance="amend",
            body="Standby at the employer's home is working time.",
        )

    comment(expert, "expert")
    comment(member, "resident")
    comment(member, "association", association)
    for user, capacity, assoc in (
        (uninvited, "expert", None),
        (member, "expert", None),
        (resident(), "association", association),
        (staff, "resident", None),
    ):
        with pytest.raises(DomainError):
            comment(user, capacity, assoc)
    assert ConsultationComment.objects.count() == 3
    # the summary waits for the closing date
    assert Client().get(f"/consultations/{consultation.uid}/summary/").status_code == 404
    Consultation.objects.filter(pk=consultation.pk).update(closes_at=timezone.now())
    consultation.refresh_from_db()
    with pytest.raises(DomainError):
        comment(member, "resident")
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/consultations/{consultation.uid}/summary/")
    text = page.content.decode()
    assert page.status_code == 200 and "3 comments were received." in text
    assert "Domestic Workers&#x27; Mutual Aid" in text and member.username not in text


def test_only_administrators_open_consultations(make_user: Any) -> None:
    for role in ("officer", "station_staff", "analyst"):
        with pytest.raises(DomainError):
            _consultation(make_user(role), [])
    assert not Consultation.objects.exists()


def test_opening_a_consultation_through_the_page(make_user: Any) -> None:
    admin = signed_in(make_user("administrator"))
    expert = make_user("expert")
    now = timezone.localtime()
    data = {
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + LATER).strftime("%Y-%m-%dT%H:%M"),
        "experts": expert.username,
        "documents": "Draft rules | https://example.org/draft.pdf",
        "title_zh-hans": "征求意见",
        "title_en": "Call for comments",
        "question_zh-hans": "问题",
        "question_en": "The question",
    }
    response = admin.post("/staff/consultations/new/", {**data, "experts": "nobody-here"})
    assert response.status_code == 200 and not Consultation.objects.exists()
    response = admin.post("/staff/consultations/new/", data)
    made = Consultation.objects.get()
    assert response.status_code == 302 and list(made.experts.all()) == [expert]
    assert made.documents.get().url == "https://example.org/draft.pdf"
    assert signed_in(make_user("officer")).get("/staff/consultations/new/").status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/volunteer/",
        "/associations/",
        "/consultations/",
        "/staff/shifts/",
        "/staff/associations/new/",
    ],
)
def test_pages_answer_their_roles(url: str, make_user: Any, resident: Any, station: Any) -> None:
    staff = make_user("station_staff", station=station("440106"))
    who = staff if url.startswith("/staff/") else resident()
    assert signed_in(who).get(url).status_code == 200
    if url.startswith("/staff/"):
        assert signed_in(resident()).get(url).status_code == 403
    assert Association.objects.count() == 0

"""Services fixtures: a station's service with a course, counsellors."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from onewindow.geo.models import ServiceStation
from onewindow.services.models import Course, CourseSession, LegalAidCounsellor, Need, Service

TIANHE = "440106"


def _station(district: str = TIANHE) -> ServiceStation:
    return ServiceStation.objects.filter(district__code=district).order_by("code").first()


@pytest.fixture
def make_course(reference: None) -> Callable[..., Course]:
    """A language course of `capacity` places at the first station of `district`."""

    def make(capacity: int = 2, district: str = TIANHE, sessions: int = 3, **extra: Any) -> Course:
        service = Service.objects.create(
            station=_station(district),
            need=Need.LANGUAGE,
            name={"zh-hans": "汉语入门", "en": "Chinese for beginners", "fr": "Chinois débutant"},
            languages=["zh-hans", "en", "fr"],
        )
        course = Course.objects.create(
            service=service,
            title={"zh-hans": "汉语入门（晚班）", "en": "Chinese for beginners (evenings)"},
            language="zh-hans",
            capacity=capacity,
            attendance_required=extra.pop("attendance_required", 2),
            **extra,
        )
        start = timezone.now() + datetime.timedelta(days=7)
        for n in range(sessions):
            at = start + datetime.timedelta(days=7 * n)
            CourseSession.objects.create(
                course=course, starts_at=at, ends_at=at + datetime.timedelta(hours=2)
            )
        return course

    return make


@pytest.fixture
def counsellor(make_user: Callable[..., Any]) -> Callable[..., Any]:
    """A station staff member who takes legal-aid requests at the first station of `district`."""

    def make(district: str = TIANHE) -> Any:
        station = _station(district)
        user = make_user("station_staff", station=station)
        LegalAidCounsellor.objects.create(user=user, station=station)
        return user

    return make


@pytest.fixture
def station() -> Callable[[str], ServiceStation]:
    return _station


@pytest.fixture
def resident(make_person: Callable[..., Any], make_user: Callable[..., Any]) -> Callable[..., Any]:
    """A resident account (with its registry person) reading in `language`."""

    def make(language: str = "en", **person: Any) -> Any:
        return make_user("resident", person=make_person(**person), language=language)

    return make

"""The demo city's services: station details, a catalogue per station, courses, counsellors.

Idempotent: stations that already have details and services are left as they are.
"""

import datetime
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from onewindow.geo.models import ServiceStation

from .models import (
    Accessibility,
    Course,
    CourseSession,
    LegalAidCounsellor,
    Service,
    StationInfo,
)

CATALOGUE = Path(__file__).parent / "data" / "catalogue.yaml"
# Rough centres of the 11 districts (degrees), so that demo stations sit in their district.
CENTRES = {
    "440103": (23.125, 113.244),
    "440104": (23.129, 113.267),
    "440105": (23.084, 113.317),
    "440106": (23.135, 113.362),
    "440111": (23.213, 113.273),
    "440112": (23.106, 113.459),
    "440113": (22.937, 113.384),
    "440114": (23.404, 113.220),
    "440115": (22.801, 113.525),
    "440117": (23.548, 113.586),
    "440118": (23.291, 113.829),
}
WEEKDAYS = [{"weekday": d, "opens": "09:00", "closes": "17:30"} for d in range(1, 6)]
SATURDAY = {"weekday": 6, "opens": "09:00", "closes": "12:00"}


def catalogue() -> list[dict[str, Any]]:
    with CATALOGUE.open(encoding="utf-8") as f:
        return yaml.safe_load(f)["services"]


def _info(station: ServiceStation, rng: random.Random) -> StationInfo:
    lat, lon = CENTRES.get(station.district.code, (23.13, 113.26))
    return StationInfo(
        station=station,
        latitude=Decimal(f"{lat + rng.uniform(-0.03, 0.03):.6f}"),
        longitude=Decimal(f"{lon + rng.uniform(-0.03, 0.03):.6f}"),
        phone=f"020-{rng.randint(3000, 8999)}{rng.randint(1000, 9999)}",
        opening_hours=[*WEEKDAYS, SATURDAY] if rng.random() < 0.6 else WEEKDAYS,
        accessibility=sorted(rng.sample(list(Accessibility.values), rng.randint(1, 3))),
    )


def _courses(service: Service, specs: list[dict[str, Any]], rng: random.Random) -> None:
    today = timezone.localdate()
    for spec in specs:
        course = Course.objects.create(
            service=service,
            title=spec["title"],
            language=spec["language"],
            capacity=spec["capacity"],
            attendance_required=max(1, spec["sessions"] - 1),
        )
        first = today + datetime.timedelta(days=rng.randint(5, 20))
        tz = timezone.get_current_timezone()
        for n in range(spec["sessions"]):
            day = first + datetime.timedelta(weeks=n)
            starts = datetime.datetime.combine(day, datetime.time(spec["hour"]), tzinfo=tz)
            CourseSession.objects.create(
                course=course, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2)
            )


@transaction.atomic
def seed_services(*, seed: int = 2016) -> int:
    """Details for every station and two to five services at each; returns services made."""
    rng = random.Random(seed)
    items = catalogue()
    core = [i for i in items if i["key"] in ("mandarin", "legal")]
    others = [i for i in items if i["key"] not in ("mandarin", "legal")]
    made = 0
    stations = ServiceStation.objects.select_related("district").order_by("code")
    for station in stations:
        if not StationInfo.objects.filter(station=station).exists():
            _info(station, rng).save()
        if station.services.exists():
            continue
        for item in core + rng.sample(others, rng.randint(0, 3)):
            service = Service.objects.create(
                station=station,
                need=item["need"],
                name=item["name"],
                description=item["description"],
                languages=item["languages"],
            )
            _courses(service, item.get("courses", []), rng)
            made += 1
    return made


def make_counsellor(user: Any) -> LegalAidCounsellor:
    """Let a station staff member take their station's legal-aid requests."""
    counsellor, _ = LegalAidCounsellor.objects.get_or_create(
        user=user, defaults={"station": user.station}
    )
    return counsellor


def seed_community(*, admin: Any, station_staff: Any, expert: Any, resident: Any) -> None:
    """An association, two volunteer shifts, an open consultation and a closed one with
    comments, so that every community page of the demo has something on it."""
    from .community import (
        association_event_post,
        association_register,
        consultation_comment,
        consultation_open,
        shift_post,
    )
    from .models import Consultation

    if Consultation.objects.exists():
        return
    now = timezone.now()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    tz = timezone.get_current_timezone()
    association = association_register(
        actor=station_staff,
        name="Guangzhou African Francophone Association · 广州非洲法语区侨民协会",
        description="Welcome evenings, help with paperwork, French–Chinese language exchange.",
        languages=["fr", "en", "zh-hans"],
        contact_email="contact@example.org",
        members=[resident],
    )
    association_event_post(
        user=resident,
        association=association,
        station_id=station_staff.station_id,
        title="Soirée d'accueil des nouveaux arrivants · 新来穗人员欢迎会",
        description="",
        starts_at=datetime.datetime.combine(
            tomorrow + datetime.timedelta(days=9), datetime.time(19), tzinfo=tz
        ),
    )
    for days, title, langs in (
        (4, "Interpreting at the residence-permit counter · 居住证窗口翻译", ["en", "fr", "ar"]),
        (11, "Chinese conversation club · 汉语角", ["zh-hans", "en", "ru", "ko"]),
    ):
        start = datetime.datetime.combine(
            tomorrow + datetime.timedelta(days=days), datetime.time(9), tzinfo=tz
        )
        shift_post(
            actor=station_staff,
            title=title,
            description="",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=3),
            slots=3,
            languages=langs,
        )
    with CATALOGUE.open(encoding="utf-8") as f:
        demo = yaml.safe_load(f)["consultation"]
    texts, question = demo["title"], demo["question"]
    consultation_open(
        actor=admin,
        title=texts,
        question=question,
        opens_at=now - datetime.timedelta(days=2),
        closes_at=now + datetime.timedelta(days=28),
        experts=[expert],
    )
    closed = consultation_open(
        actor=admin,
        title={
            **texts,
            "zh-hans": "来穗人员服务站开放时间（已结束）",
            "en": "Service station opening hours (closed)",
        },
        question={
            **question,
            "zh-hans": "服务站是否应在周六开放？",
            "en": "Should the stations open on Saturdays?",
        },
        opens_at=now - datetime.timedelta(days=40),
        closes_at=now + datetime.timedelta(seconds=5),
        experts=[expert],
    )
    consultation_comment(
        user=expert,
        consultation=closed,
        capacity="expert",
        association=None,
        stance="support",
        body="Saturday mornings at least: most migrants work six days a week.",
    )
    consultation_comment(
        user=resident,
        consultation=closed,
        capacity="association",
        association=association,
        stance="amend",
        body="Open on Saturdays, close on Mondays instead.",
    )
    Consultation.objects.filter(pk=closed.pk).update(closes_at=now - datetime.timedelta(days=1))

"""The demo catalogue: every text in every UI language; seeding twice changes nothing."""

from typing import Any

from django.conf import settings

from onewindow.services.demo import catalogue, seed_services
from onewindow.services.models import Course, Service, StationInfo

LANGUAGES = {code for code, _ in settings.LANGUAGES}


def test_every_catalogue_text_is_in_every_language() -> None:
    for item in catalogue():
        texts = [item["name"], item["description"], *(c["title"] for c in item.get("courses", []))]
        for text in texts:
            assert set(text) == LANGUAGES and all(v.strip() for v in text.values()), text


def test_seeding_gives_every_station_details_and_services_once(reference: Any) -> None:
    made = seed_services()
    assert made == Service.objects.count() > 0
    assert StationInfo.objects.count() == 153
    courses = Course.objects.count()
    assert seed_services() == 0
    assert Service.objects.count() == made and Course.objects.count() == courses
    # every station offers Mandarin and legal aid
    assert Service.objects.filter(need="legal_aid").count() == 153

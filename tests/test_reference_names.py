"""Reference names in every UI language: agencies, districts, permit titles."""

import json
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

from onewindow.accounts.models import Agency
from onewindow.accounts.names import AGENCY_NAMES
from onewindow.accounts.services import AGENCIES_FILE
from onewindow.applications.definitions import permit_titles
from onewindow.core.i18n import zh_or_en
from onewindow.geo.models import District
from onewindow.permits.models import Permit

OTHERS = [code for code, _ in settings.LANGUAGES if code not in ("zh-hans", "en")]


def test_the_marked_agency_names_follow_the_data_file() -> None:
    agencies = json.loads(AGENCIES_FILE.read_text(encoding="utf-8"))["agencies"]
    assert [a["name_en"] for a in agencies] == AGENCY_NAMES


@pytest.mark.parametrize("language", OTHERS)
def test_agencies_and_districts_are_named_in_the_reader_s_language(
    reference: Any, language: str
) -> None:
    with translation.override(language):
        for agency in Agency.objects.all():
            assert str(agency) != agency.name_en, (language, agency.code)
        for district in District.objects.all():
            assert district.label not in (district.name_en, district.name_zh), language


def test_zh_or_en_keeps_chinese_and_english_and_unknown_text() -> None:
    assert zh_or_en("广州", "Guangzhou", "zh-hans") == "广州"
    assert zh_or_en("广州", "Guangzhou", "en") == "Guangzhou"
    assert zh_or_en("某地", "Somewhere not in the catalogue", "fr") == (
        "Somewhere not in the catalogue"
    )


@pytest.mark.parametrize("language", OTHERS)
def test_a_permit_s_title_is_in_the_reader_s_language(language: str) -> None:
    permit_type, title = next(iter(permit_titles().items()))
    permit = Permit(permit_type=permit_type, title_zh="中文", title_en="English")
    with translation.override(language):
        assert permit.title == str(title) != "English"
    assert permit.title_in("zh-hans") == "中文" and permit.title_in("en") == "English"

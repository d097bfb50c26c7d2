"""How registry facts are named for a reader: countries and provinces in their language."""

import csv
import functools
from pathlib import Path

from babel import Locale, UnknownLocaleError

_DATA = Path(__file__).with_name("data")


@functools.cache
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"), sep="_")
    except (UnknownLocaleError, ValueError):
        return Locale("en")


def country_name(code: str, language: str | None) -> str:
    """ISO 3166 alpha-2 code → the country's name in `language` (CLDR), or the code itself."""
    if not code:
        return ""
    return _locale(language or "en").territories.get(code.upper(), code)


@functools.cache
def _provinces() -> dict[str, dict[str, str]]:
    path = _DATA / "provinces.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as f:
        return {row["code"]: row for row in csv.DictReader(f)}


def province_name(code: str, language: str | None) -> str:
    """A province's name from its two-digit code, in Chinese or English."""
    row = _provinces().get(code)
    if row is None:
        return code
    zh = (language or "").startswith("zh")
    return row.get("name_zh" if zh else "name_en") or code

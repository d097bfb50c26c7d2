"""Texts for the reader's language: reference data kept in Chinese and English, and texts
kept in every UI language as a mapping of language code to text."""

from collections.abc import Mapping

from django.conf import settings
from django.utils import translation
from django.utils.translation import get_language


def zh_or_en(zh: str, en: str, language: str | None = None) -> str:
    """`zh` for a Chinese reader (the active language unless `language` is given), `en` for
    an English one, and for the others `en` as the translation catalogue gives it (reference
    names marked there, such as the agencies'; any other text stays in English)."""
    lang = language or get_language() or ""
    if lang.startswith("zh"):
        return zh
    if lang.startswith("en") or not en:
        return en
    if language is None:
        return translation.gettext(en)
    with translation.override(language):
        return translation.gettext(en)


def pick(texts: Mapping[str, str], language: str | None = None) -> str:
    """The text of `texts` ({"zh-hans": ..., "en": ..., "fr": ...}) for the reader.

    The reader's language (the active one unless `language` is given), then its base
    language, then English, then the site's default language, then any text at all.
    """
    lang = (language or get_language() or settings.LANGUAGE_CODE).lower()
    for code in (lang, lang.split("-")[0], "en", settings.LANGUAGE_CODE):
        if texts.get(code):
            return texts[code]
    return next((t for t in texts.values() if t), "")

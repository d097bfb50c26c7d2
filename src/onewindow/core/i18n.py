"""Reference data kept in Chinese and English: pick the one for the reader."""

from django.utils.translation import get_language


def zh_or_en(zh: str, en: str, language: str | None = None) -> str:
    """`zh` for a Chinese reader (the active language unless `language` is given), else `en`."""
    return zh if (language or get_language() or "").startswith("zh") else en

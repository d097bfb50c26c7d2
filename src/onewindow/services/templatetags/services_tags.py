from django import template
from django.conf.locale import LANG_INFO

from onewindow.services.models import EXTRA_LANGUAGES

register = template.Library()
EXTRA_NAMES = dict(EXTRA_LANGUAGES)


@register.filter
def language_label(code: str) -> str:
    """The language's own name for itself (English, Français, العربيّة, 粵語)."""
    info = LANG_INFO.get(code)
    return info["name_local"] if info else EXTRA_NAMES.get(code, code)

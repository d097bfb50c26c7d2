from django import template
from django.conf.locale import LANG_INFO

register = template.Library()

# Languages a service may be offered in that Django does not name.
EXTRA_NAMES = {"yue": "粵語"}


@register.filter
def language_label(code: str) -> str:
    """The language's own name for itself (English, Français, العربيّة, 粵語)."""
    info = LANG_INFO.get(code)
    return info["name_local"] if info else EXTRA_NAMES.get(code, code)

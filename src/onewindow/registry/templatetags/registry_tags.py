"""Template helpers for showing registry records."""

from django import template
from django.utils.translation import get_language

from onewindow.registry.presentation import country_name, province_name
from onewindow.registry.selectors import mask_number

register = template.Library()


@register.simple_tag
def doc_number(document, full: bool) -> str:
    """A document's number, whole or masked as the viewer's role allows."""
    return document.number if full else mask_number(document.number)


@register.filter
def country(code: str) -> str:
    """A country's name in the reader's language."""
    return country_name(code, get_language())


@register.filter
def province(code: str) -> str:
    """A province's name in the reader's language."""
    return province_name(code, get_language())

from typing import Any
from urllib.parse import urlencode

from django import template

register = template.Library()


@register.simple_tag
def with_query(query: dict[str, str], **changes: Any) -> str:
    """`?…` of the current filters with some changed (an empty value drops the filter)."""
    merged = {**query, **{k: str(v) for k, v in changes.items()}}
    merged = {k: v for k, v in merged.items() if v}
    return f"?{urlencode(merged)}" if merged else "?"


@register.filter
def cell(value: Any) -> Any:
    """A figure for a table cell: missing values as a dash."""
    return "–" if value is None else value


@register.filter
def get_item(mapping: dict[str, Any], key: Any) -> Any:
    return mapping.get(str(key)) if mapping else None


@register.filter
def index(sequence: list[Any], position: int) -> Any:
    return sequence[position]

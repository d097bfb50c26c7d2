"""Template helpers of the workflow pages: the unread count in the navigation."""

from typing import Any

from django import template

from ..web_selectors import UNREAD_CAP, unread_count

register = template.Library()


@register.simple_tag
def unread_notifications(user: Any) -> str:
    """How many of the user's notifications are unread, "99+" past 99; "" if none (or
    anonymous)."""
    count = unread_count(user)
    if count >= UNREAD_CAP:
        return f"{UNREAD_CAP - 1}+"
    return str(count) if count else ""

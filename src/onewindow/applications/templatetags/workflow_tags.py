"""Template helpers of the workflow pages: the unread count in the navigation."""

from typing import Any

from django import template

from ..web_selectors import unread_count

register = template.Library()


@register.simple_tag
def unread_notifications(user: Any) -> int:
    """How many of the user's notifications are unread (0 for anonymous users)."""
    return unread_count(user)

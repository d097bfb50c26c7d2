"""Reads for accounts."""

import datetime

from django.utils import timezone

from .models import ApiToken, User
from .services import token_digest

TOKEN_USE_RESOLUTION = datetime.timedelta(minutes=5)


def user_for_token(token: str) -> User | None:
    """The active user a bearer token belongs to, or None; records when it was last used."""
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > TOKEN_USE_RESOLUTION:
        # At most one write per token every few minutes: a read must not queue for the
        # database's write lock behind the decisions being written.
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def staff_verified(user: User) -> bool:
    """Signed in, and for staff roles also through the second factor in this session."""
    if not user.is_authenticated:
        return False
    return not user.is_staff_role or user.is_verified()

"""The base model every domain model stands on."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .ids import uuid7


class BaseModel(models.Model):
    """A 64-bit integer key for joins, a UUIDv7 for URLs and the API, and timestamps.

    Registry tables hold up to 8 million rows per person-level table; integer keys keep the
    foreign keys and indexes narrow (a UUID is 32 characters in SQLite), while `uid` is what
    leaves the database, so internal keys are never exposed.
    """

    uid = models.UUIDField(_("identifier"), default=uuid7, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True

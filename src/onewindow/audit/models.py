"""The append-only, hash-chained audit log.

Every row carries the SHA-256 of its own content and of the row before it, and a gapless
sequence number; `AuditHead` holds the last sequence number and hash. Editing, inserting or
deleting any row breaks the chain at that row, which `onewindow audit verify` reports.
Database triggers (see the migration) refuse UPDATE and DELETE on the log.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    why = models.CharField(max_length=40)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}"


class AuditHead(models.Model):
    """One row: the last sequence number and hash, locked by each writer in turn."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.seq}"

"""Imports of agency extracts: the batch (one file of one source), its staged records (one per
accepted row, with where it came from) and its rejected rows (with the reason)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from onewindow.core.models import BaseModel


class BatchStatus(models.TextChoices):
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Refused")


class ImportBatch(BaseModel):
    """One file of one source. The same content is imported once (`sha256`); a run that
    stopped resumes after `rows_done`."""

    source = models.CharField(_("source"), max_length=40)
    file_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField(_("size"))
    file_format = models.CharField(_("format"), max_length=10)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.RUNNING
    )
    problem = models.TextField(_("why the file was refused"), blank=True)
    # The header as sent, in order (a JSON object's keys lose their order on PostgreSQL).
    columns = models.JSONField(_("columns"), default=list)
    rows_done = models.PositiveIntegerField(_("rows read"), default=0)
    rows_accepted = models.PositiveIntegerField(_("rows accepted"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.UniqueConstraint(fields=["source", "sha256"], name="import_once_per_content")
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.file_name}"


class StagedRecord(models.Model):
    """An accepted row, as the source gave it (mapped to our fields), with its provenance."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="records")
    source = models.CharField(max_length=40)
    row_number = models.PositiveIntegerField()
    source_record_id = models.CharField(max_length=64)
    zh_name = models.CharField(max_length=50, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    given_name = models.CharField(max_length=100, blank=True)
    latin_family_name = models.CharField(max_length=100, blank=True)
    latin_given_name = models.CharField(max_length=100, blank=True)
    sex = models.CharField(max_length=1, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    nationality = models.CharField(max_length=2, blank=True)
    resident_id = models.CharField(max_length=18, blank=True)
    passport_number = models.CharField(max_length=20, blank=True)
    hukou_place = models.CharField(max_length=6, blank=True)
    district = models.CharField(max_length=6, blank=True)
    address = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("staged record")
        verbose_name_plural = _("staged records")
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_number"], name="staged_row_once")
        ]
        indexes = [models.Index(fields=["source", "source_record_id"], name="staged_source_idx")]

    def __str__(self) -> str:
        return f"{self.source}#{self.row_number}"


class RejectedRow(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rejects")
    row_number = models.PositiveIntegerField()
    code = models.CharField(max_length=40)
    reason = models.TextField()  # in English, for the reject file; `code` is translated on pages
    raw = models.JSONField()

    class Meta:
        ordering = ["batch", "row_number"]
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_number"], name="rejected_row_once")
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.row_number}: {self.code}"


class DataShare(BaseModel):
    """An agency's standing permission to pull persons' data through the API for one purpose
    (only the fields named) and to push extracts of the sources named. Its bearer token is
    shown once; only its SHA-256 digest is kept."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=60)
    fields = models.JSONField(_("fields it may read"), default=list)
    sources = models.JSONField(_("sources it may push"), default=list)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("data share")
        verbose_name_plural = _("data shares")

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.purpose}"

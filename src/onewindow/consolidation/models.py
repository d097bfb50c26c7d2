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


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Linking")
    DONE = "done", _("Linked")


class LinkageRun(BaseModel):
    """One pass of linkage over the staged records not yet linked. The trained model (Splink's
    settings with its m and u probabilities) is kept so that later, smaller batches are scored
    by the same model instead of re-training on a handful of records."""

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    auto_threshold = models.FloatField(_("link automatically from"))
    review_threshold = models.FloatField(_("send to review from"))
    records = models.PositiveIntegerField(_("records"), default=0)
    linked_existing = models.PositiveIntegerField(_("linked to a person already known"), default=0)
    new_persons = models.PositiveIntegerField(_("new persons"), default=0)
    to_review = models.PositiveIntegerField(_("pairs to review"), default=0)
    held = models.PositiveIntegerField(_("held: too little to start a person"), default=0)
    trained = models.BooleanField(_("model trained in this run"), default=False)
    model = models.JSONField(default=dict)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("linkage run")
        verbose_name_plural = _("linkage runs")

    def __str__(self) -> str:
        return f"linkage {self.pk}"


class LinkHow(models.TextChoices):
    AUTO = "auto", _("Linked automatically")
    NEW = "new", _("Started a new person")
    CLERICAL = "clerical", _("Linked by an officer")
    UNMERGED = "unmerged", _("Split off by an officer")


class RecordLink(models.Model):
    """Which golden person a staged record belongs to, and how it got there."""

    record = models.OneToOneField(
        StagedRecord, on_delete=models.PROTECT, primary_key=True, related_name="link"
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="source_links", db_index=False
    )
    how = models.CharField(max_length=10, choices=LinkHow.choices)
    probability = models.FloatField(null=True, blank=True)
    run = models.ForeignKey(
        LinkageRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The person the record belonged to before an officer moved it (for unmerge).
    previous_person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    linked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("record link")
        verbose_name_plural = _("record links")
        indexes = [models.Index(fields=["person", "record"], name="recordlink_person_idx")]

    def __str__(self) -> str:
        return f"{self.record_id} → {self.person_id}"


class Origin(models.TextChoices):
    REGISTRY = "registry", _("Registered in OneWindow")
    LINKAGE = "linkage", _("Built from agency records")


class GoldenRecord(models.Model):
    """Linkage's view of a person: where each field's value came from (`provenance`: field →
    staged record id, or "registry" for what was registered in OneWindow itself, or
    "resident_id:<record id>" for what the ID number tells) and the comparison keys the next
    batch is blocked and scored against, so a batch never re-derives the whole registry."""

    person = models.OneToOneField(
        "registry.Person", on_delete=models.PROTECT, primary_key=True, related_name="golden"
    )
    origin = models.CharField(max_length=10, choices=Origin.choices)
    provenance = models.JSONField(default=dict)
    zh_simplified = models.CharField(max_length=50, blank=True)
    name_key = models.CharField(max_length=120, blank=True)
    name_key_swapped = models.CharField(max_length=120, blank=True)
    latin_key = models.CharField(max_length=120, blank=True)
    latin_key_swapped = models.CharField(max_length=120, blank=True)
    birth_ymd = models.CharField(max_length=8, blank=True)
    sex = models.CharField(max_length=1, blank=True)
    nationality = models.CharField(max_length=2, blank=True)
    resident_id = models.CharField(max_length=18, blank=True)
    passport_number = models.CharField(max_length=20, blank=True)
    district = models.CharField(max_length=6, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("golden record")
        verbose_name_plural = _("golden records")

    def __str__(self) -> str:
        return f"golden {self.person_id}"


class PairStatus(models.TextChoices):
    PENDING = "pending", _("To review")
    LINKED = "linked", _("Same person")
    NOT_MATCH = "not_match", _("Not the same person")


class ReviewPair(BaseModel):
    """A staged record and a person it may belong to, scored between the review and the
    automatic thresholds (or undone by an officer). A decision is remembered: a pair judged
    not the same person is never linked or proposed again."""

    record = models.ForeignKey(StagedRecord, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(
        LinkageRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    probability = models.FloatField(_("match probability"), null=True, blank=True)
    match_weight = models.FloatField(_("match weight"), null=True, blank=True)
    weights = models.JSONField(default=list)  # [[comparison, level label, weight], ...]
    status = models.CharField(
        _("status"), max_length=10, choices=PairStatus.choices, default=PairStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-probability", "id"]
        verbose_name = _("pair to review")
        verbose_name_plural = _("pairs to review")
        constraints = [
            models.UniqueConstraint(fields=["record", "person"], name="review_pair_once")
        ]
        indexes = [models.Index(fields=["status", "probability"], name="review_status_idx")]

    def __str__(self) -> str:
        return f"{self.record_id} ? {self.person_id}"

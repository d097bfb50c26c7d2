"""Assessments (a policy applied to one application, pinned to its version), analysts'
saved scenarios, and the yearly quota rounds of points-based hukou."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from onewindow.core.models import BaseModel


class Assessment(BaseModel):
    """A policy's verdict on one application's facts, pinned to `policy_key` (`id@version`)
    and the sha256 of the file it was read from: a later version never changes it."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="assessments"
    )
    policy_key = models.CharField(_("policy version"), max_length=120)
    policy_digest = models.CharField(max_length=64)
    facts = models.JSONField(_("facts"))
    total = models.FloatField(_("points"), default=0)
    eligible = models.BooleanField(_("eligible"))
    klass = models.CharField(_("class"), max_length=20, blank=True)
    qualifies = models.BooleanField(_("qualifies"))
    result = models.JSONField(_("breakdown"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [models.Index(fields=["application", "-created_at"], name="assessment_app_idx")]

    def __str__(self) -> str:
        return f"{self.policy_key} · {self.total:g}"


class Scenario(BaseModel):
    """An analyst's changed copy of a policy and its result over the registry (aggregates
    only, small cells already suppressed)."""

    name = models.CharField(_("name"), max_length=120)
    base_key = models.CharField(_("policy version"), max_length=120)
    base_digest = models.CharField(max_length=64)
    overrides = models.JSONField(_("changes"))
    result = models.JSONField(_("result"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")

    def __str__(self) -> str:
        return self.name


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RANKED = "ranked", _("Ranked")
    PUBLISHED = "published", _("Published, objections open")
    FINAL = "final", _("Final")


class QuotaRound(BaseModel):
    """One year's points-based hukou round: rank the eligible applicants, select within the
    quota, publish with masked names, take objections, then decide."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    quota = models.PositiveIntegerField(_("quota"))
    policy_key = models.CharField(_("policy version"), max_length=120)
    policy_digest = models.CharField(max_length=64)
    status = models.CharField(
        _("status"), max_length=12, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    ranked_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    objections_until = models.DateField(_("objections until"), null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("quota round")
        verbose_name_plural = _("quota rounds")

    def __str__(self) -> str:
        return f"{self.year}"


class ObjectionStatus(models.TextChoices):
    NONE = "", _("None")
    FILED = "filed", _("Filed")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class RoundEntry(models.Model):
    """One applicant's place in a round."""

    round = models.ForeignKey(QuotaRound, on_delete=models.CASCADE, related_name="entries")
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="round_entries"
    )
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField(_("rank"))
    total = models.FloatField(_("points"))
    tie_values = models.JSONField(_("tie-breakers"), default=list)
    selected = models.BooleanField(_("selected"))
    masked_name = models.CharField(_("name (masked)"), max_length=120)
    objection = models.TextField(_("objection"), blank=True)
    objection_status = models.CharField(
        _("objection"), max_length=10, choices=ObjectionStatus.choices, blank=True, default=""
    )
    objection_answer = models.TextField(_("answer to the objection"), blank=True)

    class Meta:
        ordering = ["round", "rank"]
        verbose_name = _("round entry")
        verbose_name_plural = _("round entries")
        constraints = [
            models.UniqueConstraint(fields=["round", "application"], name="one_entry_per_app"),
            models.UniqueConstraint(fields=["round", "rank"], name="one_entry_per_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.round} #{self.rank}"

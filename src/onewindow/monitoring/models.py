"""Monitoring: aggregate tables the dashboard reads, alert rules and what alerts were sent.

The aggregate tables ("cells") hold counts only, never a person: each is rebuilt in one
transaction by set-based SQL (`refresh.refresh_aggregates`), so the dashboard reads a few
thousand rows however large the registry is, and readers see the old or the new figures,
never a mix. `Refresh` says as of when.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Refresh(models.Model):
    as_of = models.DateField(_("as of"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    cells = models.PositiveIntegerField(default=0)

    class Meta:
        get_latest_by = "finished_at"

    def __str__(self) -> str:
        return f"refresh as of {self.as_of}"


class _Cell(models.Model):
    district = models.ForeignKey(
        "geo.District", on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )

    class Meta:
        abstract = True


class PopulationCell(_Cell):
    """Active persons by district, origin, nationality, hukou province, age band and sex."""

    foreign = models.BooleanField()
    nationality = models.CharField(max_length=2)
    hukou_province = models.CharField(max_length=2, blank=True)
    age_band = models.CharField(max_length=5)
    sex = models.CharField(max_length=1)
    count = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"population {self.district_id} {self.nationality} {self.age_band}"


class MovementCell(_Cell):
    """Residence registrations that started (arrivals) or ended (departures) in a month."""

    month = models.CharField(max_length=7)
    foreign = models.BooleanField()
    arrivals = models.PositiveIntegerField(default=0)
    departures = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["month"], name="movement_month_idx")]

    def __str__(self) -> str:
        return f"movements {self.month} {self.district_id}"


class PermitCell(_Cell):
    """Permits as of the refresh date, by the holder's district and origin and the type."""

    foreign = models.BooleanField()
    permit_type = models.CharField(max_length=60)
    in_force = models.PositiveIntegerField(default=0)
    expiring_30 = models.PositiveIntegerField(default=0)
    expiring_60 = models.PositiveIntegerField(default=0)
    expiring_90 = models.PositiveIntegerField(default=0)
    lapsed = models.PositiveIntegerField(default=0)
    endorsement_due = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"permits {self.permit_type} {self.district_id}"


class ApplicationCell(_Cell):
    """Submitted applications by submission month, type and current status."""

    month = models.CharField(max_length=7)
    type_code = models.CharField(max_length=60)
    status = models.CharField(max_length=20)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["month"], name="application_cell_month_idx")]

    def __str__(self) -> str:
        return f"applications {self.month} {self.type_code} {self.status}"


class ReviewCell(_Cell):
    """Reviews by the month they started, type and agency: open, overdue, decided, late."""

    month = models.CharField(max_length=7)
    type_code = models.CharField(max_length=60)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    open = models.PositiveIntegerField(default=0)
    waiting_on_applicant = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    decided = models.PositiveIntegerField(default=0)
    decided_late = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["month"], name="review_cell_month_idx")]

    def __str__(self) -> str:
        return f"reviews {self.month} {self.type_code} {self.agency_id}"


class LeadTimeCell(_Cell):
    """A histogram of lead times in whole days, by the month of the decision: one agency's
    review (created → decided) or, with no agency, the application end to end (submitted →
    decided). Medians and 90th percentiles of any filter are read off the summed histogram."""

    month = models.CharField(max_length=7)
    type_code = models.CharField(max_length=60)
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )
    days = models.PositiveIntegerField()
    count = models.PositiveIntegerField()
    # The whole city's rows (district empty), summed from the districts' own: what a
    # dashboard without a district filter reads.
    rollup = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["rollup", "month"], name="lead_time_month_idx"),
            models.Index(fields=["district", "month"], name="lead_time_district_idx"),
        ]

    def __str__(self) -> str:
        return f"lead time {self.month} {self.type_code} {self.days}"


class AlertKind(models.TextChoices):
    PERMIT_EXPIRING = "permit_expiring", _("Residents: a permit expires soon")
    ENDORSEMENT_DUE = "endorsement_due", _("Residents: the yearly endorsement falls due")
    REVIEW_OVERDUE = "review_overdue", _("Officers: a review is overdue")
    OVERSTAY = "overstay", _("Supervisors: possible overstays in their districts")
    DEADLINE_BREACH = "deadline_breach", _("Supervisors: review deadlines breached")


class AlertRule(models.Model):
    """One configurable rule per kind: on or off, and how many days ahead (for residents) or
    past the date (for officers and supervisors) it fires."""

    kind = models.CharField(_("alert"), max_length=30, choices=AlertKind.choices, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    days = models.PositiveSmallIntegerField(
        _("days"),
        help_text=_("Days before the date for residents; days after it for staff."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class AlertSent(models.Model):
    """A staff alert's subject (a permit, a review) already reported to a recipient, so a
    digest lists only what is new and the nightly run can be repeated safely."""

    kind = models.CharField(max_length=30)
    recipient = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    subject = models.BigIntegerField()
    sent_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "subject"], name="alert_sent_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}"


class AlertRun(models.Model):
    day = models.DateField(_("day"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    sent = models.JSONField(_("sent"), default=dict)

    def __str__(self) -> str:
        return f"alerts of {self.day}"

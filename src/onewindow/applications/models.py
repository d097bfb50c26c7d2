"""One application, reviewed in parallel by several agencies, each on its own clock.

The type of an application lives in a data file (see `definitions.py`); the application keeps
the type's code and version it was filed under. Every change of status is a `Transition` row.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from onewindow.core.models import BaseModel


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    INFO_REQUESTED = "info_requested", _("Information requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ISSUED = "issued", _("Permit issued")


OPEN_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.INFO_REQUESTED)
DECIDED_STATUSES = (Status.APPROVED, Status.REJECTED, Status.WITHDRAWN, Status.ISSUED)


class Application(BaseModel):
    reference = models.CharField(_("reference number"), max_length=20, unique=True)
    type_code = models.CharField(_("type"), max_length=60, db_index=True)
    type_version = models.PositiveIntegerField()
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications"
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        help_text=_("The person the application is about."),
    )
    employer = models.ForeignKey(
        "registry.Employer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    district = models.ForeignKey(
        "geo.District", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    data = models.JSONField(_("answers"), default=dict, blank=True)
    priority = models.BooleanField(_("priority"), default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [models.Index(fields=["applicant", "-created_at"], name="application_mine_idx")]

    def __str__(self) -> str:
        return self.reference


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an officer")
    CLAIMED = "claimed", _("Being reviewed")
    INFO_REQUESTED = "info_requested", _("Waiting for the applicant")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed")


REVIEW_OPEN = (ReviewStatus.PENDING, ReviewStatus.CLAIMED, ReviewStatus.INFO_REQUESTED)


class Review(BaseModel):
    """One agency's review of an application, with its own officer, state and deadline.

    The clock pauses while the applicant answers a request for information: `due_date` moves
    by the working days the question was open.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
    )
    # Copied from the application when the review opens, so that the officers' queue is
    # answered from one index (agency, district, status, priority, due date) without a join.
    district = models.ForeignKey(
        "geo.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    priority = models.BooleanField(default=False, db_default=False)
    deadline_working_days = models.PositiveSmallIntegerField()
    due_date = models.DateField(_("due date"))
    paused_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        indexes = [
            models.Index(
                fields=["agency", "district", "status", "-priority", "due_date"],
                name="review_queue_idx",
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["application", "agency"], name="one_review_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.agency.code}"


class Transition(models.Model):
    """Who moved an application (or one of its reviews) from which state to which, and why."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="transitions"
    )
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, null=True, blank=True, related_name="transitions"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField()
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application}: {self.from_status} → {self.to_status}"


class InfoRequest(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="info_requests")
    question = models.TextField(_("question"))
    asked_at = models.DateTimeField()
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at"]

    def __str__(self) -> str:
        return f"{self.review}: {self.asked_at:%Y-%m-%d}"


class Document(BaseModel):
    """An uploaded document: stored outside the web root, served only through a permission
    check; its type is sniffed from the content, not taken from the name."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    code = models.CharField(max_length=60)
    file = models.FileField(upload_to="documents/%Y/%m/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return f"{self.application} · {self.code}"


class Notification(models.Model):
    """An in-app message; the same text also goes out by e-mail, in the recipient's language."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40)
    text = models.TextField()
    # Set on reminders, so that a re-run of the reminder job never sends one twice.
    dedupe_key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_idx"),
            # The unread badge on every page counts only these.
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_sent_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}"

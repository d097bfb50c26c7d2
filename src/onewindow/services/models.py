"""Community services at the service stations: the directory, courses, legal aid.

Texts that residents read (a service's name, a course's title) are kept in every UI
language as a mapping of language code to text (`core.i18n.pick` gives the reader's).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from onewindow.core.i18n import pick
from onewindow.core.models import BaseModel

# Languages a service may be offered in besides the UI languages, with their own names.
EXTRA_LANGUAGES = [("yue", "粵語")]


class Need(models.TextChoices):
    LANGUAGE = "language", _("Language training")
    BUSINESS = "business", _("Business training")
    EMPLOYMENT = "employment", _("Employment")
    LEGAL_AID = "legal_aid", _("Legal aid")
    EDUCATION = "education", _("Children's education")
    HEALTH = "health", _("Health")
    HOUSING = "housing", _("Housing")
    INTEGRATION = "integration", _("Social integration")


class Accessibility(models.TextChoices):
    STEP_FREE = "step_free", _("Step-free entrance")
    WHEELCHAIR_TOILET = "wheelchair_toilet", _("Wheelchair-accessible toilet")
    HEARING_LOOP = "hearing_loop", _("Hearing loop")
    SIGN_LANGUAGE = "sign_language", _("Sign language on request")
    LIFT = "lift", _("Lift")


class StationInfo(models.Model):
    """What a visitor needs to find and use a station: where, when, how accessible."""

    station = models.OneToOneField(
        "geo.ServiceStation", on_delete=models.CASCADE, related_name="info"
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # [{"weekday": 1..7 (ISO), "opens": "09:00", "closes": "17:30"}, ...]
    opening_hours = models.JSONField(_("opening hours"), default=list)
    accessibility = models.JSONField(_("accessibility"), default=list)

    class Meta:
        verbose_name = _("station details")
        verbose_name_plural = _("station details")

    def __str__(self) -> str:
        return str(self.station)


class Service(BaseModel):
    station = models.ForeignKey(
        "geo.ServiceStation", on_delete=models.PROTECT, related_name="services"
    )
    need = models.CharField(_("need"), max_length=20, choices=Need.choices)
    name = models.JSONField(_("name"))
    description = models.JSONField(_("description"), default=dict, blank=True)
    # Languages the service is offered in, as language codes ("zh-hans", "yue", "en", ...).
    languages = models.JSONField(_("languages"), default=list, blank=True)
    free = models.BooleanField(_("free of charge"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["station__code", "need", "id"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        indexes = [models.Index(fields=["need", "station"], name="service_need_idx")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return pick(self.name)

    @property
    def summary(self) -> str:
        return pick(self.description)


class Course(BaseModel):
    """A course a service runs: sessions, a capacity, and a waiting list beyond it."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="courses")
    title = models.JSONField(_("title"))
    language = models.CharField(_("language of instruction"), max_length=10)
    capacity = models.PositiveIntegerField(_("capacity"))
    # Kept by the enrolment services with conditional UPDATEs, so that two people enrolling
    # at once can never both take the last place (see `services.course_enrol`).
    enrolled_count = models.PositiveIntegerField(default=0)
    # Sessions a participant must attend for a certificate, out of all sessions.
    attendance_required = models.PositiveIntegerField(_("sessions required"), default=1)

    class Meta:
        ordering = ["id"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(enrolled_count__lte=models.F("capacity")),
                name="course_within_capacity",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return pick(self.title)

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.enrolled_count, 0)


class CourseSession(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"{self.course} {self.starts_at:%Y-%m-%d %H:%M}"


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")


ACTIVE_ENROLMENT = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING)


class Enrolment(BaseModel):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrolments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments"
    )
    status = models.CharField(_("status"), max_length=12, choices=EnrolmentStatus.choices)
    # The waiting list is served in this order; set again when a place is given.
    queued_at = models.DateTimeField()
    promoted_at = models.DateTimeField(null=True, blank=True)
    certificate_number = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["queued_at", "id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "user"],
                condition=models.Q(status__in=["enrolled", "waiting"]),
                name="one_active_enrolment",
            ),
        ]
        indexes = [models.Index(fields=["course", "status", "queued_at"], name="enrolment_queue")]


class Attendance(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    session = models.ForeignKey(CourseSession, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField(_("present"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "session"], name="one_attendance_mark")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}@{self.session_id}"


class LegalAidTopic(models.TextChoices):
    WAGES = "wages", _("Unpaid or underpaid wages")
    WORKING_TIME = "working_time", _("Working hours, rest time or standby hours")
    CONTRACT = "contract", _("Employment contract or dismissal")
    INJURY = "injury", _("Work injury or social insurance")
    HOUSING = "housing", _("Housing or tenancy")
    FAMILY = "family", _("Family matters")
    OTHER = "other", _("Something else")


class LegalAidStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class LegalAidCounsellor(models.Model):
    """A station staff member who takes the station's legal-aid requests."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="legal_aid"
    )
    station = models.ForeignKey(
        "geo.ServiceStation", on_delete=models.PROTECT, related_name="counsellors"
    )
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("legal-aid counsellor")
        verbose_name_plural = _("legal-aid counsellors")

    def __str__(self) -> str:
        return str(self.user)


class LegalAidRequest(BaseModel):
    """A confidential request: only the requester and the assigned counsellor can read it."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="legal_aid_requests"
    )
    station = models.ForeignKey("geo.ServiceStation", on_delete=models.PROTECT, related_name="+")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="legal_aid_cases"
    )
    topic = models.CharField(_("topic"), max_length=20, choices=LegalAidTopic.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=LegalAidStatus.choices, default=LegalAidStatus.OPEN
    )
    language = models.CharField(_("language"), max_length=10)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("legal-aid request")
        verbose_name_plural = _("legal-aid requests")
        indexes = [models.Index(fields=["assigned_to", "status"], name="legal_aid_queue")]


class LegalAidMessage(models.Model):
    request = models.ForeignKey(LegalAidRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id}#{self.pk}"


class ServiceFeedback(models.Model):
    """A resident's rating (1–5) and comment on a service; one per resident, editable."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["service", "user"], name="one_feedback_per_user"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_id}: {self.rating}"


class Volunteer(BaseModel):
    """A resident (a foreign national too) who offers languages and skills."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer"
    )
    languages = models.JSONField(_("languages"), default=list)
    skills = models.TextField(_("skills"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")

    def __str__(self) -> str:
        return str(self.user)


class Shift(BaseModel):
    """A volunteering shift a station posts: when, how many people, which languages help."""

    station = models.ForeignKey(
        "geo.ServiceStation", on_delete=models.PROTECT, related_name="shifts"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    slots = models.PositiveIntegerField(_("volunteers needed"))
    taken = models.PositiveIntegerField(default=0)
    languages = models.JSONField(_("languages wanted"), default=list)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("volunteer shift")
        verbose_name_plural = _("volunteer shifts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(taken__lte=models.F("slots")), name="shift_within_slots"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def open_slots(self) -> int:
        return max(self.slots - self.taken, 0)


class ShiftSignup(BaseModel):
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="signups")
    cancelled = models.BooleanField(default=False)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1, null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=models.Q(cancelled=False),
                name="one_signup_per_shift",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.shift}"


class Association(BaseModel):
    """A migrants' association, registered by a station, partner of one or more stations."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    languages = models.JSONField(_("languages"), default=list)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    stations = models.ManyToManyField(
        "geo.ServiceStation", related_name="associations", verbose_name=_("stations")
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="associations", blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("association")
        verbose_name_plural = _("associations")

    def __str__(self) -> str:
        return self.name


class AssociationEvent(BaseModel):
    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="events")
    station = models.ForeignKey("geo.ServiceStation", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"))

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return self.title


class Consultation(BaseModel):
    """A policy consultation the city opens: a question, documents, a closing date."""

    title = models.JSONField(_("title"))
    question = models.JSONField(_("question"))
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    experts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="consultations_as_expert", blank=True
    )

    class Meta:
        ordering = ["-opens_at", "id"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return pick(self.title)

    @property
    def question_text(self) -> str:
        return pick(self.question)


class ConsultationDocument(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="documents"
    )
    title = models.JSONField(_("title"))
    url = models.URLField(_("link"))

    def __str__(self) -> str:
        return pick(self.title)

    @property
    def label(self) -> str:
        return pick(self.title)


class Capacity(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    EXPERT = "expert", _("Expert")
    ASSOCIATION = "association", _("Association")


class Stance(models.TextChoices):
    SUPPORT = "support", _("Supports the proposal")
    OPPOSE = "oppose", _("Opposes the proposal")
    AMEND = "amend", _("Proposes changes")


class ConsultationComment(BaseModel):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    capacity = models.CharField(_("commenting as"), max_length=12, choices=Capacity.choices)
    association = models.ForeignKey(
        Association, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stance = models.CharField(
        pgettext_lazy("comment stance", "position"), max_length=10, choices=Stance.choices
    )
    body = models.TextField(_("comment"))

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity="association", association__isnull=False)
                | (~models.Q(capacity="association") & models.Q(association__isnull=True)),
                name="association_comment_names_it",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id}#{self.pk}"

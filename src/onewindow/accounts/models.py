"""Users, their role, and the agency and districts that scope what they see."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from onewindow.core.i18n import zh_or_en


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    EMPLOYER = "employer", _("Employer")
    OFFICER = "officer", _("Officer")
    STATION_STAFF = "station_staff", _("Station staff")
    SUPERVISOR = "supervisor", _("Supervisor")
    ANALYST = "analyst", _("Analyst")
    ADMINISTRATOR = "administrator", _("Administrator")
    EXPERT = "expert", _("Expert")


STAFF_ROLES = frozenset(
    {Role.OFFICER, Role.STATION_STAFF, Role.SUPERVISOR, Role.ANALYST, Role.ADMINISTRATOR}
)


class Agency(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)

    class Meta:
        ordering = ["code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:

        return zh_or_en(self.name_zh, self.name_en)


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    districts = models.ManyToManyField("geo.District", blank=True, related_name="staff")
    station = models.ForeignKey(
        "geo.ServiceStation", on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    person = models.OneToOneField(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account",
        help_text=_("The registry record of a resident user."),
    )
    employer = models.ForeignKey(
        "registry.Employer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("The company an employer user acts for."),
    )
    language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="officer") | models.Q(agency__isnull=False),
                name="officer_has_agency",
            ),
        ]

    @property
    def is_staff_role(self) -> bool:
        """Staff roles must sign in with a second factor."""
        return self.role in STAFF_ROLES


class ApiToken(models.Model):
    """A bearer token for the API. Only a SHA-256 digest of the token is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

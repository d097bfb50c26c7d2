"""Permits, the keys that sign them, and the per-type, per-year number sequences.

A permit is issued once per application (a database constraint). Its status is `valid` or
`revoked`; whether it has expired is derived from the dates, never stored. The QR code on the
card carries an Ed25519-signed token (see `signing.py`): the permit number is not a secret,
the signature is what counts.

Only public keys are stored here; each private key lives in a file under
`VAR_DIR/keys/<kid>.pem` (mode 0600) and never enters the database.
"""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from onewindow.applications.definitions import permit_titles
from onewindow.core.i18n import pick, zh_or_en
from onewindow.core.models import BaseModel


class PermitStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")


class Permit(BaseModel):
    number = models.CharField(_("permit number"), max_length=32, unique=True)
    permit_type = models.CharField(_("permit type"), max_length=60, db_index=True)
    # Copied from the type file at issue, so a later edit of the file changes no card.
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    holder = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="permits", db_index=False
    )
    # Masked at issue ("张*", "J*** G****"); signed into the QR token and shown by verification.
    holder_masked = models.CharField(_("holder (masked)"), max_length=120)
    application = models.OneToOneField(
        "applications.Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="permit",
        help_text=_("Empty for permits imported from an agency's records."),
    )
    issued_on = models.DateField(_("issued on"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    status = models.CharField(
        _("status"), max_length=10, choices=PermitStatus.choices, default=PermitStatus.VALID
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.TextField(_("reason for revocation"), blank=True)
    endorsed_until = models.DateField(_("endorsed until"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("permit")
        verbose_name_plural = _("permits")
        indexes = [
            models.Index(fields=["holder", "-valid_to"], name="permit_holder_idx"),
            models.Index(fields=["status", "valid_to"], name="permit_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")),
                name="permit_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(status="valid", revoked_at__isnull=True)
                | (
                    models.Q(status="revoked", revoked_at__isnull=False)
                    & ~models.Q(revoke_reason="")
                ),
                name="permit_revocation_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def title(self) -> str:
        """The type's title in the reader's language."""
        return self.title_in(get_language() or "")

    def title_in(self, language: str) -> str:
        """The title as issued in Chinese and English; in the other UI languages, as the
        permit's type file gives it (the file's current text)."""
        if language.startswith(("zh", "en")):
            return zh_or_en(self.title_zh, self.title_en, language)
        localized = permit_titles().get(self.permit_type)
        return pick(localized.texts(), language) if localized else self.title_en


class PermitSequence(models.Model):
    """The last number handed out per (type prefix, year); advanced with `F()` under a row
    lock, so two officers issuing at once never get the same number."""

    key = models.CharField(max_length=20, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"


class SigningKey(models.Model):
    """An Ed25519 public key. The newest key that is not retired signs; every key, retired or
    not, stays published so that permits signed with it can still be verified."""

    kid = models.CharField(_("key id"), max_length=16, unique=True)
    public_key = models.CharField(_("public key (raw, base64url)"), max_length=64)
    created_at = models.DateTimeField(_("created"))
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")

    def __str__(self) -> str:
        return self.kid

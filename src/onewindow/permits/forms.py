"""Forms of the permit page: renew and revoke (staff who may change the permit)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.applications.forms import VersionForm

from .services import MAX_MONTHS


class RenewForm(VersionForm):
    # Bounds are checked by the service, which says what is wrong in its own words.
    months = forms.IntegerField(
        label=_("Extend by (months)"),
        initial=12,
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_MONTHS, "required": True}),
    )


class RevokeForm(VersionForm):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        help_text=_("The holder sees this reason."),
    )

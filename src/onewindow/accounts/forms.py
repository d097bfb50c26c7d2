"""The sign-in form: user name, password and, for staff, a TOTP code."""

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp import match_token


class SignInForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        required=False,
        max_length=8,
        help_text=_("Staff only: the six-digit code."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    error_messages = {
        "invalid": _("The user name or password is wrong."),
        "otp": _("The code is wrong or has expired. Staff need a current six-digit code."),
    }

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user = None
        self.device = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        user = authenticate(self.request, username=data["username"], password=data["password"])
        if user is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if user.is_staff_role:
            token = (data.get("otp_token") or "").strip().replace(" ", "")
            device = match_token(user, token) if token.isdigit() else None
            if device is None:
                raise forms.ValidationError(self.error_messages["otp"], code="otp")
            self.device = device
        self.user = user
        return data

"""Forms built from an application type's fields, and the small forms of the workflow pages.

The forms only parse input into Python values and give the browser the right widgets; the
services decide (completeness at submission, patterns, ranges) and raise `DomainError`.
"""

import functools
from typing import Any

from babel import Locale, UnknownLocaleError
from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .definitions import ApplicationType, FieldSpec

# Territory codes in CLDR that are not countries an applicant can hold a passport of.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"}


@functools.cache
def _countries(language: str) -> list[tuple[str, str]]:
    try:
        locale = Locale.parse(language.replace("-", "_"), sep="_")
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    names = [
        (code, name)
        for code, name in locale.territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    ]
    return sorted(names, key=lambda item: item[1])


def country_choices() -> list[tuple[str, str]]:
    """ISO 3166 countries, named in the reader's language (CLDR via Babel)."""
    return [("", "—"), *_countries(get_language() or "en")]


def _form_field(spec: FieldSpec) -> forms.Field:
    common: dict[str, Any] = {
        "label": str(spec.label),
        "help_text": str(spec.help) if spec.help else "",
        # Drafts keep partial answers; submission checks completeness.
        "required": False,
    }
    if spec.type == "string":
        return forms.CharField(max_length=spec.max_length, **common)
    if spec.type == "text":
        return forms.CharField(
            max_length=spec.max_length, widget=forms.Textarea(attrs={"rows": 4}), **common
        )
    if spec.type == "integer":
        return forms.IntegerField(
            min_value=None if spec.min is None else int(spec.min),
            max_value=None if spec.max is None else int(spec.max),
            **common,
        )
    if spec.type == "decimal":
        return forms.DecimalField(
            min_value=spec.min,
            max_value=spec.max,
            widget=forms.NumberInput(attrs={"step": "any"}),
            **common,
        )
    if spec.type == "date":
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common
        )
    if spec.type == "boolean":
        return forms.BooleanField(**common)
    if spec.type == "choice":
        choices = [("", "—")] + [(c.value, str(c.label)) for c in spec.choices]
        return forms.ChoiceField(choices=choices, **common)
    return forms.ChoiceField(choices=country_choices, **common)


def answers_form_class(spec: ApplicationType) -> type[forms.Form]:
    """A Form class with one field per field of the type, labelled in the reader's language."""
    fields = {f.name: _form_field(f) for f in spec.fields}
    return type(f"{spec.code.title().replace('_', '')}AnswersForm", (forms.Form,), fields)


def answers_form(
    spec: ApplicationType, data: Any = None, *, initial: dict[str, Any] | None = None
) -> forms.Form:
    """The answers form of `spec`, bound to POST `data` or showing the saved `initial`."""
    return answers_form_class(spec)(data=data, initial=initial, prefix="a")


class UploadForm(forms.Form):
    code = forms.ChoiceField(label=_("Document"))
    file = forms.FileField(label=_("File"))

    def __init__(self, *args: Any, spec: ApplicationType, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.fields["code"].choices = [(d.code, str(d.label)) for d in spec.documents]
        kinds = sorted({t for d in spec.documents for t in d.content_types})
        self.fields["file"].widget.attrs["accept"] = ",".join(kinds)


class VersionForm(forms.Form):
    """The version the user saw; a different current version is a conflict."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class AnswerForm(VersionForm):
    # Not required here: the service says what is missing, in its own words.
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "required": True}),
    )


class RejectForm(VersionForm):
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        help_text=_("The applicant sees this reason."),
    )


class QuestionForm(VersionForm):
    question = forms.CharField(
        label=_("Question for the applicant"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
    )


class ReassignForm(VersionForm):
    officer = forms.ModelChoiceField(queryset=None, label=_("Officer"), empty_label="—")

    def __init__(self, *args: Any, officers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers


class TransferForm(VersionForm):
    agency = forms.ModelChoiceField(queryset=None, label=_("Department"), empty_label="—")

    def __init__(self, *args: Any, agencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class LookupForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "OW2025…"}),
    )

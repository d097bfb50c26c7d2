"""Forms of the services pages: the directory's filters and the legal-aid intake."""

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onewindow.geo.models import District, ServiceStation

from .models import LegalAidTopic, Need
from .services import MAX_MESSAGE

# Languages a service can be offered in: the UI languages and Cantonese.
SERVICE_LANGUAGES = [*settings.LANGUAGES, ("yue", "粵語")]


class DirectoryFilter(forms.Form):
    need = forms.ChoiceField(
        label=_("I need"), required=False, choices=[("", _("Any need")), *Need.choices]
    )
    district = forms.ChoiceField(label=_("District"), required=False)
    language = forms.ChoiceField(
        label=_("In the language"),
        required=False,
        choices=[("", _("Any language")), *SERVICE_LANGUAGES],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [
            ("", _("Any district")),
            *((d.code, d.label) for d in District.objects.order_by("code")),
        ]


class StationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ServiceStation) -> str:
        return f"{obj.district.label} · {obj.label}"


class LegalAidForm(forms.Form):
    station = StationChoiceField(
        label=_("Service station"),
        queryset=ServiceStation.objects.filter(
            Q(counsellors__active=True) | Q(district__stations__counsellors__active=True)
        )
        .select_related("district")
        .distinct()
        .order_by("district__code", "code"),
        to_field_name="code",
        help_text=_(
            "The stations with legal-aid counsellors; choose the nearest to you or your work."
        ),
    )
    topic = forms.ChoiceField(label=_("What is it about?"), choices=LegalAidTopic.choices)
    body = forms.CharField(
        label=_("Your question"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=MAX_MESSAGE,
        help_text=_(
            "Describe what happened, since when, and what you want. Only you and the "
            "counsellor who takes your request can read it."
        ),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"), widget=forms.Textarea(attrs={"rows": 5}), max_length=MAX_MESSAGE
    )

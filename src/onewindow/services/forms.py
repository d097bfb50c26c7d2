"""Forms of the services pages: the directory's filters and the legal-aid intake."""

from collections.abc import Sequence

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onewindow.accounts.models import User
from onewindow.geo.models import District, ServiceStation

from .models import EXTRA_LANGUAGES, Capacity, LegalAidTopic, Need, Stance
from .services import MAX_MESSAGE

# Languages a service can be offered in: the UI languages and Cantonese.
SERVICE_LANGUAGES = [*settings.LANGUAGES, *EXTRA_LANGUAGES]


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


def _datetime(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        help_text=_("5 is best."),
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VolunteerForm(forms.Form):
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"),
        choices=SERVICE_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
    )
    skills = forms.CharField(
        label=_("Skills you offer"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: interpreting, teaching, IT help, accounting, first aid."),
    )


class ShiftForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    starts_at = _datetime(_("Starts"))
    ends_at = _datetime(_("Ends"))
    slots = forms.IntegerField(label=_("Volunteers needed"), min_value=1, max_value=100)
    languages = forms.MultipleChoiceField(
        label=_("Languages wanted"),
        required=False,
        choices=SERVICE_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
    )


class HoursForm(forms.Form):
    hours = forms.DecimalField(label=_("Hours"), min_value=0.5, max_value=24, decimal_places=1)


def _users(value: str) -> list[User]:
    names = [n.strip() for n in value.replace("，", ",").split(",") if n.strip()]
    found = list(User.objects.filter(username__in=names))
    missing = sorted(set(names) - {u.username for u in found})
    if missing:
        raise forms.ValidationError(
            _("Unknown user names: %(names)s"), params={"names": ", ".join(missing)}
        )
    return found


class AssociationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        required=False,
        choices=SERVICE_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
    )
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    members = forms.CharField(
        label=_("Members who may post events"),
        required=False,
        help_text=_("User names of resident accounts, separated by commas."),
    )

    def clean_members(self) -> list:
        return _users(self.cleaned_data["members"])


class EventForm(forms.Form):
    station = forms.ChoiceField(label=_("Service station"))
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    starts_at = _datetime(_("Starts"))

    def __init__(self, *args: object, stations: Sequence = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].choices = [(str(s.pk), s.label) for s in stations]


class ConsultationForm(forms.Form):
    opens_at = _datetime(_("Opens"))
    closes_at = _datetime(_("Closes"))
    experts = forms.CharField(
        label=_("Invited experts"),
        required=False,
        help_text=_("User names of expert accounts, separated by commas."),
    )
    documents = forms.CharField(
        label=_("Documents"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: title | link"),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for code, name in settings.LANGUAGES:
            required = code in ("zh-hans", "en")
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title (%(language)s)") % {"language": name},
                required=required,
                max_length=300,
            )
            self.fields[f"question_{code}"] = forms.CharField(
                label=_("Question (%(language)s)") % {"language": name},
                required=required,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def clean_experts(self) -> list:
        return _users(self.cleaned_data["experts"])

    def clean_documents(self) -> list[tuple[dict[str, str], str]]:
        docs = []
        validate = forms.URLField(assume_scheme="https").clean
        for line in self.cleaned_data["documents"].splitlines():
            if not line.strip():
                continue
            title, sep, url = line.rpartition("|")
            if not sep or not title.strip():
                raise forms.ValidationError(_("Write each document as: title | link"))
            docs.append(({"zh-hans": title.strip(), "en": title.strip()}, validate(url.strip())))
        return docs

    def texts(self, field: str) -> dict[str, str]:
        return {
            code: self.cleaned_data.get(f"{field}_{code}", "") for code, _ in settings.LANGUAGES
        }


class CommentForm(forms.Form):
    capacity = forms.ChoiceField(label=_("Commenting as"))
    stance = forms.ChoiceField(
        label=_("Your position"), choices=Stance.choices, widget=forms.RadioSelect
    )
    body = forms.CharField(
        label=_("Your comment"), max_length=MAX_MESSAGE, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args: object, capacities: Sequence = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.options = {f"{cap}:{a.pk if a else ''}": (cap, a) for cap, a in capacities}
        self.fields["capacity"].choices = [
            (key, a.name if a else Capacity(cap).label) for key, (cap, a) in self.options.items()
        ]

    def clean_capacity(self) -> tuple:
        return self.options[self.cleaned_data["capacity"]]

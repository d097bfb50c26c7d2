from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .mappings import mappings

MAX_UPLOAD_MB = 50


class UploadForm(forms.Form):
    source = forms.ChoiceField(label=_("Source"))
    file = forms.FileField(
        label=_("Extract"),
        help_text=_("CSV (UTF-8 or GB18030), XLSX or Parquet, up to %(mb)s MB.")
        % {"mb": MAX_UPLOAD_MB},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [(m.code, str(m.title)) for m in mappings().values()]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB; import it with `onewindow import`."),
                params={"mb": MAX_UPLOAD_MB},
            )
        return upload


class LinkageForm(forms.Form):
    auto = forms.FloatField(
        label=_("Link automatically from"),
        min_value=0.01,
        max_value=1,
        help_text=_("Match probability (0–1) at or above which records are linked."),
    )
    review = forms.FloatField(
        label=_("Send to review from"),
        min_value=0.01,
        max_value=1,
        help_text=_("Below this the records stay distinct; between the two an officer decides."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["auto"].initial = settings.LINKAGE_AUTO_THRESHOLD
        self.fields["review"].initial = settings.LINKAGE_REVIEW_THRESHOLD

    def clean(self):
        data = super().clean()
        auto, review = data.get("auto"), data.get("review")
        if auto is not None and review is not None and review > auto:
            raise forms.ValidationError(
                _("The review threshold cannot be above the automatic one.")
            )
        return data

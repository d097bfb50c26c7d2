from django import forms
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

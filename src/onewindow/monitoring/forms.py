from django import forms

from .models import AlertRule


class AlertRuleForm(forms.ModelForm):
    days = forms.IntegerField(min_value=0, max_value=365)

    class Meta:
        model = AlertRule
        fields = ["enabled", "days"]


AlertRuleFormSet = forms.modelformset_factory(AlertRule, form=AlertRuleForm, extra=0)

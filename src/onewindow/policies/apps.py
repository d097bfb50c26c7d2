from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "onewindow.policies"
    label = "policies"

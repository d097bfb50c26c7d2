from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "onewindow.backoffice"
    label = "backoffice"

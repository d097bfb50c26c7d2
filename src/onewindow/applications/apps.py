from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "onewindow.applications"
    label = "applications"

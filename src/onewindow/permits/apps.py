from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "onewindow.permits"
    label = "permits"

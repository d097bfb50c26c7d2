from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "onewindow.registry"
    label = "registry"

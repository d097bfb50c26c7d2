from django.apps import AppConfig


class ConsolidationConfig(AppConfig):
    name = "onewindow.consolidation"
    label = "consolidation"

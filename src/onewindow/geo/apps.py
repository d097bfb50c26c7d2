from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "onewindow.geo"
    label = "geo"

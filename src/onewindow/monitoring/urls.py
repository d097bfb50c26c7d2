from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("staff/monitoring/", views.dashboard, name="dashboard"),
    path("staff/monitoring/refresh/", views.refresh_now, name="refresh"),
    path("staff/monitoring/panels/<slug:name>/", views.panel_view, name="panel"),
    path(
        "staff/monitoring/panels/<slug:name>.csv",
        views.panel_view,
        {"fmt": "csv"},
        name="panel-csv",
    ),
    path(
        "staff/monitoring/panels/<slug:name>.json",
        views.panel_view,
        {"fmt": "json"},
        name="panel-json",
    ),
    path("staff/monitoring/overstays/", views.overstays, name="overstays"),
    path("staff/monitoring/alerts/", views.alert_rules, name="alerts"),
    path("open-data/", views.open_data, name="open-data"),
    path("open-data/<slug:slug>.csv", views.open_data_file, {"fmt": "csv"}, name="open-data-csv"),
    path(
        "open-data/<slug:slug>.json", views.open_data_file, {"fmt": "json"}, name="open-data-json"
    ),
]

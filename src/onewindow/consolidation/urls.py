from django.urls import path

from . import views

app_name = "consolidation"
urlpatterns = [
    path("staff/imports/", views.imports, name="imports"),
    path("staff/imports/<uuid:uid>/", views.report, name="report"),
    path("staff/imports/<uuid:uid>/rejects.csv", views.rejects_csv, name="rejects"),
]

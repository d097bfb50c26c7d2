from django.urls import path

from . import views

app_name = "consolidation"
urlpatterns = [
    path("staff/imports/", views.imports, name="imports"),
    path("staff/imports/<uuid:uid>/", views.report, name="report"),
    path("staff/imports/<uuid:uid>/rejects.csv", views.rejects_csv, name="rejects"),
    path("staff/linkage/", views.linkage, name="linkage"),
    path("staff/linkage/pairs/<uuid:uid>/", views.pair, name="pair"),
    path("staff/linkage/persons/<uuid:uid>/", views.golden, name="golden"),
]

from django.urls import path

from . import views

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("persons/", views.persons, name="persons"),
    path("persons/<uuid:uid>/", views.person, name="person"),
]

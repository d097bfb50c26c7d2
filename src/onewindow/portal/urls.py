from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("me/", views.me, name="me"),
]

from django.urls import path

from . import views

app_name = "permits"
urlpatterns = [
    path("verify", views.verify, name="verify"),
    path(".well-known/onewindow-keys.json", views.public_keys, name="keys"),
    path("permits/<uuid:uid>/", views.detail, name="detail"),
    path("permits/<uuid:uid>/card.pdf", views.card, name="card"),
    path("permits/<uuid:uid>/<slug:action>/", views.change, name="change"),
]

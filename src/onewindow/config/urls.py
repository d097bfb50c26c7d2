"""URL configuration: portal at /, staff site at /staff/, API at /api/."""

from django.urls import include, path

from onewindow.portal.views import home

from .api import api

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("onewindow.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("staff/", include("onewindow.backoffice.urls")),
    path("", include("onewindow.portal.urls")),
    path("", include("onewindow.permits.urls")),
    path("", include("onewindow.policies.urls")),
    path("", include("onewindow.consolidation.urls")),
    path("", include("onewindow.applications.urls")),
    path("", include("onewindow.services.urls")),
    path("", include("onewindow.monitoring.urls")),
    path("api/", api.urls),
]

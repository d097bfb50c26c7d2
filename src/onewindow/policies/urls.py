from django.urls import path

from . import round_views, views

app_name = "policies"
urlpatterns = [
    path("policies/", views.index, name="index"),
    path("policies/calculator/<slug:policy_id>/", views.calculator, name="calculator"),
    path("policies/<str:key>/", views.detail, name="detail"),
    path("staff/simulations/", views.simulations, name="simulations"),
    path("staff/simulations/new/<str:key>/", views.scenario_new, name="scenario_new"),
    path("staff/simulations/<uuid:uid>/", views.scenario, name="scenario"),
    path("staff/simulations/<uuid:uid>/csv/", views.scenario_csv, name="scenario_csv"),
    path("staff/rounds/", round_views.round_list, name="rounds"),
    path("staff/rounds/<uuid:uid>/", round_views.round_detail, name="round"),
    path("staff/rounds/<uuid:uid>/<slug:action>/", round_views.round_action, name="round_action"),
    path("staff/rounds/entries/<int:pk>/resolve/", round_views.entry_resolve, name="entry_resolve"),
    path("rounds/<int:year>/", round_views.public_list, name="round_public"),
    path(
        "applications/<str:reference>/object/",
        round_views.object_to_entry,
        name="object",
    ),
]

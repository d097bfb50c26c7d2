"""The workflow's pages: the applicant's under /applications/ and /notifications/, the
officer's under /staff/queue/ and /staff/reviews/."""

from django.urls import path

from . import views

app_name = "applications"
urlpatterns = [
    path("applications/", views.my_applications, name="mine"),
    path("applications/lookup/", views.lookup, name="lookup"),
    path("applications/new/<slug:type_code>/", views.start, name="start"),
    path("applications/<str:reference>/", views.detail, name="detail"),
    path("applications/<str:reference>/save/", views.save, name="save"),
    path("applications/<str:reference>/upload/", views.upload, name="upload"),
    path("applications/<str:reference>/submit/", views.submit, name="submit"),
    path("applications/<str:reference>/answer/", views.answer, name="answer"),
    path("applications/<str:reference>/withdraw/", views.withdraw, name="withdraw"),
    path("applications/<str:reference>/documents/<uuid:uid>/", views.document, name="document"),
    path("notifications/", views.notifications, name="notifications"),
    path("staff/queue/", views.queue, name="queue"),
    path("staff/reviews/<uuid:uid>/", views.review, name="review"),
    path("staff/reviews/<uuid:uid>/<slug:action>/", views.review_action, name="review_action"),
]

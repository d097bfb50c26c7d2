from django.urls import path

from . import views

app_name = "services"
urlpatterns = [
    path("services/", views.directory, name="directory"),
    path("services/<uuid:uid>/", views.service_detail, name="service"),
    path("courses/<uuid:uid>/enrol/", views.enrol, name="enrol"),
    path("me/courses/", views.my_courses, name="my_courses"),
    path("me/courses/<uuid:uid>/cancel/", views.cancel, name="cancel"),
    path("legal-aid/", views.legal_aid_list, name="legal_aid"),
    path("legal-aid/new/", views.legal_aid_new, name="legal_aid_new"),
    path("legal-aid/<uuid:uid>/", views.legal_aid_detail, name="legal_aid_detail"),
    path("legal-aid/<uuid:uid>/close/", views.legal_aid_close_view, name="legal_aid_close"),
    path("staff/courses/", views.staff_courses, name="staff_courses"),
    path("staff/courses/<uuid:uid>/", views.staff_course, name="staff_course"),
]

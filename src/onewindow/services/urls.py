from django.urls import path

from . import community_views as cv
from . import views

app_name = "services"
urlpatterns = [
    path("services/", views.directory, name="directory"),
    path("services/<uuid:uid>/", views.service_detail, name="service"),
    path("courses/<uuid:uid>/enrol/", views.enrol, name="enrol"),
    path("me/courses/", views.my_courses, name="my_courses"),
    path("me/courses/<uuid:uid>/cancel/", views.cancel, name="cancel"),
    path("me/courses/<uuid:uid>/certificate.pdf", views.certificate, name="certificate"),
    path("legal-aid/", views.legal_aid_list, name="legal_aid"),
    path("legal-aid/new/", views.legal_aid_new, name="legal_aid_new"),
    path("legal-aid/<uuid:uid>/", views.legal_aid_detail, name="legal_aid_detail"),
    path("legal-aid/<uuid:uid>/close/", views.legal_aid_close_view, name="legal_aid_close"),
    path("staff/courses/", views.staff_courses, name="staff_courses"),
    path("staff/courses/<uuid:uid>/", views.staff_course, name="staff_course"),
    path("services/<uuid:uid>/feedback/", cv.feedback, name="feedback"),
    path("volunteer/", cv.volunteer, name="volunteer"),
    path("volunteer/shifts/<uuid:uid>/sign-up/", cv.shift_sign_up, name="shift_sign_up"),
    path("volunteer/sign-ups/<uuid:uid>/cancel/", cv.shift_cancel, name="shift_cancel"),
    path("staff/shifts/", cv.staff_shifts, name="staff_shifts"),
    path("staff/sign-ups/<uuid:uid>/hours/", cv.staff_hours, name="staff_hours"),
    path("associations/", cv.associations, name="associations"),
    path("associations/<uuid:uid>/", cv.association, name="association"),
    path("staff/associations/new/", cv.association_new, name="association_new"),
    path("consultations/", cv.consultation_list, name="consultations"),
    path("consultations/<uuid:uid>/", cv.consultation, name="consultation"),
    path("consultations/<uuid:uid>/summary/", cv.consultation_summary, name="consultation_summary"),
    path("staff/consultations/new/", cv.consultation_new, name="consultation_new"),
]

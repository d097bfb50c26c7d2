"""The course certificate as a PDF, drawn by WeasyPrint from an HTML template.

WeasyPrint lays text out with Pango and HarfBuzz, so Arabic is shaped and runs right to
left and Chinese and Korean find their glyphs in the system's Noto fonts (installed by
scripts/debian-packages.sh); the certificate is in the reader's language with the course
title also in Chinese, the language of the issuing station.
"""

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from onewindow.core.i18n import pick

from .models import Enrolment


def certificate_pdf(enrolment: Enrolment) -> bytes:
    course = enrolment.course
    person = getattr(enrolment.user, "person", None)
    html = render_to_string(
        "services/certificate.html",
        {
            "enrolment": enrolment,
            "course": course,
            "title_zh": pick(course.title, "zh-hans"),
            "holder": person.display_name if person else enrolment.user.username,
            "station": course.service.station,
            "issued": timezone.localdate(enrolment.updated_at),
        },
    )
    return HTML(string=html).write_pdf()

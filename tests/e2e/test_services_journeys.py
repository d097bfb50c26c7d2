# ruff: noqa: F811 - the services fixtures are imported, then requested by name
"""Community services in the browser, in the resident's own language.

(1) A French-speaking resident finds a Chinese course at a station in Yuexiu, enrols, is put
on the waiting list, and is given the place when someone cancels.
(2) A domestic worker asks for legal help in English; the station's counsellor answers in
Chinese; the worker reads the answer.
(3) An invited expert comments on a policy consultation.
"""

import datetime
from typing import Any

import pytest
from django.utils import timezone, translation

from onewindow.applications.models import Notification
from onewindow.services.models import Enrolment
from onewindow.services.services import PROMOTED, course_enrol, enrolment_cancel
from tests.e2e.conftest import choose_language
from tests.e2e.test_application_journeys import DESKTOP, PHONE, no_overflow, press, sign_in
from tests.services.conftest import counsellor, make_course, resident  # noqa: F401 - fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
YUEXIU = "440104"


def tr(language: str, text: str) -> str:
    """`text` as the page shows it in `language`."""
    with translation.override(language):
        return translation.gettext(text)


def test_a_french_speaker_joins_the_waiting_list_and_gets_the_place(
    live_server: Any, browser: Any, shoot: Any, make_course: Any, resident: Any
) -> None:
    # given a one-place Chinese course at a Yuexiu station, already taken
    course = make_course(capacity=1, district=YUEXIU)
    first = resident()
    taken = course_enrol(user=first, course=course)
    me = resident(language="fr")
    page = browser.new_page(viewport=PHONE)
    # when she opens the portal and switches to French
    page.goto(live_server.url)
    choose_language(page, "fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    shoot(page, "1-home-fr")
    no_overflow(page)
    # and looks for a language course in Yuexiu
    page.click("#find-services")
    page.select_option("#id_need", "language")
    page.select_option("#id_district", YUEXIU)
    press(page, "form.filters button[type=submit]")
    assert page.locator("ul.services li").count() == 1
    shoot(page, "2-directory-fr")
    page.locator("ul.services a.name").click()
    page.wait_for_url(f"**/services/{course.service.uid}/")
    assert tr("fr", "Full") in page.locator(f"#course-{course.uid}").inner_text()
    # signs in from the course and joins the waiting list
    page.get_by_role("button", name=tr("fr", "Sign in to enrol")).click()
    page.fill("#id_username", me.username)
    page.fill("#id_password", "correct horse battery staple")
    press(page, "main button[type=submit]")
    assert page.url.endswith(f"/services/{course.service.uid}/")
    press(page, f"#course-{course.uid} button[type=submit]")
    # then she is number 1 on the waiting list
    assert page.url.endswith("/me/courses/")
    status = page.locator("td.status").inner_text()
    assert status.strip() == tr("fr", "Waiting list: number %(position)s") % {"position": 1}
    shoot(page, "3-waiting-fr")
    no_overflow(page)
    # when the other participant cancels
    enrolment_cancel(user=first, enrolment=taken)
    # then the place is hers, and she is told in French
    page.reload()
    assert page.locator("td.status").inner_text().strip() == tr("fr", "Enrolled")
    assert Enrolment.objects.get(user=me, course=course).status == "enrolled"
    note = Notification.objects.filter(user=me).order_by("-created_at").first()
    with translation.override("fr"):
        assert note.text == translation.gettext(PROMOTED) % {"course": str(course)}
    shoot(page, "4-promoted-fr")
    page.close()


def test_a_domestic_worker_asks_in_english_and_the_counsellor_answers_in_chinese(
    live_server: Any, browser: Any, shoot: Any, resident: Any, counsellor: Any
) -> None:
    staff = counsellor()
    worker = resident()
    page = browser.new_page(viewport=DESKTOP)
    page.goto(live_server.url)
    choose_language(page, "en")
    sign_in(page, live_server.url, worker)
    # when she asks for legal help about her standby hours
    page.goto(f"{live_server.url}/legal-aid/new/")
    page.select_option("#id_station", staff.station.code)
    page.select_option("#id_topic", "working_time")
    page.fill(
        "#id_body",
        "I work as a live-in domestic worker. I am on standby every night and my employer "
        "says these hours are not working time. I have not had a day off for five weeks.",
    )
    shoot(page, "1-form-en")
    press(page, "main button[type=submit]")
    assert page.locator("#case-status").count() == 1, page.content()[:3000]
    assert "Waiting for an answer" in page.inner_text("#case-status")
    case_url = page.url
    shoot(page, "2-filed-en")
    # and the counsellor, reading Chinese, answers
    officer = browser.new_page(viewport=DESKTOP)
    officer.goto(live_server.url)
    choose_language(officer, "zh-hans")
    sign_in(officer, live_server.url, staff, staff=True)
    officer.goto(f"{live_server.url}/legal-aid/")
    officer.locator("table a").first.click()
    officer.wait_for_url(case_url)
    assert "standby every night" in officer.inner_text("ol.thread")
    officer.fill(
        "#id_body", "您好：待命时间应计入工作时间。请带上劳动合同到服务站，我们帮您申请劳动仲裁。"
    )
    press(officer, "main form button[type=submit]")
    assert tr("zh-hans", "Answered") in officer.inner_text("#case-status")
    shoot(officer, "3-answered-zh")
    officer.close()
    # then the worker sees the answer, with the status in English
    page.reload()
    assert "待命时间应计入工作时间" in page.inner_text("ol.thread")
    assert "Answered" in page.inner_text("#case-status")
    shoot(page, "4-answer-en")
    page.close()


@pytest.mark.parametrize("language", ["zh-hans", "en", "fr", "ar", "ru", "ko"])
def test_the_home_page_in_every_language_on_a_phone(
    live_server: Any, browser: Any, shoot: Any, language: str
) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(live_server.url)
    choose_language(page, language)
    html = page.locator("html")
    assert html.get_attribute("lang") == language
    assert html.get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    # every need routes somewhere, in the reader's language
    assert page.locator("section.needs article").count() == 4
    assert page.inner_text("#need-help h2") == tr(language, "I need help")
    no_overflow(page)
    shoot(page, f"home-{language}")
    page.close()


def test_an_expert_comments_on_a_consultation(
    live_server: Any, browser: Any, shoot: Any, make_user: Any
) -> None:
    # given a consultation the city opened, with an invited expert
    from onewindow.services.community import consultation_open

    expert = make_user("expert")
    now = timezone.now()
    consultation = consultation_open(
        actor=make_user("administrator"),
        title={"zh-hans": "家政工人待命时间规定", "en": "Standby hours of domestic workers"},
        question={
            "zh-hans": "住家家政工人夜间待命是否应计入工作时间？",
            "en": "Should a live-in domestic worker's night standby count as working time?",
        },
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=10),
        experts=[expert],
        documents=[({"zh-hans": "草案", "en": "Draft rules"}, "https://example.org/draft.pdf")],
    )
    page = browser.new_page(viewport=DESKTOP)
    page.goto(live_server.url)
    choose_language(page, "en")
    # when the expert signs in, finds the consultation and comments
    sign_in(page, live_server.url, expert)
    assert page.url.endswith("/consultations/")
    page.get_by_role("link", name="Standby hours of domestic workers").click()
    page.wait_for_url(f"**/consultations/{consultation.uid}/")
    assert page.locator("#id_capacity").input_value().startswith("expert")
    page.check("input[name=stance][value=amend]")
    page.fill("#id_body", "Count standby as working time at a reduced rate, with a weekly cap.")
    shoot(page, "1-comment-en")
    press(page, "main form button[type=submit]")
    # then the comment is recorded, as an expert's
    assert "1 comment so far." in page.inner_text("main")
    comment = consultation.comments.get()
    assert comment.capacity == "expert" and comment.author == expert
    shoot(page, "2-recorded-en")
    page.close()

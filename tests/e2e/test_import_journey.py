"""An administrator uploads the social-insurance bureau's extract (GB18030) and reads the
report: rows accepted, the rejected ones with their reasons, the reject file to send back."""

import pytest

from onewindow.accounts.models import Role
from tests.consolidation.test_import import HEADER, si_rows
from tests.e2e.test_application_journeys import DESKTOP, PHONE, no_overflow, press, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE])
def test_administrator_imports_an_extract(
    live_server, browser, make_user, shoot, tmp_path, settings, viewport
):
    # given an extract with a wrong check digit and a row cut short
    settings.VAR_DIR = tmp_path
    rows = si_rows(6)
    rows[1][4] = rows[1][4][:-1] + ("0" if rows[1][4][-1] != "0" else "1")
    rows[4] = rows[4][:3]
    extract = tmp_path / "社保.csv"
    extract.write_bytes(("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n").encode("gb18030"))
    admin = make_user(Role.ADMINISTRATOR)
    page = browser.new_context(locale="zh-CN", viewport=viewport).new_page()
    # when the administrator uploads it
    sign_in(page, live_server.url, admin, staff=True)
    press(page, "a[href='/staff/imports/']")
    page.select_option("#id_source", "social_insurance")
    page.set_input_files("#id_file", str(extract))
    press(page, "#import")
    # then the report shows 4 accepted, 2 rejected, each with its reason, in Chinese
    assert page.locator("#rows-accepted").inner_text() == "4"
    assert page.locator("#rows-rejected").inner_text() == "2"
    reasons = page.locator("#rejects").inner_text()
    assert "校验位" in reasons and "字段数量" in reasons
    no_overflow(page)
    shoot(page, "report")
    # and the reject file downloads
    with page.expect_download() as download:
        page.click("#reject-file")
    assert download.value.suggested_filename.startswith("rejects-")

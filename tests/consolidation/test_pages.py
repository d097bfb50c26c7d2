"""The import pages: who may, the upload, the report, the reject file."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onewindow.accounts.models import Role
from onewindow.consolidation import forms
from onewindow.consolidation.models import ImportBatch, StagedRecord
from tests.conftest import signed_in
from tests.consolidation.test_import import HEADER, si_rows

pytestmark = pytest.mark.django_db


def _csv(rows, encoding="gb18030") -> bytes:
    return ("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n").encode(encoding)


@pytest.fixture
def admin(make_user, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client = signed_in(make_user(Role.ADMINISTRATOR))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 302), (Role.OFFICER, 403), (Role.ANALYST, 403), (Role.SUPERVISOR, 403)],
)
def test_only_administrators_import(make_user, role, expected, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    client = Client() if role is None else signed_in(make_user(role))
    assert client.get("/staff/imports/").status_code == expected
    upload = SimpleUploadedFile("si.csv", _csv(si_rows(2)), content_type="text/csv")
    response = client.post("/staff/imports/", {"source": "social_insurance", "file": upload})
    assert response.status_code == expected
    assert not ImportBatch.objects.exists()


def test_upload_report_and_reject_file(admin):
    # given an extract with one row whose date cannot be read
    rows = si_rows(3)
    rows[1][3] = "1990/02/30"
    upload = SimpleUploadedFile("si.csv", _csv(rows), content_type="text/csv")
    # when an administrator uploads it
    response = admin.post("/staff/imports/", {"source": "social_insurance", "file": upload})
    # then the report shows the counts and the rejected row with its reason
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.file_name == "si.csv" and StagedRecord.objects.count() == 2
    page = admin.get(response["Location"]).content.decode()
    assert 'id="rows-accepted">2<' in page and 'id="rows-rejected">1<' in page
    assert "a date cannot be read or is impossible" in page
    # and the reject file has the row as the source gave it, with the reason
    text = admin.get(f"/staff/imports/{batch.uid}/rejects.csv").content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("row,code,reason,个人编号,姓名")
    assert lines[1].startswith("2,date,")
    assert "1990/02/30" in lines[1]
    # and the progress fragment (polled while an import runs) answers htmx
    fragment = admin.get(f"/staff/imports/{batch.uid}/", HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith('<div id="progress"')


def test_a_refused_file_says_why(admin):
    upload = SimpleUploadedFile("si.csv", b"a,b\n1,2\n", content_type="text/csv")
    response = admin.post("/staff/imports/", {"source": "social_insurance", "file": upload})
    page = admin.get(response["Location"]).content.decode()
    assert 'id="problem"' in page and "columns missing" in page
    assert not StagedRecord.objects.exists()


def test_an_oversized_upload_is_refused(admin, monkeypatch):
    monkeypatch.setattr(forms, "MAX_UPLOAD_MB", 0)
    upload = SimpleUploadedFile("si.csv", _csv(si_rows(2)), content_type="text/csv")
    response = admin.post("/staff/imports/", {"source": "social_insurance", "file": upload})
    assert response.status_code == 400
    assert "onewindow import" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_unknown_batch_is_404(admin):
    assert admin.get("/staff/imports/01a1fef9-244b-7bba-8401-358438bb2ed2/").status_code == 404


def test_an_xlsx_upload_is_read_as_xlsx(admin, tmp_path):
    # given the service stations' visitor list as an XLSX upload
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["登记号", "中文姓名", "性别", "出生日期", "所在区"])
    book.active.append(["ST1", "王芳", "女", "1988-05-20", "白云区"])
    book.save(tmp_path / "v.xlsx")
    upload = SimpleUploadedFile("visitors.xlsx", (tmp_path / "v.xlsx").read_bytes())
    # when it is uploaded, then it is imported as XLSX (the stored copy keeps its extension)
    response = admin.post("/staff/imports/", {"source": "service_stations", "file": upload})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert (batch.file_format, batch.rows_accepted) == ("xlsx", 1)

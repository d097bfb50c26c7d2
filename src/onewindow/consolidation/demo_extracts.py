"""Three agency extracts of the demo city, with the errors real extracts have, for an
administrator to import: the social-insurance bureau's (GB18030 CSV), the exit-entry office's
(UTF-8 CSV) and the service stations' (XLSX)."""

import datetime
import random
from pathlib import Path

from django.conf import settings
from openpyxl import Workbook

from onewindow.registry.models import DocumentType, IdentityDocument, Person

from .hanzi import SIMPLIFIED_TO_TRADITIONAL, traditional


def _wrong_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def _one_digit_off(born: datetime.date) -> datetime.date:
    """The birth date with the day's last digit off by one (16 → 17, 19 → 18)."""
    step = -1 if born.day % 10 == 9 or born.day >= 28 else 1
    return born + datetime.timedelta(days=step)


def write_demo_extracts(seed: int = 7, size: int = 200) -> Path:
    """Write the three files under var/demo-extracts/ and return the folder."""
    rng = random.Random(seed)
    folder = Path(settings.VAR_DIR) / "demo-extracts"
    folder.mkdir(parents=True, exist_ok=True)
    ids = dict(
        IdentityDocument.objects.filter(doc_type=DocumentType.RESIDENT_ID)
        .order_by("person_id")
        .values_list("person_id", "number")[: size * 4]
    )
    passports = dict(
        IdentityDocument.objects.filter(doc_type=DocumentType.PASSPORT)
        .order_by("person_id")
        .values_list("person_id", "number")[: size * 4]
    )
    citizens = list(
        Person.objects.filter(pk__in=list(ids))
        .select_related("current_district")
        .order_by("pk")[:size]
    )
    foreigners = list(
        Person.objects.filter(pk__in=list(passports))
        .select_related("current_district")
        .order_by("pk")[:size]
    )

    lines = ["个人编号,姓名,性别,出生日期,公民身份号码,户籍地,参保区"]
    for n, p in enumerate(citizens, start=1):
        number, born = ids[p.pk], p.birth_date.strftime("%Y/%m/%d")
        if n % 37 == 0:
            number = _wrong_digit(number)  # a typing error in the ID number
        if n % 41 == 0:
            born = f"{p.birth_date.year}/13/{p.birth_date.day:02d}"  # an impossible month
        name = "" if n % 53 == 0 else p.zh_name
        district = p.current_district.code if p.current_district else ""
        sex = {"M": "男", "F": "女"}.get(p.sex, "")
        lines.append(f"SI{p.pk:08d},{name},{sex},{born},{number},{p.hukou_place},{district}")
    (folder / "social_insurance.csv").write_bytes(("\n".join(lines) + "\n").encode("gb18030"))

    lines = [
        "record_no,surname,given_names,sex,date_of_birth,nationality,passport_no,district_code"
    ]
    for n, p in enumerate(foreigners, start=1):
        born = p.birth_date.strftime("%Y%m%d")
        passport = passports[p.pk]
        if n % 29 == 0:
            passport = "?" + passport  # a stray character from the scanner
        district = p.current_district.code if p.current_district else ""
        row = [f"EE{p.pk:08d}", p.latin_family_name.upper(), p.latin_given_name.upper(), p.sex]
        row += [born, p.nationality, passport, district]
        if n % 31 == 0:
            row = row[:5]  # a row cut short by the export
        lines.append(",".join(row))
    (folder / "exit_entry.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    book = Workbook()
    sheet = book.active
    sheet.append(
        ["登记号", "中文姓名", "外文姓", "外文名", "性别", "出生日期", "国籍", "证件号码", "所在区"]
    )
    districts = {
        "440103": "荔湾区", "440104": "越秀区", "440105": "海珠区", "440106": "天河区",
        "440111": "白云区", "440112": "黄埔区", "440113": "番禺区", "440114": "花都区",
        "440115": "南沙区", "440117": "从化区", "440118": "增城区",
    }  # fmt: skip
    people = rng.sample(citizens, min(len(citizens), size // 2))
    for n, p in enumerate(people, start=1):
        place = districts.get(p.current_district.code if p.current_district else "", "")
        if n % 23 == 0:
            place = "天河"  # not the name in the code list
        born = p.birth_date.strftime("%Y年%m月%d日" if n % 2 else "%Y.%m.%d")
        sex = {"M": "男", "F": "女"}.get(p.sex, "")
        sheet.append([f"ST{p.pk:08d}", p.zh_name, "", "", sex, born, "CN", ids[p.pk], place])
    # A few visitors written down by hand: the name in traditional characters, no ID number,
    # the birth date mistyped, no district. Linkage cannot be sure: an officer decides.
    doubtful = [p for p in citizens if any(c in SIMPLIFIED_TO_TRADITIONAL for c in p.zh_name)]
    for p in doubtful[:4]:
        written = traditional(p.zh_name)
        born = _one_digit_off(p.birth_date).strftime("%Y-%m-%d")
        sex = {"M": "男", "F": "女"}.get(p.sex, "")
        sheet.append([f"SX{p.pk:08d}", written, "", "", sex, born, "CN", "", ""])
    book.save(folder / "service_stations.xlsx")
    return folder

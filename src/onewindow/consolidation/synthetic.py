"""A synthetic multi-agency person data set with known truth, for testing linkage.

:func:`multi_agency_records` draws ``persons`` true people (about 80% Chinese citizens
with a Chinese name and an 18-digit resident ID, about 20% foreigners with a Latin
name, a nationality and a passport) and emits one to three staged records per person
from three agencies: ``social_insurance``, ``exit_entry`` and ``service_stations``.
Records carry realistic damage (see :data:`DAMAGE`); everything is deterministic
from the seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass

import polars as pl
from stdnum.cn.ric import calc_check_digit

from onewindow.consolidation.hanzi import traditional
from onewindow.consolidation.mappings import RECORD_FIELDS
from onewindow.consolidation.record_linkage import LATIN_VARIANTS
from onewindow.registry.names import pinyin_of

AGENCIES: tuple[str, ...] = ("social_insurance", "exit_entry", "service_stations")

COLUMNS: tuple[str, ...] = ("unique_id", "source", *RECORD_FIELDS)

# Probability of each kind of damage, per record (unless noted).
DAMAGE: dict[str, float] = {
    "foreigner": 0.20,  # per person
    "hard_negative": 0.05,  # per person: copies an earlier person's name and birth year
    "name_typo": 0.06,  # one character of the name substituted
    "transliteration_variant": 0.30,  # exit_entry Latin surname: Zhang -> Cheung ...
    "latin_only": 0.40,  # exit_entry record of a citizen without Chinese characters
    "swapped_order": 0.10,  # Latin name given first (exit_entry, foreigners' records)
    "missing_id": 0.30,  # service_stations records without ID number
    "traditional": 0.30,  # service_stations: traditional characters where known
    "moved": 0.25,  # another district and address than the person's first record
    "birth_date_transposed": 0.03,  # two adjacent digits of YYYYMMDD swapped
}

# Common surnames (pinyin comes from registry.names.pinyin_of).
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓"
    "曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
_GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华文建国志红玉兰东海燕波宁婷雪辉鹏飞晨琳浩宇欣怡佳"
    "俊斌凯亮龙云峰莉萍鑫晶颖慧倩琴梅林凤春丹博"
)
_FOREIGN_FAMILY = [
    "Smith",
    "Johnson",
    "Brown",
    "Miller",
    "Müller",
    "Schmidt",
    "Garcia",
    "Martinez",
    "Rossi",
    "Ivanov",
    "Petrov",
    "Kim",
    "Park",
    "Nguyen",
    "Tran",
    "Tanaka",
    "Suzuki",
    "Dubois",
    "Martin",
    "Silva",
    "Santos",
    "Kowalski",
    "Novak",
    "Jensen",
    "Khan",
    "Singh",
]
_FOREIGN_GIVEN_M = [
    "John",
    "Michael",
    "David",
    "Thomas",
    "Hans",
    "Carlos",
    "Marco",
    "Ivan",
    "Minho",
    "Anh",
    "Hiroshi",
    "Pierre",
]
_FOREIGN_GIVEN_F = [
    "Mary",
    "Anna",
    "Maria",
    "Laura",
    "Elena",
    "Olga",
    "Jisoo",
    "Linh",
    "Yuki",
    "Sophie",
    "Emma",
    "Ines",
]
# ISO 3166-1 alpha-2, as the registry and the agencies' extracts write them.
_NATIONALITIES = ("US", "GB", "DE", "ES", "IT", "RU", "KR", "VN", "JP", "FR", "BR")
# Ten of Guangzhou's eleven districts, by their division codes.
DISTRICTS: tuple[str, ...] = (
    "440103",
    "440104",
    "440105",
    "440106",
    "440111",
    "440112",
    "440113",
    "440114",
    "440115",
    "440118",
)
_STREETS = [
    "长安街",
    "建国路",
    "学院路",
    "中关村大街",
    "望京街",
    "复兴路",
    "南三环",
    "双井路",
    "光华路",
    "京顺路",
]
# Hukou places (division codes of prefecture-level cities) migrants to Guangzhou come from.
_HUKOU = ("110101", "130100", "370100", "410100", "420100", "510100", "440300", "320100")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_BIRTH_START = dt.date(1950, 1, 1)
_BIRTH_DAYS = (dt.date(2005, 12, 31) - _BIRTH_START).days


@dataclass
class _Person:
    pid: int
    citizen: bool
    zh_family: str
    zh_given: str
    latin_family: str
    latin_given: str
    sex: str
    birth: dt.date
    nationality: str
    resident_id: str
    passport: str
    hukou: str
    district: str
    address: str


def resident_id(birth: dt.date, sequence: int, sex: str) -> str:
    """An 18-digit resident ID for place 110101 with a valid check digit; ``sequence``
    (0-499) tells apart people of the same sex born on the same day."""
    seq = sequence % 500 * 2 + (1 if sex == "M" else 0)  # odd 17th digit = male
    body = f"110101{birth:%Y%m%d}{seq:03d}"
    return body + calc_check_digit(body + "0")  # stdnum drops the last character


def _address(rng: random.Random) -> str:
    return f"{rng.choice(_STREETS)}{rng.randint(1, 300)}号{rng.randint(1, 30)}单元"


def _person(
    pid: int, rng: random.Random, earlier: list[_Person], born: Counter[tuple[dt.date, str]]
) -> _Person:
    sex = rng.choice("MF")
    birth = _BIRTH_START + dt.timedelta(days=rng.randrange(_BIRTH_DAYS + 1))
    district = rng.choice(DISTRICTS)
    twin = earlier[rng.randrange(len(earlier))] if earlier else None
    hard = twin is not None and rng.random() < DAMAGE["hard_negative"]
    if hard and twin is not None:
        # a different person with the same name, sex, birth year and district
        sex, district = twin.sex, twin.district
        birth = birth.replace(year=twin.birth.year, day=min(birth.day, 28))
        citizen = twin.citizen
    else:
        citizen = rng.random() >= DAMAGE["foreigner"]
    if citizen:
        if hard and twin is not None:
            zh_family, zh_given = twin.zh_family, twin.zh_given
        else:
            zh_family = rng.choice(_SURNAMES)
            zh_given = "".join(rng.choice(_GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
        fam_py, giv_py = pinyin_of(zh_family + zh_given)
        born[birth, sex] += 1
        return _Person(
            pid, True, zh_family, zh_given, fam_py.capitalize(), giv_py.capitalize(), sex,
            birth, "CN", resident_id(birth, born[birth, sex], sex),
            f"E{rng.randrange(10**8):08d}" if rng.random() < 0.5 else "",
            rng.choice(_HUKOU), district, _address(rng),
        )  # fmt: skip
    if hard and twin is not None:
        family, given, nationality = twin.latin_family, twin.latin_given, twin.nationality
    else:
        family = rng.choice(_FOREIGN_FAMILY)
        given = rng.choice(_FOREIGN_GIVEN_M if sex == "M" else _FOREIGN_GIVEN_F)
        nationality = rng.choice(_NATIONALITIES)
    passport = "".join(rng.choice(_ALPHABET.upper()) for _ in range(2))
    passport += f"{rng.randrange(10**7):07d}"
    return _Person(
        pid, False, "", "", family, given, sex, birth, nationality, "", passport, "",
        district, _address(rng),
    )  # fmt: skip


def _typo(text: str, rng: random.Random, alphabet: str) -> str:
    if not text:
        return text
    i = rng.randrange(len(text))
    choices = [c for c in alphabet if c != text[i].lower()]
    new = rng.choice(choices)
    if text[i].isupper():
        new = new.upper()
    return text[:i] + new + text[i + 1 :]


def _transpose_date(birth: dt.date, rng: random.Random) -> dt.date:
    digits = f"{birth:%Y%m%d}"
    positions = list(range(len(digits) - 1))
    rng.shuffle(positions)
    for i in positions:
        if digits[i] == digits[i + 1]:
            continue
        swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
        try:
            return dt.datetime.strptime(swapped, "%Y%m%d").date()
        except ValueError:
            continue
    return birth


def _record(person: _Person, agency: str, rng: random.Random, first: bool) -> dict[str, str]:
    zh_family, zh_given = person.zh_family, person.zh_given
    latin_family, latin_given = person.latin_family, person.latin_given
    if rng.random() < DAMAGE["name_typo"]:
        if person.citizen:
            zh_given = _typo(zh_given, rng, _GIVEN_CHARS)
        else:
            latin_family = _typo(latin_family, rng, _ALPHABET)
    if agency == "service_stations" and person.citizen and rng.random() < DAMAGE["traditional"]:
        zh_family, zh_given = traditional(zh_family), traditional(zh_given)
    if person.citizen and zh_given != person.zh_given:
        latin_given = pinyin_of(zh_family + zh_given)[1].capitalize()
    variants = LATIN_VARIANTS.get(latin_family.lower())
    if agency == "exit_entry" and variants and rng.random() < DAMAGE["transliteration_variant"]:
        latin_family = rng.choice(variants).capitalize()
    latin_only = agency == "exit_entry" and rng.random() < DAMAGE["latin_only"]
    if (agency == "exit_entry" or not person.citizen) and rng.random() < DAMAGE["swapped_order"]:
        latin_family, latin_given = latin_given, latin_family
    birth = person.birth
    if rng.random() < DAMAGE["birth_date_transposed"]:
        birth = _transpose_date(birth, rng)
    district, address = person.district, person.address
    if not first and rng.random() < DAMAGE["moved"]:
        district = rng.choice([d for d in DISTRICTS if d != person.district])
        address = _address(rng)
    missing_id = agency == "service_stations" and rng.random() < DAMAGE["missing_id"]
    record = {
        "zh_name": "" if latin_only else zh_family + zh_given,
        "family_name": "" if latin_only else zh_family,
        "given_name": "" if latin_only else zh_given,
        "latin_family_name": "",
        "latin_given_name": "",
        "sex": person.sex,
        "birth_date": birth.isoformat(),
        "nationality": person.nationality,
        "resident_id": "" if missing_id else person.resident_id,
        "passport_number": "",
        "hukou_place": person.hukou if agency == "social_insurance" else "",
        "district": district,
        "address": address,
    }
    if not person.citizen:
        record.update(family_name=latin_family, given_name=latin_given)
        record.update(passport_number="" if missing_id else person.passport)
    if agency == "exit_entry":
        record.update(latin_family_name=latin_family, latin_given_name=latin_given)
        record.update(passport_number=person.passport)
    return record


def multi_agency_records(persons: int, seed: int) -> tuple[pl.DataFrame, dict[str, int]]:
    """``persons`` true people as 1-3 damaged records each from three agencies.

    Returns the records (a ``unique_id`` column, the agency in ``source`` and the
    staged-record columns; missing values are empty strings) in shuffled order, and
    the truth: ``unique_id`` -> true person id.
    """
    rng = random.Random(seed)
    people: list[_Person] = []
    born: Counter[tuple[dt.date, str]] = Counter()
    for pid in range(persons):
        people.append(_person(pid, rng, people, born))
    rows: list[dict[str, str]] = []
    truth: dict[str, int] = {}
    for person in people:
        count = rng.choices((1, 2, 3), weights=(0.3, 0.4, 0.3))[0]
        agencies = rng.sample(AGENCIES, count)
        for i, agency in enumerate(agencies):
            record = _record(person, agency, rng, first=i == 0)
            record["source"] = agency
            rows.append(record)
            truth[str(len(rows))] = person.pid
    order = list(range(len(rows)))
    rng.shuffle(order)
    out: list[dict[str, str]] = []
    new_truth: dict[str, int] = {}
    for n, i in enumerate(order):
        uid = f"r{n:06d}"
        row = rows[i]
        out.append({**row, "unique_id": uid, "source_record_id": f"{row['source'][:2]}-{n:06d}"})
        new_truth[uid] = truth[str(i + 1)]
    return pl.DataFrame(out, schema=dict.fromkeys(COLUMNS, pl.String)), new_truth


def stage(records: pl.DataFrame, label: str = "synthetic") -> dict[str, int]:
    """Write `records` (as from :func:`multi_agency_records`) as finished imports, one per
    agency, as if each agency's extract had been imported; returns unique_id → staged id.
    For tests and benchmarks: it skips the import's row checks, which the records pass."""
    import hashlib

    from django.db import transaction

    from onewindow.consolidation.models import BatchStatus, ImportBatch, StagedRecord
    from onewindow.consolidation.services import STAGED_COLUMNS
    from onewindow.core.bulk import bulk_insert

    ids: dict[str, int] = {}
    for source in AGENCIES:
        part = records.filter(pl.col("source") == source)
        if part.is_empty():
            continue
        digest = hashlib.sha256(f"{label}:{source}:{part.height}".encode()).hexdigest()
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                source=source,
                file_name=f"{label}-{source}.csv",
                sha256=digest,
                size=0,
                file_format="csv",
                status=BatchStatus.DONE,
                rows_done=part.height,
                rows_accepted=part.height,
            )
            rows = []
            for n, row in enumerate(part.iter_rows(named=True), start=1):
                values = {c: row.get(c) or "" for c in RECORD_FIELDS}
                values["birth_date"] = values["birth_date"] or None
                rows.append((batch.pk, source, n, *(values[c] for c in STAGED_COLUMNS[3:])))
            bulk_insert(StagedRecord, STAGED_COLUMNS, rows)
            staged = StagedRecord.objects.filter(batch=batch).values_list("row_number", "id")
            by_row = dict(staged)
            for n, row in enumerate(part.iter_rows(named=True), start=1):
                ids[row["unique_id"]] = by_row[n]
    return ids

"""The synthetic city: a reproducible, resumable migrant population for demos and benchmarks.

`generate_city(persons=8_000_000, seed=1)` writes Guangzhou-scale data (7.95 million migrants,
5.2 million of them employed, 1% foreign nationals) through the bulk path only: rows are
built with numpy, chunk by chunk, and written with `core.bulk.bulk_insert` (COPY on
PostgreSQL, executemany on SQLite), each chunk in its own transaction together with its audit
row and the run's progress. Memory is bounded by the chunk size, never by the population.

Reproducible: chunk `i` draws from `np.random.default_rng([seed, i])` only, and every id is
explicit (persons `id_base + index`; other tables a fixed block of ids per chunk), so the same
(persons, seed) gives the same rows — only `uid` and the timestamps differ — and an
interrupted run, re-run, writes exactly what an uninterrupted one would have written.
`chunk_rows(plan, i)` builds a chunk's rows without writing them (the benchmark uses it).

Sources and assumptions (plausible, not official statistics):

- Size and employment: the city's own figures (7.95 million migrants, 5.2 million working,
  2016), hence employment ≈ 65% of all persons (≈ 78% of those aged 18–59).
- Origins: about 40% from Guangdong outside Guangzhou, then Hunan, Guangxi, Jiangxi, Hubei,
  Henan, Sichuan, Chongqing, Guizhou… (`data/provinces.csv`), the pattern of the 2020 census
  for the Pearl River Delta. County codes come from python-stdnum's database of division
  codes, picked among those valid in the person's birth year, so every generated resident ID
  number passes `stdnum.cn.ric.validate` (an older person may carry an older code, as real
  cards do).
- Ages: a working-age migrant profile — about 11% children, 70% aged 18–45, 5% over 60.
- Families: about half of the adults aged 20–65 live with a spouse in the city; children are
  linked to a couple whose mother is 20–42 years older, and share its address.
- Names: surnames by frequency (`data/surnames_zh.csv`); given names of one or two characters
  from the characters of Faker's zh_CN given names, by sex. Foreigners (Korea, Japan, the
  United States, Nigeria, Russia, India, South-East Asia, Europe, the Arab world, the
  Americas…) get names of their own tradition and script from Faker's locale vocabularies
  (sampled with numpy, never a Faker call per row) and the small tables below, with the
  Latin spelling of their passport.
- Education: migrants mostly completed lower or upper secondary school; foreigners more often
  hold a bachelor's or master's degree.
- Social insurance: most employed persons have pension and medical insurance from the start
  of their job; fewer have unemployment and work-injury cover.
"""

import csv
import datetime
import functools
import math
import os
import re
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
from anyascii import anyascii
from django.db import connection, transaction
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from faker.providers.person import (
    de_DE,
    en_GB,
    en_IN,
    en_NG,
    en_NZ,
    en_PK,
    en_US,
    es_ES,
    es_MX,
    fr_CA,
    fr_FR,
    ha_NG,
    id_ID,
    ig_NG,
    it_IT,
    ja_JP,
    ko_KR,
    pt_BR,
    ru_RU,
    tr_TR,
    uk_UA,
    vi_VN,
    yo_NG,
    zh_CN,
)
from stdnum.cn import ric, uscc
from tqdm import tqdm

from onewindow.audit.services import audit_record
from onewindow.core.bulk import bulk_insert, reset_sequence
from onewindow.core.errors import DomainError
from onewindow.geo.models import Community, District

from .models import (
    Education,
    Employer,
    Employment,
    FamilyLink,
    GenerationRun,
    IdentityDocument,
    InsurancePeriod,
    NameKey,
    Person,
    ResidenceRegistration,
)
from .names import person_keys, pinyin_of, script_key, surnames
from .validators import make_td3

_DATA = Path(__file__).with_name("data")

# The synthetic city's "today": fixed, so that a seed gives the same ages and dates whenever
# it runs.
REFERENCE_DATE = datetime.date(2026, 6, 30)
_REF = np.datetime64(REFERENCE_DATE, "D")
_FIRST_YEAR = REFERENCE_DATE.year - 90
MAX_PERSONS = 10_000_000  # passport numbers and ID sequences are unique up to this size

# Resident ID numbers are made unique by construction: the (day of year, sequence) pairs are
# dealt out to the chunks, pair k to chunk k mod chunks, so two chunks never share a pair; the
# few clashes inside a chunk are redrawn.
_SEQ_SLOTS = 500  # sequence numbers per sex (odd for men, even for women)
_PAIRS = 365 * _SEQ_SLOTS

FOREIGN_SHARE_OF_ADULTS = 0.0113  # ≈ 1% of all persons
PERSONS_PER_EMPLOYER = 40

# Rows each table may hold per person of a chunk: a chunk owns a block of ids this large.
_ROWS_PER_PERSON: dict[type[Model], int] = {
    Employer: 1,
    Person: 1,
    IdentityDocument: 1,
    ResidenceRegistration: 2,
    NameKey: 16,
    Employment: 2,
    Education: 1,
    InsurancePeriod: 8,
    FamilyLink: 4,
}
_TABLES: tuple[type[Model], ...] = tuple(_ROWS_PER_PERSON)
_COUNT_NAMES = {
    Employer: "employers",
    Person: "persons",
    IdentityDocument: "documents",
    ResidenceRegistration: "residences",
    NameKey: "name_keys",
    Employment: "employments",
    Education: "educations",
    InsurancePeriod: "insurance_periods",
    FamilyLink: "family_links",
}


def _age_cdf() -> np.ndarray:
    """Ages 0–84 of the migrant population: few children and elderly, most aged 20–44."""
    bands = [
        (0, 5, 1.0),
        (6, 14, 0.8),
        (15, 17, 0.7),
        (18, 19, 1.5),
        (20, 24, 3.5),
        (25, 34, 4.2),
        (35, 44, 3.0),
        (45, 54, 1.6),
        (55, 59, 0.8),
        (60, 69, 0.45),
        (70, 84, 0.15),
    ]
    pmf = np.zeros(85)
    for lo, hi, weight in bands:
        pmf[lo : hi + 1] = weight
    return np.cumsum(pmf) / pmf.sum()


_AGE_CDF = _age_cdf()


def _cdf(weights: Sequence[float]) -> np.ndarray:
    cdf = np.cumsum(np.asarray(weights, dtype=float))
    return cdf / cdf[-1]


def _pick(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Indices drawn by the cumulative weights `cdf`, one per uniform number in `u`."""
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)


# --- dates -------------------------------------------------------------------------------


def _jan1(years: np.ndarray) -> np.ndarray:
    return (np.asarray(years) - 1970).astype("datetime64[Y]").astype("datetime64[D]")


def _add_years(dates: np.ndarray, years: Any) -> np.ndarray:
    """Same day and month `years` later (29 February becomes 1 March)."""
    year = dates.astype("datetime64[Y]")
    return (year + np.asarray(years)).astype("datetime64[D]") + (
        dates - year.astype("datetime64[D]")
    )


def _days(values: np.ndarray) -> np.ndarray:
    return np.asarray(values).astype("timedelta64[D]")


def _birth_dates(age: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Birth dates of persons aged `age` on the reference date, born on day `day` (0–364) of
    their birth year; returns the dates and the birth years."""
    y0 = REFERENCE_DATE.year - age
    anniversary = (
        (y0 - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (REFERENCE_DATE.month - 1)
    ).astype("datetime64[D]") + (REFERENCE_DATE.day - 1)
    late = (_jan1(y0) + _days(day)) > anniversary
    years = y0 - late
    return _jan1(years) + _days(day), years


# --- reference tables ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Counties:
    """County-level division codes by province and year, from python-stdnum's database."""

    codes: list[str]
    province_cdf: np.ndarray
    valid: np.ndarray  # county × year (from _FIRST_YEAR): valid for a birth in that year
    start: np.ndarray  # province × year → offset into `flat`
    length: np.ndarray  # province × year → number of candidates
    flat: np.ndarray

    def draw(self, province: np.ndarray, year: np.ndarray, u: np.ndarray) -> np.ndarray:
        """A county of `province` whose code was in use in `year`, current codes preferred."""
        yi = year - _FIRST_YEAR
        return self.flat[self.start[province, yi] + (u * self.length[province, yi]).astype(int)]


_PLACEHOLDERS = re.compile(r"^(市辖区|县|市区|郊区|矿区)$|直辖")
_COUNTY_LINE = re.compile(r'^\s+(\d{4}) county="([^"]*)"')


@functools.cache
def _counties() -> _Counties:
    """The county-level codes of the provinces in `data/provinces.csv` (Guangzhou's own
    excepted), read from the division-code file that `stdnum.cn.ric` validates against, with
    the years each code was in use."""
    with (_DATA / "provinces.csv").open(encoding="utf-8") as f:
        provinces = list(csv.DictReader(f))
    index = {p["code"]: i for i, p in enumerate(provinces)}
    years = REFERENCE_DATE.year - _FIRST_YEAR + 1
    text = resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    codes: list[str] = []
    valid_rows: list[np.ndarray] = []
    current: list[bool] = []
    province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line[0].isspace():
            province = line.split()[0]
            continue
        match = _COUNTY_LINE.match(line)
        if not match or province not in index:
            continue
        code = province + match.group(1)
        if code.endswith("00") or code.startswith("4401"):  # prefectures; Guangzhou itself
            continue
        # The first segment that covers a year names the county in it (as `ric` reads it).
        valid = np.zeros(years, dtype=bool)
        decided = np.zeros(years, dtype=bool)
        segments = match.group(2).split(",")
        for segment in segments:
            lo, hi, name = _FIRST_YEAR, REFERENCE_DATE.year, segment
            if segment.startswith("["):
                span, name = segment[1:].split("]", 1)
                start, end = span.split("-")
                lo, hi = int(start or lo), int(end or hi)
            sl = slice(max(lo, _FIRST_YEAR) - _FIRST_YEAR, max(hi - _FIRST_YEAR + 1, 0))
            valid[sl] |= ~decided[sl] & (not _PLACEHOLDERS.search(name))
            decided[sl] = True
        if valid.any():
            codes.append(code)
            valid_rows.append(valid)
            last = segments[-1]  # still in use: unbracketed, or an open-ended last segment
            current.append(not last.startswith("[") or last.split("]")[0].endswith("-"))
    valid_matrix = np.array(valid_rows)
    province_of = np.array([index[c[:2]] for c in codes])
    start = np.zeros((len(provinces), years), dtype=np.int64)
    length = np.zeros((len(provinces), years), dtype=np.int64)
    flat: list[int] = []
    now = np.array(current)
    for p, row in enumerate(provinces):
        # Chongqing's codes date from 1997 and Hainan's from 1988: before, their people were
        # registered in Sichuan and Guangdong (`formerly`).
        mine = province_of == p
        former = province_of == index.get(row["formerly"], -1)
        for y in range(years):
            for where in (mine & now, mine, former & now, former):
                ok = np.flatnonzero(where & valid_matrix[:, y])
                if len(ok):
                    break
            else:
                raise ValueError(f"no county code of province {row['code']} in {_FIRST_YEAR + y}")
            start[p, y], length[p, y] = len(flat), len(ok)
            flat.extend(ok.tolist())
    return _Counties(
        codes=codes,
        province_cdf=_cdf([float(p["weight"]) for p in provinces]),
        valid=valid_matrix,
        start=start,
        length=length,
        flat=np.array(flat),
    )


@dataclass(frozen=True)
class _ChineseNames:
    surnames: list[str]
    surname_pinyin: list[str]
    surname_cdf: np.ndarray
    # By sex (0 female, 1 male): the characters, then every two-character combination.
    given: tuple[list[str], list[str]]
    given_pinyin: tuple[list[str], list[str]]
    pool: tuple[int, int]


@functools.cache
def _chinese_names() -> _ChineseNames:
    """Surnames by frequency; given names from the characters of Faker's zh_CN given names.

    Pinyin is computed once per surname and per given name (never per person), with
    `pinyin_of`, exactly as `person_create` derives it.
    """
    table = list(surnames().values())
    if any(script_key(s.hanzi) != s.hanzi for s in table):
        raise ValueError("a surname changes under NFKC case folding")
    singles = {s.hanzi for s in table if len(s.hanzi) == 1}
    # A given name must not turn surname + given into a compound surname (夏 + 侯…).
    clash = {s.hanzi[1] for s in table if len(s.hanzi) == 2 and s.hanzi[0] in singles}
    given: list[list[str]] = []
    given_py: list[list[str]] = []
    pools: list[int] = []
    for names in (zh_CN.Provider.first_names_female, zh_CN.Provider.first_names_male):
        chars = sorted({c for name in names for c in name} - clash)
        vocab = chars + [a + b for a in chars for b in chars]
        pys = [pinyin_of("王" + v)[1] for v in vocab]
        for v, py in zip(vocab, pys, strict=True):
            if not re.fullmatch(r"[a-z]+", py) or script_key(v) != v:
                raise ValueError(f"given name {v!r} would not key as generated ({py!r})")
        given.append(vocab)
        given_py.append(pys)
        pools.append(len(chars))
    return _ChineseNames(
        surnames=[s.hanzi for s in table],
        surname_pinyin=[s.pinyin for s in table],
        surname_cdf=_cdf([s.weight for s in table]),
        given=(given[0], given[1]),
        given_pinyin=(given_py[0], given_py[1]),
        pool=(pools[0], pools[1]),
    )


# --- foreign names ------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """'محمد Mohamed|أحمد Ahmed' → pairs of (original script, Latin spelling)."""
    return tuple(tuple(item.rsplit(" ", 1)) for item in text.split("|"))  # type: ignore[misc]


# Korean surnames as their bearers usually spell them in passports.
_KOREAN_SURNAMES = dict(
    zip(
        _words(
            "김 이 박 정 최 조 강 윤 장 임 한 오 서 신 권 황 안 송 류 전 홍 고 문 양 손 배 백 허 "
            "유 남 심 노 하 곽 성 차 주 우 구 나 민 진 지 엄"
        ),
        _words(
            "Kim Lee Park Jung Choi Cho Kang Yoon Jang Lim Han Oh Seo Shin Kwon Hwang Ahn Song "
            "Ryu Jeon Hong Ko Moon Yang Son Bae Baek Heo Yoo Nam Shim Noh Ha Kwak Sung Cha Joo "
            "Woo Koo Na Min Jin Ji Eom"
        ),
        strict=True,
    )
)


_ARABIC_GIVEN_M = _pairs(
    "محمد Mohamed|أحمد Ahmed|علي Ali|عمر Omar|خالد Khaled|يوسف Youssef|حسن Hassan|حسين Hussein|"
    "إبراهيم Ibrahim|مصطفى Mostafa|محمود Mahmoud|عبد الله Abdullah|طارق Tarek|كريم Karim|"
    "سعيد Said|ياسر Yasser|سامي Sami|فيصل Faisal|ماجد Majed|نبيل Nabil|وليد Walid|هشام Hisham|"
    "عادل Adel|رامي Rami"
)
_ARABIC_GIVEN_F = _pairs(
    "فاطمة Fatima|مريم Mariam|عائشة Aisha|نور Nour|سارة Sara|ليلى Layla|هدى Huda|زينب Zainab|"
    "أمينة Amina|سلمى Salma|ياسمين Yasmin|رنا Rana|منى Mona|هند Hind|دينا Dina|ريم Reem|"
    "خديجة Khadija|نادية Nadia"
)
_ARABIC_FAMILY = _pairs(
    "العلي Al-Ali|الحسن Al-Hassan|عبد الرحمن Abdelrahman|المصري El-Masry|الشامي Al-Shami|"
    "القحطاني Al-Qahtani|العتيبي Al-Otaibi|الزهراني Al-Zahrani|الغامدي Al-Ghamdi|حداد Haddad|"
    "خوري Khoury|منصور Mansour|سليمان Suleiman|بنعلي Benali|العلوي El-Alaoui|التازي Tazi|"
    "الإدريسي El-Idrissi|عثمان Osman|السيد El-Sayed|عبد العزيز Abdelaziz|الحمدان Al-Hamdan|"
    "النجار Al-Najjar|الخطيب Al-Khatib|الأحمد Al-Ahmad"
)
_THAI_GIVEN_M = _pairs(
    "สมชาย Somchai|สมศักดิ์ Somsak|ประเสริฐ Prasert|วิชัย Wichai|สุรชัย Surachai|อนันต์ Anan|"
    "ธนากร Thanakorn|ณัฐพล Nattaphon|กิตติ Kitti|อภิชาติ Aphichat|ชัยวัฒน์ Chaiwat|"
    "ธีรพงษ์ Theerapong|พงศกร Pongsakorn|วีระ Weera"
)
_THAI_GIVEN_F = _pairs(
    "สมหญิง Somying|สุดารัตน์ Sudarat|มาลี Malee|วันเพ็ญ Wanphen|นภา Napha|ศิริพร Siriporn|"
    "กัญญา Kanya|อรุณี Arunee|พรทิพย์ Pornthip|ปราณี Pranee|จันทร์เพ็ญ Chanphen|รัตนา Rattana|"
    "สุภาพร Supaporn|นิภา Nipha"
)
_THAI_FAMILY = _pairs(
    "สุขสวัสดิ์ Suksawat|ศรีสุข Srisuk|วงศ์สวัสดิ์ Wongsawat|แสงทอง Saengthong|บุญมา Boonma|"
    "ทองดี Thongdee|รัตนพันธ์ Rattanaphan|ศรีสมบูรณ์ Srisomboon|อินทร์แก้ว Inkaew|"
    "จันทร์แก้ว Chankaew|สมบูรณ์ Somboon|ประเสริฐสุข Prasertsuk|เพชรรัตน์ Phetcharat|"
    "ชัยมงคล Chaimongkol|บุญเรือง Boonruang|ทองคำ Thongkham"
)
_KAZAKH_GIVEN_M = "Нурлан Ерлан Серик Асхат Даурен Бауыржан Айбек Арман Ержан Канат Марат Тимур"
_KAZAKH_GIVEN_F = "Айгерим Айжан Динара Гульнара Жанар Асель Мадина Сауле Камила Алия Жулдыз Гаухар"
_KAZAKH_FAMILY_M = (
    "Ахметов Нурланов Сейтказиев Абенов Жумабаев Касымов Омаров Сулейменов Искаков Бекмуханов "
    "Нуркенов Садыков"
)


@dataclass(frozen=True)
class _Pool:
    """Names of one kind, each an (original, Latin) pair, with optional frequency weights."""

    names: tuple[tuple[str, str], ...]
    cdf: np.ndarray | None = None

    def draw(self, rng: np.random.Generator) -> tuple[str, str]:
        if self.cdf is None:
            return self.names[int(rng.integers(len(self.names)))]
        return self.names[int(_pick(self.cdf, rng.random()))]


def _latin_pool(values: Any) -> _Pool:
    """A Faker vocabulary (tuple, list or weighted dict) of Latin-script names: the Latin
    spelling is the passport's ASCII (García → Garcia, Müller → Muller)."""
    names = list(values)
    cdf = _cdf([float(w) for w in values.values()]) if isinstance(values, dict) else None
    return _Pool(tuple((n, anyascii(n)) for n in names), cdf)


def _cyrillic_pool(values: Any) -> _Pool:
    return _Pool(tuple((n, anyascii(n)) for n in values))


@dataclass(frozen=True)
class _Tradition:
    """How people of one naming tradition are named: pools by sex (0 female, 1 male)."""

    given: tuple[_Pool, _Pool]
    family: tuple[_Pool, _Pool]
    family_parts: int = 1  # Spanish speakers carry two family names
    middle: _Pool | None = None  # Vietnamese middle names, written before the given name


def _latin_tradition(provider: Any, family_parts: int = 1) -> _Tradition:
    female = getattr(provider, "first_names_female", None) or provider.first_names
    male = getattr(provider, "first_names_male", None) or provider.first_names
    fam_f = getattr(provider, "last_names_female", None) or provider.last_names
    fam_m = getattr(provider, "last_names_male", None) or provider.last_names
    return _Tradition(
        given=(_latin_pool(female), _latin_pool(male)),
        family=(_latin_pool(fam_f), _latin_pool(fam_m)),
        family_parts=family_parts,
    )


@functools.cache
def _traditions() -> dict[str, _Tradition]:
    ko, ja, ru, uk = ko_KR.Provider, ja_JP.Provider, ru_RU.Provider, uk_UA.Provider
    korean_family = {h: w for h, w in ko.last_names.items() if h in _KOREAN_SURNAMES}
    korean = _Pool(
        tuple((h, _KOREAN_SURNAMES[h]) for h in korean_family),
        _cdf([float(w) for w in korean_family.values()]),
    )
    japanese = _Pool(
        tuple((k, r) for (k, _kana, r) in ja.last_name_pairs),
        _cdf([float(w) for w in ja.last_name_pairs.values()]),
    )
    kazakh_f = _cyrillic_pool(n + "а" for n in _words(_KAZAKH_FAMILY_M))
    vietnamese = _latin_tradition(vi_VN.Provider)
    return {
        "ko": _Tradition(
            given=tuple(  # type: ignore[arg-type]
                _Pool(tuple((h, anyascii(h).capitalize()) for h in names))
                for names in (ko.first_names_female, ko.first_names_male)
            ),
            family=(korean, korean),
        ),
        "ja": _Tradition(
            given=(
                _Pool(tuple((k, r) for (k, _kana, r) in ja.first_name_female_pairs)),
                _Pool(tuple((k, r) for (k, _kana, r) in ja.first_name_male_pairs)),
            ),
            family=(japanese, japanese),
        ),
        "ru": _Tradition(
            given=(_cyrillic_pool(ru.first_names_female), _cyrillic_pool(ru.first_names_male)),
            family=(_cyrillic_pool(ru.last_names_female), _cyrillic_pool(ru.last_names_male)),
        ),
        "uk": _Tradition(
            given=(_cyrillic_pool(uk.first_names_female), _cyrillic_pool(uk.first_names_male)),
            family=(_cyrillic_pool(uk.last_names_female), _cyrillic_pool(uk.last_names_male)),
        ),
        "kz": _Tradition(
            given=(
                _cyrillic_pool(_words(_KAZAKH_GIVEN_F)),
                _cyrillic_pool(_words(_KAZAKH_GIVEN_M)),
            ),
            family=(kazakh_f, _cyrillic_pool(_words(_KAZAKH_FAMILY_M))),
        ),
        "ar": _Tradition(
            given=(_Pool(_ARABIC_GIVEN_F), _Pool(_ARABIC_GIVEN_M)),
            family=(_Pool(_ARABIC_FAMILY), _Pool(_ARABIC_FAMILY)),
        ),
        "th": _Tradition(
            given=(_Pool(_THAI_GIVEN_F), _Pool(_THAI_GIVEN_M)),
            family=(_Pool(_THAI_FAMILY), _Pool(_THAI_FAMILY)),
        ),
        "vi": _Tradition(
            given=vietnamese.given,
            family=vietnamese.family,
            middle=_latin_pool(vi_VN.Provider.middle_names),
        ),
        "en_US": _latin_tradition(en_US.Provider),
        "en_GB": _latin_tradition(en_GB.Provider),
        "en_NZ": _latin_tradition(en_NZ.Provider),
        "fr_FR": _latin_tradition(fr_FR.Provider),
        "fr_CA": _latin_tradition(fr_CA.Provider),
        "de_DE": _latin_tradition(de_DE.Provider),
        "it_IT": _latin_tradition(it_IT.Provider),
        "es_ES": _latin_tradition(es_ES.Provider, family_parts=2),
        "es_MX": _latin_tradition(es_MX.Provider, family_parts=2),
        "pt_BR": _latin_tradition(pt_BR.Provider),
        "tr_TR": _latin_tradition(tr_TR.Provider),
        "en_IN": _latin_tradition(en_IN.Provider),
        "en_PK": _latin_tradition(en_PK.Provider),
        "id_ID": _latin_tradition(id_ID.Provider),
        "yo_NG": _latin_tradition(yo_NG.Provider),
        "ig_NG": _latin_tradition(ig_NG.Provider),
        "ha_NG": _latin_tradition(ha_NG.Provider),
        "en_NG": _latin_tradition(en_NG.Provider),
    }


@dataclass(frozen=True)
class _Country:
    alpha2: str
    alpha3: str
    weight: float
    traditions: tuple[str, ...]
    passport_prefix: str  # letters before the digits of a 9-character passport number


# Foreign residents of Guangzhou: many Koreans, Japanese, Americans, Africans (Nigerians
# foremost), Russians, South and South-East Asians, Europeans and Arabs.
_COUNTRIES = (
    _Country("KR", "KOR", 12, ("ko",), "M"),
    _Country("JP", "JPN", 7, ("ja",), "TK"),
    _Country("US", "USA", 7, ("en_US",), ""),
    _Country("NG", "NGA", 6, ("yo_NG", "ig_NG", "ha_NG", "en_NG"), "A"),
    _Country("RU", "RUS", 5, ("ru",), ""),
    _Country("IN", "IND", 4, ("en_IN",), "Z"),
    _Country("VN", "VNM", 4, ("vi",), "C"),
    _Country("TH", "THA", 3, ("th",), "AA"),
    _Country("MY", "MYS", 3, ("id_ID",), "A"),
    _Country("ID", "IDN", 3, ("id_ID",), "B"),
    _Country("PK", "PAK", 2, ("en_PK",), "AB"),
    _Country("GB", "GBR", 3, ("en_GB",), ""),
    _Country("FR", "FRA", 3, ("fr_FR",), "FR"),
    _Country("DE", "DEU", 3, ("de_DE",), "C"),
    _Country("IT", "ITA", 1, ("it_IT",), "YA"),
    _Country("ES", "ESP", 1, ("es_ES",), "PA"),
    _Country("CA", "CAN", 2, ("en_US", "fr_CA"), "AB"),
    _Country("AU", "AUS", 2, ("en_NZ",), "PA"),
    _Country("BR", "BRA", 2, ("pt_BR",), "FZ"),
    _Country("MX", "MEX", 1, ("es_MX",), "G"),
    _Country("EG", "EGY", 2, ("ar",), "A"),
    _Country("SA", "SAU", 1, ("ar",), "K"),
    _Country("MA", "MAR", 1, ("ar",), "X"),
    _Country("SY", "SYR", 1, ("ar",), "N"),
    _Country("UA", "UKR", 1, ("uk",), "FA"),
    _Country("KZ", "KAZ", 2, ("kz",), "N"),
    _Country("TR", "TUR", 1, ("tr_TR",), "U"),
)
_COUNTRY_CDF = _cdf([c.weight for c in _COUNTRIES])

# --- the rest of a person's record ---------------------------------------------------------

_LEVELS = _words(
    "primary lower_secondary upper_secondary vocational junior_college bachelor master doctorate"
)
_LEVEL_AGE = np.array([12, 15, 18, 18, 21, 22, 25, 29])  # usual age on completing it
_LEVEL_CDF_CN = _cdf([8, 40, 20, 12, 10, 8.5, 1.3, 0.2])
_LEVEL_CDF_FOREIGN = _cdf([0, 3, 10, 5, 5, 50, 22, 5])
_UNIVERSITIES = _words(
    "中山大学 华南理工大学 暨南大学 华南师范大学 广东工业大学 广州大学 湖南大学 中南大学 "
    "湘潭大学 广西大学 南昌大学 武汉大学 华中科技大学 郑州大学 四川大学 重庆大学 贵州大学 "
    "福州大学 安徽大学 海南大学"
)
_POSITIONS_CN = _words(
    "普工 操作工 销售员 快递员 外卖骑手 厨师 服务员 保安 保洁员 司机 仓库管理员 电工 焊工 "
    "装配工 文员 会计 护士 教师 软件工程师 设计师 技术员 店长 客服专员 美发师 建筑工人"
)
_POSITIONS_FOREIGN = _words("外籍教师 工程师 经理 贸易代表 设计师 顾问 厨师 研究员 医生 翻译")
_TRADE_CHARS = (
    "恒达盛鑫华美联创新源泰丰瑞宏宇航安顺和兴利通汇金龙凯博信德嘉诚优越腾飞海天星锦绣"
    "中正豪升福乐康佳隆晟昌富明翔卓远"
)
_INDUSTRIES = _words(
    "贸易 电子科技 信息技术 服装 皮具 物流 餐饮管理 建筑工程 物业管理 家具 化妆品 "
    "汽车配件 五金制品 食品 印刷 装饰工程 网络科技 医疗器械 人力资源 酒店管理 塑料制品 "
    "纺织 教育咨询 生物科技 房地产开发"
)
_COMPANY_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司")
_ROAD_SUFFIXES = ("路", "街", "大道", "一路", "二路", "横路", "大街")
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _permute(values: np.ndarray, modulus: int) -> np.ndarray:
    """A bijection of [0, modulus) that scatters consecutive indices (numbers look random
    but never repeat)."""
    return (values.astype(np.int64) * 7_368_787 + 1_234_567) % modulus


def _org_code(index: int) -> str:
    """A 9-character organisation code (GB 11714: 8 characters and a check character)."""
    value = (index * 7_368_787 + 1_234_567) % 31**6
    body = "MA"
    for power in range(5, -1, -1):
        body += _USCC_ALPHABET[value // 31**power % 31]
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


# --- the plan of a run --------------------------------------------------------------------


@dataclass(frozen=True)
class _Geo:
    district_ids: np.ndarray
    district_codes: list[str]
    district_cdf: np.ndarray
    community_ids: np.ndarray  # grouped by district
    community_start: np.ndarray  # per district
    community_count: np.ndarray
    community_prefix: list[str]  # 广州市天河区龙洞街道
    community_root: list[str]  # 龙洞东 (streets are named after it)


def _load_geo() -> _Geo:
    districts = list(District.objects.order_by("code").values("id", "code", "population_weight"))
    if not districts:
        raise DomainError(
            "no_districts", _("Load the reference geography before generating a population.")
        )
    rows = list(
        Community.objects.order_by("subdistrict__district__code", "code").values_list(
            "id",
            "name_zh",
            "subdistrict__name_zh",
            "subdistrict__district_id",
            "subdistrict__district__name_zh",
        )
    )
    by_district = Counter(r[3] for r in rows)
    if any(by_district[d["id"]] == 0 for d in districts):
        raise DomainError(
            "no_communities", _("Every district needs communities to generate residents.")
        )
    counts = np.array([by_district[d["id"]] for d in districts])
    return _Geo(
        district_ids=np.array([d["id"] for d in districts], dtype=np.int64),
        district_codes=[d["code"] for d in districts],
        district_cdf=_cdf([d["population_weight"] for d in districts]),
        community_ids=np.array([r[0] for r in rows], dtype=np.int64),
        community_start=np.concatenate([[0], np.cumsum(counts)[:-1]]),
        community_count=counts,
        community_prefix=[f"广州市{r[4]}{r[2]}" for r in rows],
        community_root=[r[1].removesuffix("社区") for r in rows],
    )


@dataclass(frozen=True)
class CityPlan:
    """Everything a chunk's rows depend on: the run's parameters, id bases and geography."""

    persons: int
    seed: int
    chunk_size: int
    id_bases: dict[str, int]  # model label → first id
    vendor: str
    geo: _Geo

    @property
    def chunks(self) -> int:
        return math.ceil(self.persons / self.chunk_size)

    def chunk_persons(self, chunk: int) -> int:
        return min(self.chunk_size, self.persons - chunk * self.chunk_size)

    def employer_block(self) -> int:
        return math.ceil(self.chunk_size / PERSONS_PER_EMPLOYER)

    def block(self, model: type[Model]) -> int:
        """How many ids of `model` each chunk owns."""
        if model is Employer:
            return self.employer_block()
        return _ROWS_PER_PERSON[model] * self.chunk_size

    def ids(self, model: type[Model], chunk: int, count: int) -> np.ndarray:
        if count > self.block(model):
            raise ValueError(f"chunk {chunk} has more {model.__name__} rows than its id block")
        first = self.id_bases[model._meta.label_lower] + chunk * self.block(model)
        return np.arange(first, first + count, dtype=np.int64)


def _check_size(persons: int, chunk_size: int) -> None:
    if not 1 <= persons <= MAX_PERSONS:
        raise DomainError(
            "generate_size", _("Generate between 1 and %(max)s persons."), max=MAX_PERSONS
        )
    if chunk_size < 1 or math.ceil(persons / chunk_size) > _PAIRS:
        raise DomainError("generate_chunk", _("The chunk size is too small."))


def city_plan(
    *, persons: int, seed: int, chunk_size: int, id_bases: dict[str, int] | None = None
) -> CityPlan:
    """The plan of a run (on the database of the default connection). Without `id_bases`,
    every table's ids start at 1, as in an empty database."""
    _check_size(persons, chunk_size)
    return CityPlan(
        persons=persons,
        seed=seed,
        chunk_size=chunk_size,
        id_bases=id_bases or {m._meta.label_lower: 1 for m in _TABLES},
        vendor=connection.vendor,
        geo=_load_geo(),
    )


# --- one chunk ----------------------------------------------------------------------------


class _Values:
    """Database-ready values for the connection's vendor (what the ORM would send)."""

    def __init__(self, vendor: str) -> None:
        self.postgres = vendor == "postgresql"
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())

    def dates(self, values: np.ndarray) -> list[Any]:
        """ISO dates as SQLite stores them; `date` objects for PostgreSQL; NULL for NaT."""
        if self.postgres:
            return values.tolist()
        out = np.datetime_as_string(values, unit="D").tolist()
        if np.isnat(values).any():
            out = [None if v == "NaT" else v for v in out]
        return out

    def uids(self, count: int) -> list[Any]:
        """`count` UUIDv7 values (as `core.ids.uuid7` makes them: milliseconds, version,
        random bits, variant), built in one batch: 32 hex digits as Django stores them in
        SQLite, `uuid.UUID` objects for PostgreSQL."""
        ms = time.time_ns() // 1_000_000
        raw = np.frombuffer(os.urandom(16 * count), dtype=np.uint8).reshape(count, 16).copy()
        raw[:, :6] = np.frombuffer(ms.to_bytes(6, "big"), dtype=np.uint8)
        raw[:, 6] = (raw[:, 6] & 0x0F) | 0x70
        raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
        text = raw.tobytes().hex()
        hexes = [text[i : i + 32] for i in range(0, 32 * count, 32)]
        return [uuid.UUID(hex=h) for h in hexes] if self.postgres else hexes


_Table = tuple[list[str], list[tuple[Any, ...]]]
_NAT = np.datetime64("NaT", "D")
_BACHELOR = 5  # index of "bachelor" in _LEVELS


def _table(columns: dict[str, Any]) -> _Table:
    """Column name → values (a list, or `repeat(value)`) into (columns, row tuples)."""
    return list(columns), list(zip(*columns.values(), strict=False))


@dataclass
class ChunkRows:
    """The rows of one chunk, table by table in insertion order: (columns, row tuples)."""

    chunk: int
    first_id: int
    last_id: int
    tables: dict[type[Model], _Table]

    @property
    def persons(self) -> int:
        return len(self.tables[Person][1])


def chunk_rows(plan: CityPlan, chunk: int) -> ChunkRows:
    """Build (without writing) the rows of chunk `chunk` of `plan`.

    Deterministic for a given plan and chunk except `uid` and the timestamps.
    """
    n = plan.chunk_persons(chunk)
    if n <= 0:
        raise ValueError(f"the run has no chunk {chunk}")
    rng = np.random.default_rng([plan.seed, chunk])
    values = _Values(plan.vendor)
    builder = _ChunkBuilder(plan, chunk, n, rng, values)
    return builder.build()


class _ChunkBuilder:
    """Draws one chunk's population with numpy and turns it into rows.

    The order of the draws is part of the output: changing it changes every seed's data.
    """

    def __init__(
        self, plan: CityPlan, chunk: int, n: int, rng: np.random.Generator, values: _Values
    ) -> None:
        self.plan, self.chunk, self.n, self.rng, self.values = plan, chunk, n, rng, values
        self.first = chunk * plan.chunk_size  # global index of the chunk's first person
        self.person_ids = plan.ids(Person, chunk, n)

    def build(self) -> ChunkRows:
        self._demography()
        self._families()
        self._birth_dates_and_places()
        self._homes()
        self._chinese_names()
        self._foreigners()
        tables = {
            Employer: self._employers(),
            Person: self._persons(),
            IdentityDocument: self._documents(),
            ResidenceRegistration: self._residences(),
            NameKey: self._name_keys(),
        }
        tables[Employment], tables[InsurancePeriod] = self._work()
        tables[Education] = self._educations()
        tables[FamilyLink] = self._family_links()
        ordered = {m: tables[m] for m in _TABLES}  # parents before the rows that refer to them
        return ChunkRows(self.chunk, int(self.person_ids[0]), int(self.person_ids[-1]), ordered)

    # -- who lives here

    def _demography(self) -> None:
        rng, n = self.rng, self.n
        self.age = _pick(_AGE_CDF, rng.random(n)).astype(np.int64)
        self.adult = self.age >= 18
        self.foreign = self.adult & (rng.random(n) < FOREIGN_SHARE_OF_ADULTS)
        self.male = rng.random(n) < np.where(self.foreign, 0.62, 0.52)

    def _families(self) -> None:
        """Pair adults into couples of similar age; give children a couple as parents."""
        rng, age, cn = self.rng, self.age, ~self.foreign
        men = np.flatnonzero(
            cn & self.male & (age >= 22) & (age <= 65) & (rng.random(self.n) < 0.5)
        )
        women = np.flatnonzero(
            cn & ~self.male & (age >= 20) & (age <= 63) & (rng.random(self.n) < 0.55)
        )
        m = min(len(men), len(women))
        men = rng.choice(men, m, replace=False) if m else men[:0]
        women = rng.choice(women, m, replace=False) if m else women[:0]
        self.husband = men[np.argsort(age[men] + rng.normal(0, 2.0, m), kind="stable")]
        self.wife = women[np.argsort(age[women] + 2 + rng.normal(0, 2.0, m), kind="stable")]
        kids = np.flatnonzero(age < 18)
        order = np.argsort(age[self.wife], kind="stable")
        mothers = age[self.wife][order]
        lo = np.searchsorted(mothers, age[kids] + 20, side="left")
        hi = np.searchsorted(mothers, age[kids] + 42, side="right")
        pick = lo + (rng.random(len(kids)) * np.maximum(hi - lo, 0)).astype(np.int64)
        couple = order[np.minimum(pick, max(len(order) - 1, 0))] if len(order) else pick
        linked = (hi > lo) & (len(order) > 0)
        if len(order):
            linked &= age[self.husband[couple]] >= age[kids] + 20
        self.child = kids[linked]
        self.child_couple = couple[linked]
        # the household head whose home, origin and surname a person shares (-1: none)
        self.head = np.full(self.n, -1, dtype=np.int64)
        self.head[self.wife] = self.husband
        self.head[self.child] = self.husband[self.child_couple]

    def _birth_dates_and_places(self) -> None:
        """Birth dates, hukou places and resident ID numbers, unique by construction."""
        rng, n, counties = self.rng, self.n, _counties()
        cn = np.flatnonzero(~self.foreign)
        province = _pick(counties.province_cdf, rng.random(n))
        share = self.head >= 0
        share[self.wife] &= rng.random(len(self.wife)) < 0.5
        province[share] = province[self.head[share]]
        chunks = self.plan.chunks
        slots = (_PAIRS - 1 - self.chunk) // chunks + 1  # pairs k ≡ chunk (mod chunks)
        pair = self.chunk + rng.integers(0, slots, n) * chunks
        day = np.where(self.foreign, rng.integers(0, 365, n), pair // _SEQ_SLOTS)
        self.birth, self.birth_year = _birth_dates(self.age, day)
        county = counties.draw(province, self.birth_year, rng.random(n))
        # family members share the head's county when it was in use in their birth year
        inherit = (
            share & counties.valid[county[np.maximum(self.head, 0)], self.birth_year - _FIRST_YEAR]
        )
        county[inherit] = county[self.head[inherit]]
        # a (county, birth date, sequence) used twice in this chunk: draw again
        todo = cn
        while True:
            key = (
                (county[todo] * 40_000 + (self.birth[todo] - _REF).astype(np.int64) + 35_000)
                * _SEQ_SLOTS
                + pair[todo] % _SEQ_SLOTS
            ) * 2 + self.male[todo]
            _, first = np.unique(key, return_index=True)
            again = np.setdiff1d(np.arange(len(todo)), first)
            if not len(again):
                break
            redo = todo[again]
            pair[redo] = self.chunk + rng.integers(0, slots, len(redo)) * chunks
            self.birth[redo], self.birth_year[redo] = _birth_dates(
                self.age[redo], pair[redo] // _SEQ_SLOTS
            )
            county[redo] = counties.draw(
                province[redo], self.birth_year[redo], rng.random(len(redo))
            )
        self.county = county
        self.seq = (pair % _SEQ_SLOTS) * 2 + self.male

    def _homes(self) -> None:
        """District, community, address and the dates of the residence registrations."""
        rng, n, geo = self.rng, self.n, self.plan.geo
        d = _pick(geo.district_cdf, rng.random(n))
        community = geo.community_start[d] + (rng.random(n) * geo.community_count[d]).astype(int)
        number = rng.integers(1, 300, n)
        room = rng.integers(1, 33, n) * 100 + rng.integers(1, 9, n)
        suffix = rng.integers(0, len(_ROAD_SUFFIXES), n)
        share = self.head >= 0
        for arr in (d, community, number, room, suffix):
            arr[share] = arr[self.head[share]]  # heads are never members: one pass suffices
        self.district, self.community = d, community
        self.address = self._addresses(community, suffix, number, room)
        # in the city since: adults a few years (exponential), never before 16 (18 abroad)
        adult_from = _add_years(self.birth, np.where(self.foreign, 18, 16))
        earliest = np.where(self.adult, adult_from, self.birth)
        stay = rng.exponential(np.where(self.foreign, 3 * 365.0, 4.5 * 365.0), n).astype(np.int64)
        since = np.maximum(_REF - _days(stay + 1), earliest)
        since[share] = since[self.head[share]]  # a family moves in together (or at birth)
        self.since = np.minimum(np.maximum(since, earliest), _REF)
        self.adult_from = adult_from
        # a fifth of the adults lived in another district before
        before = self.since - _days(rng.integers(180, 2000, n))
        moved = self.adult & (rng.random(n) < 0.2) & (before >= adult_from)
        self.prev = np.flatnonzero(moved)
        k = len(self.prev)
        other = (d[self.prev] + 1 + rng.integers(0, len(geo.district_ids) - 1, k)) % len(
            geo.district_ids
        )
        self.prev_district = other
        self.prev_community = geo.community_start[other] + (
            rng.random(k) * geo.community_count[other]
        ).astype(int)
        self.prev_from = before[self.prev]
        self.prev_address = self._addresses(
            self.prev_community,
            rng.integers(0, len(_ROAD_SUFFIXES), k),
            rng.integers(1, 300, k),
            rng.integers(1, 33, k) * 100 + rng.integers(1, 9, k),
        )

    def _addresses(
        self, community: np.ndarray, suffix: np.ndarray, number: np.ndarray, room: np.ndarray
    ) -> list[str]:
        geo = self.plan.geo
        prefix, root = geo.community_prefix, geo.community_root
        return [
            f"{prefix[c]}{root[c]}{_ROAD_SUFFIXES[s]}{num}号{r}房"
            for c, s, num, r in zip(
                community.tolist(), suffix.tolist(), number.tolist(), room.tolist(), strict=True
            )
        ]

    # -- names

    def _chinese_names(self) -> None:
        rng, n, names = self.rng, self.n, _chinese_names()
        surname = _pick(names.surname_cdf, rng.random(n))
        from_mother = rng.random(len(self.child)) < 0.07
        parent = np.where(
            from_mother, self.wife[self.child_couple], self.husband[self.child_couple]
        )
        surname[self.child] = surname[parent] if len(parent) else surname[self.child]
        sex = self.male.astype(np.int64)
        pool = np.array(names.pool)[sex]
        single = rng.random(n) < 0.25
        a, b = rng.random(n), rng.random(n)
        first = (a * pool).astype(np.int64)
        given = np.where(single, first, pool + first * pool + (b * pool).astype(np.int64))
        self.surname, self.given = surname, given
        sn, spy = names.surnames, names.surname_pinyin
        gv, gpy = names.given, names.given_pinyin
        s_list, g_list, x_list = surname.tolist(), given.tolist(), sex.tolist()
        self.family_name = [sn[s] for s in s_list]
        self.given_name = [gv[x][g] for g, x in zip(g_list, x_list, strict=True)]
        self.fam_py = [spy[s] for s in s_list]
        self.giv_py = [gpy[x][g] for g, x in zip(g_list, x_list, strict=True)]
        self.zh_name = [f + g for f, g in zip(self.family_name, self.given_name, strict=True)]
        self.pinyin = [f"{f} {g}" for f, g in zip(self.fam_py, self.giv_py, strict=True)]
        self.latin_family = [f.title() for f in self.fam_py]
        self.latin_given = [g.title() for g in self.giv_py]

    def _foreigners(self) -> None:
        """Names in their own script, a passport with its MRZ, sometimes a Chinese name."""
        rng, traditions = self.rng, _traditions()
        self.passports: dict[int, tuple[str, str, str, Any, Any]] = {}
        self.nationality = ["CN"] * self.n
        foreign = np.flatnonzero(self.foreign)
        issued = _REF - _days(rng.integers(30, 3300, len(foreign)))
        expires = _add_years(issued, 10) - _days(1)
        for k, i in enumerate(foreign.tolist()):
            country = _COUNTRIES[int(_pick(_COUNTRY_CDF, rng.random()))]
            tradition = traditions[country.traditions[int(rng.integers(len(country.traditions)))]]
            sex = int(self.male[i])
            family, latin_family = tradition.family[sex].draw(rng)
            for _part in range(tradition.family_parts - 1):
                more, more_latin = tradition.family[sex].draw(rng)
                family, latin_family = f"{family} {more}", f"{latin_family} {more_latin}"
            given, latin_given = tradition.given[sex].draw(rng)
            if tradition.middle is not None:
                middle, middle_latin = tradition.middle.draw(rng)
                given, latin_given = f"{middle} {given}", f"{middle_latin} {latin_given}"
            zh_name, pinyin = "", ""
            if rng.random() < 0.3:
                if country.alpha2 == "JP":
                    zh_name = family + given
                else:
                    zh_name = self.family_name[i] + self.given_name[i]
                fam_py, giv_py = pinyin_of(zh_name)
                pinyin = f"{fam_py} {giv_py}".strip()
            self.family_name[i], self.given_name[i] = family, given
            self.latin_family[i], self.latin_given[i] = latin_family, latin_given
            self.zh_name[i], self.pinyin[i] = zh_name, pinyin
            self.nationality[i] = country.alpha2
            number = self._passport_number(country.passport_prefix, self.first + i)
            mrz = make_td3(
                issuing_state=country.alpha3,
                family_name=latin_family,
                given_name=latin_given,
                number=number,
                nationality=country.alpha3,
                birth_date=self.birth[i].item(),
                sex="M" if sex else "F",
                expiry_date=expires[k].item(),
            )
            self.passports[i] = (number, country.alpha3, "\n".join(mrz), issued[k], expires[k])

    @staticmethod
    def _passport_number(prefix: str, index: int) -> str:
        digits = 9 - len(prefix)
        value = int(_permute(np.array([index]), 10**digits)[0])
        return f"{prefix}{value:0{digits}d}"

    # -- rows

    def _base(self, model: type[Model], count: int) -> dict[str, Any]:
        """The id, uid and timestamps of `count` new rows of `model`."""
        uids, now = self.values.uids(count), self.values.now
        return {
            "id": self.plan.ids(model, self.chunk, count).tolist(),
            "uid": uids,
            "created_at": repeat(now, count),
            "updated_at": repeat(now, count),
        }

    def _employers(self) -> _Table:
        rng, geo = self.rng, self.plan.geo
        count = math.ceil(self.n / PERSONS_PER_EMPLOYER)
        d = _pick(geo.district_cdf, rng.random(count))
        trade = rng.integers(0, len(_TRADE_CHARS), (count, 2)).tolist()
        industry = rng.integers(0, len(_INDUSTRIES), count).tolist()
        form = rng.integers(0, len(_COMPANY_FORMS), count).tolist()
        city = (rng.random(count) < 0.6).tolist()
        names = [
            f"广州{'市' if c else ''}{_TRADE_CHARS[t[0]]}{_TRADE_CHARS[t[1]]}"
            f"{_INDUSTRIES[i]}{_COMPANY_FORMS[f]}"
            for c, t, i, f in zip(city, trade, industry, form, strict=True)
        ]
        first = self.chunk * self.plan.employer_block()
        codes = []
        for j, k in enumerate(d.tolist()):
            body = "91" + geo.district_codes[k] + _org_code(first + j)
            codes.append(body + uscc.calc_check_digit(body))
        return _table(
            {
                **self._base(Employer, count),
                "name": names,
                "uscc": codes,
                "district_id": geo.district_ids[d].tolist(),
            }
        )

    def _persons(self) -> _Table:
        n, counties = self.n, _counties()
        place = [
            "" if foreign else counties.codes[c]
            for c, foreign in zip(self.county.tolist(), self.foreign.tolist(), strict=True)
        ]
        return _table(
            {
                **self._base(Person, n),
                "family_name": self.family_name,
                "given_name": self.given_name,
                "latin_family_name": self.latin_family,
                "latin_given_name": self.latin_given,
                "zh_name": self.zh_name,
                "pinyin": self.pinyin,
                "sex": ["M" if m else "F" for m in self.male.tolist()],
                "birth_date": self.values.dates(self.birth),
                "nationality": self.nationality,
                "hukou_province": [p[:2] for p in place],
                "hukou_place": place,
                "status": repeat("active", n),
                "current_district_id": self.plan.geo.district_ids[self.district].tolist(),
                "version": repeat(1, n),
            }
        )

    def _documents(self) -> _Table:
        """A resident ID card for every citizen, a passport for every foreigner."""
        n, counties, rng, age = self.n, _counties(), self.rng, self.age
        numbers: list[str] = []
        dates = np.char.replace(np.datetime_as_string(self.birth, unit="D"), "-", "").tolist()
        for i, (c, date, seq) in enumerate(
            zip(self.county.tolist(), dates, self.seq.tolist(), strict=True)
        ):
            if i in self.passports:
                numbers.append(self.passports[i][0])
            else:
                body = f"{counties.codes[c]}{date}{seq:03d}"
                numbers.append(body + ric.calc_check_digit(body + "0"))
        # cards: valid 10 years under 26, 20 years to 45, then for life; none under 16
        years = np.where(age < 26, 10, 20)
        issued = np.maximum(
            _REF - _days((rng.random(n) * years * 365).astype(np.int64)),
            _add_years(self.birth, np.where(age >= 46, 46, 16)),
        )
        expires = np.where(age >= 46, _NAT, _add_years(issued, years) - _days(1))
        issued = np.where(age >= 16, issued, _NAT)
        expires = np.where(age >= 16, expires, _NAT)
        doc_type, country, mrz = ["resident_id"] * n, ["CHN"] * n, [""] * n
        for i, (_number, alpha3, text, issue, expiry) in self.passports.items():
            doc_type[i], country[i], mrz[i] = "passport", alpha3, text
            issued[i], expires[i] = issue, expiry
        return _table(
            {
                **self._base(IdentityDocument, n),
                "doc_type": doc_type,
                "number": numbers,
                "issuing_country": country,
                "issue_date": self.values.dates(issued),
                "expiry_date": self.values.dates(expires),
                "mrz": mrz,
                "person_id": self.person_ids.tolist(),
            }
        )

    def _residences(self) -> _Table:
        """Everyone's open registration, then the closed one before it for those who moved."""
        geo, n, prev = self.plan.geo, self.n, self.prev
        return _table(
            {
                **self._base(ResidenceRegistration, n + len(prev)),
                "person_id": np.concatenate([self.person_ids, self.person_ids[prev]]).tolist(),
                "address": self.address + self.prev_address,
                "district_id": geo.district_ids[
                    np.concatenate([self.district, self.prev_district])
                ].tolist(),
                "community_id": geo.community_ids[
                    np.concatenate([self.community, self.prev_community])
                ].tolist(),
                "valid_from": self.values.dates(np.concatenate([self.since, self.prev_from])),
                "valid_to": self.values.dates(
                    np.concatenate([np.full(n, _NAT), self.since[prev] - _days(1)])
                ),
            }
        )

    def _name_keys(self) -> _Table:
        """The keys `person_keys` gives each person, under their current district.

        A citizen's keys are built from parts computed once per surname and given name — the
        characters, and the pinyin in both orders — which is exactly what `person_keys`
        returns for them (the tests check it); foreigners' come from `person_keys` itself.
        """
        district = self.plan.geo.district_ids[self.district].tolist()
        foreign = self.foreign.tolist()
        person, key, dist = [], [], []
        for i, (pid, d, zh, fp, gp) in enumerate(
            zip(
                self.person_ids.tolist(),
                district,
                self.zh_name,
                self.fam_py,
                self.giv_py,
                strict=True,
            )
        ):
            if foreign[i]:
                keys = person_keys(
                    family_name=self.family_name[i],
                    given_name=self.given_name[i],
                    latin_family_name=self.latin_family[i],
                    latin_given_name=self.latin_given[i],
                    zh_name=zh,
                )
            else:
                keys = {zh, fp + gp, gp + fp}
            for k in sorted(keys):
                person.append(pid)
                key.append(k)
                dist.append(d)
        return _table(
            {
                "id": self.plan.ids(NameKey, self.chunk, len(key)).tolist(),
                "person_id": person,
                "key": key,
                "district_id": dist,
            }
        )

    def _work(self) -> tuple[_Table, _Table]:
        """Jobs at the employers of this and earlier chunks, and their social insurance."""
        rng, n, age, plan = self.rng, self.n, self.age, self.plan
        p_job = np.where(self.foreign, 0.7, np.where(age < 60, 0.78, 0.3))
        employed = np.flatnonzero(self.adult & (age < 65) & (rng.random(n) < p_job))
        k = len(employed)
        # the employer: half from this chunk's pool, half from an earlier one; big firms
        # (low indexes) hire more
        block = plan.employer_block()
        pools = np.array(
            [math.ceil(plan.chunk_persons(c) / PERSONS_PER_EMPLOYER) for c in range(self.chunk + 1)]
        )
        own = rng.random(k) < 0.5
        chunk_of = np.where(own, self.chunk, rng.integers(0, self.chunk + 1, k))
        offset = chunk_of * block + (pools[chunk_of] * rng.random(k) ** 3).astype(np.int64)
        span = np.minimum(
            (_REF - self.since[employed]).astype(np.int64) + 365,
            (_REF - self.adult_from[employed]).astype(np.int64),
        )
        start = _REF - _days((rng.random(k) * np.maximum(span, 0)).astype(np.int64))
        # a quarter had an earlier job, at a nearby employer, that ended shortly before
        prev_end = start - _days(rng.integers(1, 90, k))
        prev_start = prev_end - _days(rng.integers(90, 1500, k))
        had = (rng.random(k) < 0.25) & (prev_start >= self.adult_from[employed])
        prev_offset = (offset + 1 + rng.integers(0, 5, k)) % (block * (self.chunk + 1))
        exists = prev_offset % block < pools[prev_offset // block]
        prev_offset = np.where(exists, prev_offset, offset)
        foreign = self.foreign[employed]
        titles = np.where(
            foreign,
            rng.integers(0, len(_POSITIONS_FOREIGN), k),
            rng.integers(0, len(_POSITIONS_CN), k),
        ).tolist()
        position = [
            (_POSITIONS_FOREIGN if f else _POSITIONS_CN)[t]
            for f, t in zip(foreign.tolist(), titles, strict=True)
        ]
        h = np.flatnonzero(had)
        persons = self.person_ids[employed]
        employer_base = plan.id_bases[Employer._meta.label_lower]
        jobs = _table(
            {
                **self._base(Employment, k + len(h)),
                "person_id": np.concatenate([persons, persons[h]]).tolist(),
                "employer_id": (employer_base + np.concatenate([offset, prev_offset[h]])).tolist(),
                "position": position + [position[j] for j in h.tolist()],
                "start_date": self.values.dates(np.concatenate([start, prev_start[h]])),
                "end_date": self.values.dates(np.concatenate([np.full(k, _NAT), prev_end[h]])),
            }
        )
        # insurance: open periods from the current job's start, closed ones for the last job
        open_end = np.full(k, _NAT)
        covers = [
            ("pension", rng.random(k) < 0.75, start, open_end),
            ("medical", rng.random(k) < 0.85, start, open_end),
            ("unemployment", rng.random(k) < 0.45, start, open_end),
            ("work_injury", rng.random(k) < 0.6, start, open_end),
            ("maternity", ~self.male[employed] & (rng.random(k) < 0.35), start, open_end),
            ("pension", had & (rng.random(k) < 0.6), prev_start, prev_end),
            ("medical", had & (rng.random(k) < 0.7), prev_start, prev_end),
        ]
        kinds: list[str] = []
        who, begins, ends = [], [], []
        for kind, mask, begin, end in covers:
            sel = np.flatnonzero(mask)
            kinds.extend([kind] * len(sel))
            who.append(persons[sel])
            begins.append(begin[sel])
            ends.append(end[sel])
        insurance = _table(
            {
                **self._base(InsurancePeriod, len(kinds)),
                "person_id": np.concatenate(who).tolist(),
                "insurance_type": kinds,
                "start_date": self.values.dates(np.concatenate(begins)),
                "end_date": self.values.dates(np.concatenate(ends)),
            }
        )
        return jobs, insurance

    def _educations(self) -> _Table:
        """The highest level completed, one row per adult."""
        rng = self.rng
        adults = np.flatnonzero(self.adult)
        k = len(adults)
        foreign = self.foreign[adults]
        u = rng.random(k)
        level = np.where(foreign, _pick(_LEVEL_CDF_FOREIGN, u), _pick(_LEVEL_CDF_CN, u))
        level = np.where(_LEVEL_AGE[level] <= self.age[adults], level, 2)  # too young for it
        year = np.minimum(
            self.birth_year[adults] + _LEVEL_AGE[level] + rng.integers(0, 3, k),
            REFERENCE_DATE.year,
        )
        abroad = (foreign & (rng.random(k) < 0.75)).tolist()
        university = rng.integers(0, len(_UNIVERSITIES), k).tolist()
        levels = level.tolist()
        return _table(
            {
                **self._base(Education, k),
                "person_id": self.person_ids[adults].tolist(),
                "level": [_LEVELS[lv] for lv in levels],
                "institution": [
                    _UNIVERSITIES[u] if lv >= _BACHELOR and not a else ""
                    for lv, a, u in zip(levels, abroad, university, strict=True)
                ],
                "country": [
                    self.nationality[i] if a else "CN"
                    for i, a in zip(adults.tolist(), abroad, strict=True)
                ],
                "completed_year": year.tolist(),
            }
        )

    def _family_links(self) -> _Table:
        """Both directions of every link: spouses, and parent → child ("child") and back."""
        ids = self.person_ids
        h, w, c = ids[self.husband], ids[self.wife], ids[self.child]
        father, mother = ids[self.husband[self.child_couple]], ids[self.wife[self.child_couple]]
        person = np.concatenate([h, w, father, c, mother, c])
        relation = ["spouse"] * (2 * len(h)) + (["child"] * len(c) + ["parent"] * len(c)) * 2
        return _table(
            {
                **self._base(FamilyLink, len(person)),
                "person_id": person.tolist(),
                "relative_id": np.concatenate([w, h, c, father, c, mother]).tolist(),
                "relation": relation,
            }
        )


# --- the run ------------------------------------------------------------------------------


def _run_for(*, persons: int, seed: int, chunk_size: int) -> GenerationRun:
    """The run of (persons, seed): the one to resume, or a new one.

    A database holds one generated population: resident ID numbers are unique within a run
    by construction, not across runs, so another (persons, seed) is refused.
    """
    with transaction.atomic():
        run = GenerationRun.objects.select_for_update().filter(persons=persons, seed=seed).first()
        if run is not None:
            return run
        other = GenerationRun.objects.first()
        if other is not None:
            raise DomainError(
                "generation_exists",
                _(
                    "This database already holds a generated population (%(persons)s persons, "
                    "seed %(seed)s). Generate into an empty database."
                ),
                persons=other.persons,
                seed=other.seed,
            )
        id_bases = {
            m._meta.label_lower: (m.objects.aggregate(top=Max("id"))["top"] or 0) + 1
            for m in _TABLES
        }
        return GenerationRun.objects.create(
            seed=seed,
            persons=persons,
            chunk_size=chunk_size,
            id_base=id_bases[Person._meta.label_lower],
            id_bases=id_bases,
            started_at=timezone.now(),
        )


def write_chunk(plan: CityPlan, run: GenerationRun, chunk: int) -> dict[str, int]:
    """Build and write one chunk in one transaction: its rows, its audit row and the run's
    progress. Returns the rows written per table."""
    rows = chunk_rows(plan, chunk)
    counts: dict[str, int] = {}
    with transaction.atomic():
        for model, (columns, data) in rows.tables.items():
            counts[_COUNT_NAMES[model]] = bulk_insert(model, columns, data)
            reset_sequence(model)
        audit_record(
            actor=None,
            action="bulk_create",
            object_type="person",
            why="generate",
            details={
                "chunk": chunk,
                "persons": rows.persons,
                "first_id": rows.first_id,
                "last_id": rows.last_id,
            },
        )
        last = chunk == plan.chunks - 1
        advanced = GenerationRun.objects.filter(pk=run.pk, chunks_done=chunk).update(
            chunks_done=chunk + 1, finished_at=timezone.now() if last else None
        )
        if advanced != 1:
            raise DomainError(
                "generation_concurrent", _("Another process is generating this population.")
            )
    return counts


def generate_city(
    *, persons: int, seed: int, progress: bool = True, chunk_size: int = 20000
) -> dict[str, int]:
    """Generate (or finish generating) the synthetic city of `persons` persons from `seed`.

    Resumable: a run that was interrupted continues after its last committed chunk, with the
    chunk size it started with; a finished run is not repeated (nothing is written). Returns
    the number of rows written per table by this call, and the chunks written.
    """
    _check_size(persons, chunk_size)
    run = _run_for(persons=persons, seed=seed, chunk_size=chunk_size)
    counts: Counter[str] = Counter(dict.fromkeys(_COUNT_NAMES.values(), 0))
    counts["chunks"] = 0
    if run.finished_at is not None:
        return dict(counts)
    plan = city_plan(persons=persons, seed=seed, chunk_size=run.chunk_size, id_bases=run.id_bases)
    done = min(run.chunks_done * run.chunk_size, persons)
    with tqdm(
        total=persons,
        initial=done,
        unit="persons",
        unit_scale=True,
        desc="generate",
        disable=not progress,
        smoothing=0.1,
    ) as bar:
        for chunk in range(run.chunks_done, plan.chunks):
            written = write_chunk(plan, run, chunk)
            counts.update(written)
            counts["chunks"] += 1
            bar.update(written["persons"])
    return dict(counts)


# ISO 3166-1 alpha-2 → alpha-3 of the countries the generator knows (passports' issuing state).
ALPHA3: dict[str, str] = {c.alpha2: c.alpha3 for c in _COUNTRIES}

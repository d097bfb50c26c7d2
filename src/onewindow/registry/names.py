"""Name normalisation: the keys under which a person is found, and the keys of a query.

A person is stored under several keys (see `person_keys`), a query is turned into a few keys
(see `query_keys`), and a person matches when a query key equals (or, for the prefix key,
begins) one of theirs. This makes 张伟 = "zhang wei" = "Wei Zhang" = "zhangwei" = "zhāng-wěi",
and "José  García" = "garcia jose".
"""

import csv
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from anyascii import anyascii
from pypinyin import lazy_pinyin

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_APOSTROPHES = re.compile(r"['\u2019\u02bc`]")
_SEPARATORS = re.compile(r"[\s\u00b7\u30fb\u2022.\-_,]+")
_DATA = Path(__file__).with_name("data")


_FAMILY_FIRST = re.compile(
    r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\uac00-\ud7af\u3400-\u4dbf\u4e00-\u9fff]"
)


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def written_family_first(text: str) -> bool:
    """Chinese, Japanese and Korean names are written family name first, without a space."""
    return bool(_FAMILY_FIRST.match(text))


def latin_tokens(text: str) -> list[str]:
    """Lower-case ASCII tokens: diacritics, tone marks and tone numbers dropped, any script
    transliterated (ЖУКОВ → zhukov), apostrophes joined (O'Brien → obrien)."""
    ascii_text = anyascii(unicodedata.normalize("NFKC", _APOSTROPHES.sub("", text))).lower()
    ascii_text = re.sub(r"[0-9]", "", ascii_text)
    return [t for t in _NOT_ALNUM.split(ascii_text) if t]


def is_latin(text: str) -> bool:
    """True for names in Latin letters, with or without diacritics (José, Müller, Łukasz)."""
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )
    return all(c.isascii() or c in "ıłŁøØßæÆœŒđĐ" for c in stripped)


def script_key(text: str) -> str:
    """A name in its own script, case-folded, separators removed (Иван Петров → иванпетров)."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True)
class Surname:
    hanzi: str
    pinyin: str
    weight: float


@functools.cache
def surnames() -> dict[str, Surname]:
    """Chinese surnames with their reading as a surname (单 is Shan, 曾 is Zeng) and weight."""
    with (_DATA / "surnames_zh.csv").open(encoding="utf-8") as f:
        return {
            r["hanzi"]: Surname(r["hanzi"], r["pinyin"], float(r["weight"]))
            for r in csv.DictReader(f)
        }


def split_chinese_name(name: str) -> tuple[str, str]:
    """Split a Chinese name into surname and given name (compound surnames such as 欧阳 kept)."""
    name = _SEPARATORS.sub("", name)
    if len(name) > 2 and name[:2] in surnames():
        return name[:2], name[2:]
    return name[:1], name[1:]


def _pinyin(text: str) -> str:
    """Toneless pinyin; a character pypinyin does not know is transliterated by anyascii."""
    return "".join(lazy_pinyin(text, errors=lambda chars: anyascii(chars).lower()))


@functools.lru_cache(maxsize=262_144)
def pinyin_of(name: str) -> tuple[str, str]:
    """Toneless pinyin of a Chinese name as (surname, given), e.g. 单雄信 → ("shan", "xiongxin").

    Cached: linkage and bulk writes ask for the same common names again and again.

    A transliterated foreign name is written given·family (伊万·彼得罗夫 → ("bideluofu", "yiwan")).
    """
    if "\u00b7" in name or "\u30fb" in name:
        parts = [p for p in re.split(r"[\u00b7\u30fb]", name) if p]
        return _pinyin(parts[-1]), "".join(_pinyin(p) for p in parts[:-1])
    family, given = split_chinese_name(name)
    known = surnames().get(family)
    fam_py = known.pinyin if known else _pinyin(family)
    return fam_py, _pinyin(given)


def pinyin_and_latin(
    zh_name: str, nationality: str, latin: tuple[str, str]
) -> tuple[str, tuple[str, str]]:
    """A person's pinyin ("zhang wei") and Latin (family, given) names: a citizen without
    Latin names is written in pinyin, e.g. 张伟 → ("zhang wei", ("Zhang", "Wei"))."""
    if not zh_name:
        return "", latin
    family, given = pinyin_of(zh_name)
    if nationality == "CN" and not latin[0]:
        latin = (family.title(), given.title())
    return f"{family} {given}".strip(), latin


def _order_keys(family: list[str], given: list[str]) -> set[str]:
    tokens = family + given
    if not tokens:
        return set()
    return {"".join(family + given), "".join(given + family), "".join(sorted(tokens))}


def person_keys(
    *,
    family_name: str = "",
    given_name: str = "",
    latin_family_name: str = "",
    latin_given_name: str = "",
    zh_name: str = "",
) -> set[str]:
    """Every key a person is found under."""
    keys: set[str] = set()
    zh_name = unicodedata.normalize("NFKC", zh_name).strip()
    if zh_name:
        keys.add(script_key(zh_name))
        if has_cjk(zh_name):
            fam_py, giv_py = pinyin_of(zh_name)
            keys |= _order_keys(latin_tokens(fam_py), latin_tokens(giv_py))
    keys |= _order_keys(latin_tokens(latin_family_name), latin_tokens(latin_given_name))
    if family_name or given_name:
        original = f"{family_name}{given_name}"
        if has_cjk(original):
            keys.add(script_key(original))
        else:
            keys |= _order_keys(latin_tokens(family_name), latin_tokens(given_name))
            if not is_latin(original):
                fam, giv = script_key(family_name), script_key(given_name)
                keys |= {k for k in (fam + giv, giv + fam) if k}
    return {k[:120] for k in keys if k}


@dataclass(frozen=True)
class QueryKeys:
    exact: frozenset[str]
    prefix: str  # the key searched by prefix, "" when too short


def query_keys(query: str, *, min_prefix: int = 2) -> QueryKeys:
    """The keys of a search query: exact keys, and one key to search by prefix."""
    query = query.strip()
    if has_cjk(query):
        key = script_key(query)
        return QueryKeys(frozenset({key}), key)
    tokens = latin_tokens(query)
    exact = {"".join(tokens), "".join(sorted(tokens))} if tokens else set()
    own = script_key(query)
    if own and not is_latin(own):
        exact.add(own)
    joined = "".join(tokens)
    return QueryKeys(frozenset(k for k in exact if k), joined if len(joined) >= min_prefix else "")


def normalize_document_number(text: str) -> str:
    """Upper case, spaces and hyphens removed: how document numbers are stored and searched."""
    return re.sub(r"[\s\-]+", "", text).upper()


def looks_like_document_number(text: str) -> bool:
    """A query with a digit and only letters and digits is searched as a document number."""
    compact = normalize_document_number(text)
    return bool(re.fullmatch(r"[0-9A-Z]{5,20}", compact)) and any(c.isdigit() for c in compact)


def iter_unique(items: Iterable[int]) -> list[int]:
    """Keep the first occurrence of each item, in order."""
    seen: set[int] = set()
    return [i for i in items if not (i in seen or seen.add(i))]

"""Name keys: a person is found by any usual spelling, order or script of their name."""

import string
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onewindow.registry.names import (
    has_cjk,
    latin_tokens,
    looks_like_document_number,
    person_keys,
    pinyin_of,
    query_keys,
    split_chinese_name,
)


def finds(query: str, keys: set[str]) -> bool:
    """Whether a search for `query` hits a person stored under `keys` by an exact key."""
    return bool(query_keys(query).exact & keys)


@pytest.mark.parametrize(
    "query",
    [
        "张伟",
        "zhang wei",
        "Wei Zhang",
        "zhangwei",
        "zhāng wěi",
        "Zhang-Wei",
        "zhang3 wei3",
        "ZHANG WEI",
    ],
)
def test_a_chinese_name_is_found_by_characters_and_by_any_pinyin_spelling(query: str) -> None:
    # given 张伟 / when searched by characters, pinyin with or without tones, in either order
    # then the query hits one of his keys
    assert finds(query, person_keys(zh_name="张伟"))


@pytest.mark.parametrize("query", ["José  García", "garcia jose", "GARCIA, JOSE", "Garcia José"])
def test_a_latin_name_is_found_ignoring_case_diacritics_and_order(query: str) -> None:
    keys = person_keys(
        family_name="García", given_name="José", latin_family_name="GARCIA", latin_given_name="JOSE"
    )
    assert finds(query, keys)


@pytest.mark.parametrize("query", ["Иван Петров", "Петров Иван", "ivan petrov", "PETROV, Ivan"])
def test_a_cyrillic_name_is_found_in_its_own_script_and_in_latin(query: str) -> None:
    keys = person_keys(
        family_name="Петров", given_name="Иван", latin_family_name="Petrov", latin_given_name="Ivan"
    )
    assert finds(query, keys)


@pytest.mark.parametrize("query", ["zhang wen", "李伟", "wei", "garcia"])
def test_a_different_name_is_not_found(query: str) -> None:
    assert not finds(query, person_keys(zh_name="张伟"))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("单雄信", ("shan", "xiongxin")),  # 单 is Shan as a surname, not Dan
        ("曾国藩", ("zeng", "guofan")),  # 曾 is Zeng as a surname, not Ceng
        ("欧阳修", ("ouyang", "xiu")),  # compound surname
        ("张伟", ("zhang", "wei")),
        ("伊万·彼得罗夫", ("bideluofu", "yiwan")),  # a transliterated name: given·family
    ],
)
def test_pinyin_of_reads_surnames_as_surnames(name: str, expected: tuple[str, str]) -> None:
    assert pinyin_of(name) == expected


def test_compound_surname_is_kept_whole() -> None:
    assert split_chinese_name("欧阳修") == ("欧阳", "修")
    assert split_chinese_name("司马 相如") == ("司马", "相如")


def test_a_polyphonic_surname_is_found_by_its_surname_reading() -> None:
    keys = person_keys(zh_name="单雄信")
    assert finds("shan xiongxin", keys)
    assert finds("Xiongxin Shan", keys)
    assert not finds("dan xiongxin", keys)


# Names in Latin letters, sometimes with diacritics.
LATIN_LETTERS = string.ascii_lowercase + "áéíóúñüçàèâêîôûäöß"
latin_words = st.text(LATIN_LETTERS, min_size=1, max_size=12)
latin_names = st.lists(latin_words, min_size=1, max_size=3).map(" ".join)


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@given(family=latin_names, given_name=latin_names)
def test_a_latin_name_is_found_in_any_order_case_and_accenting(
    family: str, given_name: str
) -> None:
    # given a person with Latin names (diacritics possibly) in their own script and in Latin
    keys = person_keys(
        family_name=family,
        given_name=given_name,
        latin_family_name=strip_diacritics(family).upper(),
        latin_given_name=strip_diacritics(given_name).upper(),
    )
    # when searched given-first, family-first, upper-cased, without diacritics, with a comma
    queries = [
        f"{given_name} {family}",
        f"{family} {given_name}",
        f"{given_name} {family}".upper(),
        strip_diacritics(f"{given_name} {family}"),
        strip_diacritics(f"{family}, {given_name}").upper(),
    ]
    # then every query hits
    for query in queries:
        assert finds(query, keys), query


@given(family=latin_names, given_name=latin_names)
def test_a_latin_name_in_the_original_fields_alone_is_found(family: str, given_name: str) -> None:
    keys = person_keys(family_name=family, given_name=given_name)
    assert finds(f"{given_name} {family}", keys)
    assert finds(strip_diacritics(f"{family} {given_name}").upper(), keys)


# Common Chinese characters (the unified block), one or two for the surname, one or two given.
hanzi = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


@given(name=st.text(hanzi, min_size=2, max_size=4))
def test_a_chinese_name_is_found_by_its_characters_and_its_pinyin(name: str) -> None:
    keys = person_keys(zh_name=name)
    family, given_name = pinyin_of(name)
    assert finds(name, keys)
    assert finds(f"{family} {given_name}", keys)
    assert finds(f"{given_name} {family}", keys)


def test_a_chinese_name_with_a_compatibility_ideograph_is_found_by_itself() -> None:
    # given a name typed with a CJK compatibility ideograph (U+F900, NFKC-equal to U+8C48)
    name = "\uf900明"
    # when the very same text is searched / then the person is found
    assert finds(name, person_keys(zh_name=name))


@given(text=st.text())
def test_query_keys_never_fail_and_never_yield_empty_keys(text: str) -> None:
    keys = query_keys(text)
    assert "" not in keys.exact
    # a prefix is at least two letters, or one Chinese character (a surname: 张 finds 张伟)
    assert keys.prefix == "" or len(keys.prefix) >= 2 or has_cjk(keys.prefix)


@given(text=st.text())
def test_person_keys_never_yield_empty_or_overlong_keys(text: str) -> None:
    keys = person_keys(family_name=text, given_name=text[::-1], zh_name=text)
    assert all(0 < len(k) <= 120 for k in keys)


@given(text=st.text())
def test_latin_tokens_are_lower_case_ascii_letters(text: str) -> None:
    for token in latin_tokens(text):
        assert token
        assert all(c in string.ascii_lowercase or c in string.digits for c in token)


def test_latin_tokens_transliterate_and_join_apostrophes() -> None:
    assert latin_tokens("ЖУКОВ") == ["zhukov"]
    assert latin_tokens("O'Brien, Seán") == ["obrien", "sean"]
    assert latin_tokens("zhāng3 wěi3") == ["zhang", "wei"]


@pytest.mark.parametrize("text", ["110101198001010014", "E12345678", "e1234-5678", "G 1234 5678"])
def test_document_numbers_are_recognised(text: str) -> None:
    assert looks_like_document_number(text)


@pytest.mark.parametrize("text", ["zhang wei", "张伟", "ABCDEFG", "123", ""])
def test_names_and_short_numbers_are_not_document_numbers(text: str) -> None:
    assert not looks_like_document_number(text)

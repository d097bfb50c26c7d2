"""Splink settings for OneWindow's staged person records (multi-agency, mixed scripts).

Reuses the core in :mod:`onewindow.consolidation.linkage`::

    frame = prepare_frame(derive(records), id_column="unique_id")
    linker = make_linker([frame], onewindow_settings())
    train_onewindow(linker)
    groups = clusters(linker, threshold=0.9)

:func:`derive` adds the comparison columns (name keys in toneless pinyin, a
transliteration-folded Latin key, birth year and ``YYYYMMDD`` text); the settings
block and compare on them.
"""

from __future__ import annotations

import unicodedata

import polars as pl
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

from onewindow.consolidation.hanzi import simplify
from onewindow.consolidation.linkage import DEFAULT_SEED, LinkType, settings_for, train
from onewindow.registry.names import has_cjk, latin_tokens, pinyin_of

# Romanisations of a surname used in Hong Kong, Macao, Taiwan and older passports,
# keyed by the pinyin. :func:`fold_latin` maps each variant to its (first) pinyin.
LATIN_VARIANTS: dict[str, tuple[str, ...]] = {
    "zhang": ("chang", "cheung"),
    "chen": ("chan", "chin"),
    "wang": ("wong",),
    "li": ("lee",),
    "huang": ("wong", "hwang"),
    "zhou": ("chow", "chou"),
    "liu": ("lau", "lew"),
    "zhao": ("chiu", "chao"),
    "wu": ("ng", "woo"),
    "lin": ("lam",),
    "guo": ("kwok",),
    "he": ("ho",),
    "xu": ("hsu", "tsui"),
    "zheng": ("cheng",),
    "xie": ("tse",),
    "deng": ("tang",),
    "cai": ("tsai", "choi"),
    "su": ("soo",),
    "ye": ("yip",),
    "jiang": ("chiang",),
}
_FOLD: dict[str, str] = {}
for _pinyin, _variants in LATIN_VARIANTS.items():
    for _variant in _variants:
        _FOLD.setdefault(_variant, _pinyin)

MATCH_THRESHOLD = 0.9

DERIVED_COLUMNS: tuple[str, ...] = (
    "zh_simplified",
    "name_key",
    "name_key_swapped",
    "latin_key",
    "latin_key_swapped",
    "birth_year",
    "birth_ymd",
)


def fold_latin(token: str) -> str:
    """A transliteration variant of a Chinese surname as its pinyin (cheung -> zhang)."""
    return _FOLD.get(token, token)


def _text(value: object) -> str:
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else ""


def _keys(row: dict[str, object]) -> dict[str, str | None]:
    zh = _text(row.get("zh_name"))
    if not has_cjk(zh):
        zh = _text(row.get("family_name")) + _text(row.get("given_name"))
    zh = simplify(zh) if has_cjk(zh) else ""
    if zh:
        fam_py, giv_py = pinyin_of(zh)
        family, given = "".join(latin_tokens(fam_py)), "".join(latin_tokens(giv_py))
    else:
        fam_raw = _text(row.get("latin_family_name")) or _text(row.get("family_name"))
        giv_raw = _text(row.get("latin_given_name")) or _text(row.get("given_name"))
        family, given = "".join(latin_tokens(fam_raw)), "".join(latin_tokens(giv_raw))
    birth = _text(row.get("birth_date")).replace("-", "")
    fam_fold, giv_fold = fold_latin(family), fold_latin(given)
    return {
        "zh_simplified": zh or None,
        "name_key": (family + given) or None,
        "name_key_swapped": (given + family) or None,
        "latin_key": (fam_fold + giv_fold) or None,
        "latin_key_swapped": (giv_fold + fam_fold) or None,
        "birth_year": birth[:4] if len(birth) == 8 else None,
        "birth_ymd": birth if len(birth) == 8 else None,
    }


def derive(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (staged records) plus the comparison columns of :data:`DERIVED_COLUMNS`.

    ``name_key`` is the toneless pinyin of the Chinese name (traditional characters
    simplified first), family then given; for a Latin-only name the lower-case ASCII
    family + given. ``name_key_swapped`` is given + family. ``latin_key`` is
    ``name_key`` with Hong Kong / Taiwan surname romanisations folded to pinyin.
    ``birth_ymd`` is the birth date as ``YYYYMMDD`` text.
    """
    keys = [_keys(row) for row in frame.iter_rows(named=True)]
    derived = pl.DataFrame(keys, schema=dict.fromkeys(DERIVED_COLUMNS, pl.String))
    return pl.concat([frame.drop(DERIVED_COLUMNS, strict=False), derived], how="horizontal")


def name_comparison() -> cl.CustomComparison:
    """Name levels: same characters; same pinyin; same after folding romanisations;
    family and given name swapped; Jaro-Winkler on the pinyin key."""
    return cl.CustomComparison(
        output_column_name="name",
        comparison_description="name: characters, pinyin, romanisation, order, similarity",
        comparison_levels=[
            cll.NullLevel("name_key"),
            cll.ExactMatchLevel("zh_simplified"),
            cll.ExactMatchLevel("name_key"),
            cll.ExactMatchLevel("latin_key"),
            cll.CustomLevel(
                '"name_key_l" = "name_key_swapped_r" OR "latin_key_l" = "latin_key_swapped_r"',
                label_for_charts="family and given name swapped",
                base_dialect_str="duckdb",  # Splink translates it for other backends
            ),
            cll.JaroWinklerLevel("name_key", 0.92),
            cll.JaroWinklerLevel("name_key", 0.8),
            cll.ElseLevel(),
        ],
    )


def birth_date_comparison() -> cl.CustomComparison:
    """Birth date as ``YYYYMMDD`` text: exact; two adjacent digits transposed
    (Damerau-Levenshtein 1 but Levenshtein 2); one digit wrong; two edits; else."""
    dl = 'damerau_levenshtein("birth_ymd_l", "birth_ymd_r")'
    return cl.CustomComparison(
        output_column_name="birth_ymd",
        comparison_description="birth date: exact, transposition, edits",
        comparison_levels=[
            cll.NullLevel("birth_ymd"),
            cll.ExactMatchLevel("birth_ymd"),
            cll.CustomLevel(
                f'{dl} = 1 AND levenshtein("birth_ymd_l", "birth_ymd_r") = 2',
                label_for_charts="two adjacent digits transposed",
                base_dialect_str="duckdb",
            ),
            cll.DamerauLevenshteinLevel("birth_ymd", 1),
            cll.DamerauLevenshteinLevel("birth_ymd", 2),
            cll.ElseLevel(),
        ],
    )


def onewindow_settings(link_type: LinkType = "dedupe_only") -> SettingsCreator:
    """Splink settings for staged person records after :func:`derive`.

    A pair is scored when ANY blocking rule holds: resident ID; passport number;
    birth date; pinyin name key + birth year; folded Latin key + birth year; name
    key + birth month and day (a mistyped year); one record's swapped name key equal
    to the other's name key.
    """
    comparisons = [
        cl.ExactMatch("resident_id"),
        cl.ExactMatch("passport_number"),
        birth_date_comparison(),
        name_comparison(),
        cl.ExactMatch("sex"),
        cl.ExactMatch("nationality"),
        cl.ExactMatch("district"),
    ]
    blocking_rules = [
        block_on("resident_id"),
        block_on("passport_number"),
        block_on("birth_ymd"),
        block_on("name_key", "birth_year"),
        block_on("latin_key", "birth_year"),
        block_on("name_key", "substr(birth_ymd, 5, 4)"),  # year mistyped
        CustomRule("l.name_key_swapped = r.name_key", sql_dialect="duckdb"),
    ]
    return settings_for(link_type, comparisons, blocking_rules)


def train_onewindow(linker: Linker, seed: int = DEFAULT_SEED) -> None:
    """`linkage.train` with rules on these columns: the prior from resident ID / passport,
    EM blocked on birth date and then on the name key."""
    train(
        linker,
        seed=seed,
        prior_rules=[block_on("resident_id"), block_on("passport_number")],
        em_rules=[block_on("birth_ymd"), block_on("name_key")],
    )

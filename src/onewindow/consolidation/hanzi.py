"""Simplified and traditional Chinese characters of names, without Splink's weight.

Kept apart from ``record_linkage`` so that pages which only show names (the review pages)
do not load Splink, DuckDB and pandas when the web process starts.
"""

# Simplified -> traditional for characters common in names (a small hand list; not
# a general converter). Reversed by :func:`simplify`.
SIMPLIFIED_TO_TRADITIONAL: dict[str, str] = dict(
    zip(
        "张陈刘黄赵华伟东丽杨吴马孙郑谢许韩冯邓叶苏吕军艳涛红兰国宁辉鹏飞云龙凤颖凯强杰",
        "張陳劉黃趙華偉東麗楊吳馬孫鄭謝許韓馮鄧葉蘇呂軍艷濤紅蘭國寧輝鵬飛雲龍鳳穎凱強傑",
        strict=True,
    )
)
TRADITIONAL_TO_SIMPLIFIED = {t: s for s, t in SIMPLIFIED_TO_TRADITIONAL.items()}


def simplify(text: str) -> str:
    """Traditional characters of :data:`SIMPLIFIED_TO_TRADITIONAL` made simplified."""
    return "".join(TRADITIONAL_TO_SIMPLIFIED.get(c, c) for c in text)


def traditional(text: str) -> str:
    """The characters of :data:`SIMPLIFIED_TO_TRADITIONAL` written traditional."""
    return "".join(SIMPLIFIED_TO_TRADITIONAL.get(c, c) for c in text)

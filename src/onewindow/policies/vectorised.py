"""The vectorised evaluator: a policy over a whole population at once, as polars expressions.

It mirrors `evaluate.evaluate` rule for rule (bands, maps, flags, any-of, caps, conditions,
classes, threshold) and is tested to give exactly the same totals, eligibility, classes and
outcomes on random persons. The frame holds one column per fact the policy reads, with the
policy's own values (choices as strings, flags as booleans, numbers as numbers).
"""

from typing import Any

import polars as pl

from .schema import Condition, Item, Policy

NO_CLASS = ""


def _item_expr(item: Item) -> pl.Expr:
    if item.bands is not None:
        x = pl.col(item.fact or "").cast(pl.Float64)
        expr: Any = None
        for band in item.bands:
            inside = pl.lit(True)
            if band.min is not None:
                inside = inside & (x >= band.min)
            if band.max is not None:
                inside = inside & (x < band.max)
            points = pl.lit(float(band.points)) + band.per * (x - float(band.min or 0))
            expr = pl.when(inside).then(points) if expr is None else expr.when(inside).then(points)
        raw = pl.lit(0.0) if expr is None else expr.otherwise(0.0)
    elif item.map is not None:
        raw = (
            pl.col(item.fact or "")
            .cast(pl.String)
            .replace_strict(
                {k: float(v) for k, v in item.map.items()}, default=0.0, return_dtype=pl.Float64
            )
        )
    elif item.when_true is not None:
        raw = pl.when(pl.col(item.fact or "")).then(float(item.when_true)).otherwise(0.0)
    else:
        met = pl.any_horizontal([pl.col(f) for f in item.any_of or []])
        raw = pl.when(met).then(float(item.points or 0)).otherwise(0.0)
    if item.max_points is not None:
        raw = pl.min_horizontal(raw, pl.lit(float(item.max_points)))
    if item.min_points is not None:
        raw = pl.max_horizontal(raw, pl.lit(float(item.min_points)))
    return raw.alias(f"points_{item.code}")


def condition_expr(condition: Condition, total: pl.Expr) -> pl.Expr:
    if condition.all is not None:
        return pl.all_horizontal([condition_expr(c, total) for c in condition.all])
    if condition.any is not None:
        return pl.any_horizontal([condition_expr(c, total) for c in condition.any])
    if condition.points_at_least is not None:
        return total >= condition.points_at_least
    op, target = next(iter(condition.ops().items()))
    col = pl.col(condition.fact or "")
    if op == "eq":
        return col == target
    if op == "ne":
        return col != target
    if op == "in":
        return col.is_in(list(target))
    if op == "not_in":
        return ~col.is_in(list(target))
    x = col.cast(pl.Float64)
    return {"gte": x >= target, "gt": x > target, "lte": x <= target, "lt": x < target}[op]


def columns_read(policy: Policy) -> list[str]:
    """The fact columns a frame needs for this policy (and its tie-breakers)."""
    return list(policy.facts)


def evaluate_frame(policy: Policy, frame: pl.LazyFrame, keep_items: bool = False) -> pl.LazyFrame:
    """Add `total`, `eligible`, `klass` ("" for none) and `qualifies` (and, with
    `keep_items`, one `points_<item>` column per item) to `frame`."""
    items = [_item_expr(item) for item in policy.items]
    if items:
        frame = frame.with_columns(items)
        names = [f"points_{item.code}" for item in policy.items]
        # Left to right, like the scalar evaluator, so floating-point sums agree exactly.
        total_expr = pl.lit(0.0)
        for name in names:
            total_expr = total_expr + pl.col(name)
        frame = frame.with_columns(total_expr.alias("total"))
    else:
        names = []
        frame = frame.with_columns(pl.lit(0.0).alias("total"))
    total = pl.col("total")
    eligible = pl.lit(True)
    for rule in policy.eligibility:
        eligible = eligible & condition_expr(rule, total)
    for rule in policy.disqualifiers:
        eligible = eligible & ~condition_expr(rule, total)
    frame = frame.with_columns(eligible.alias("eligible"))
    if policy.classes:
        klass: Any = None
        for rule in policy.classes:
            test = pl.col("eligible") & condition_expr(rule.when, total)
            klass = (pl.when(test) if klass is None else klass.when(test)).then(pl.lit(rule.code))
        frame = frame.with_columns(klass.otherwise(pl.lit(NO_CLASS)).alias("klass"))
        qualifies = pl.col("klass") != NO_CLASS
    else:
        frame = frame.with_columns(pl.lit(NO_CLASS).alias("klass"))
        qualifies = pl.col("eligible")
        if policy.threshold is not None:
            qualifies = qualifies & (total >= policy.threshold)
    frame = frame.with_columns(qualifies.alias("qualifies"))
    if not keep_items and names:
        frame = frame.drop(names)
    return frame

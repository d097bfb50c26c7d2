"""Probabilistic record linkage core for consolidation (Splink 5, DuckDB backend).

Pure functions: data frames in, plain Python structures out; no Django models.
The pipeline is::

    frames = [prepare_frame(df, id_column="rec_id")]          # or two frames to link
    linker = make_linker(frames, febrl_settings("dedupe_only"))
    train(linker)                                             # u by sampling, then EM
    pairs = predict_pairs(linker, threshold=0.9)
    groups = clusters(linker, threshold=0.9)

Everything is deterministic: u sampling is hash based with a fixed seed and EM runs
on the full set of blocked pairs (no sampling).

Record ids must be unique across all input frames (pairs and clusters are keyed
by the bare id, not by ``(source_dataset, id)``); :func:`make_linker` checks it.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any, Literal, NamedTuple

import duckdb
import pandas as pd
import polars as pl
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals import expectation_maximisation as _em
from splink.internals.comparison_level import M_U_CLAMP_MIN
from splink.internals.splink_dataframe import SplinkDataFrame

LinkType = Literal["dedupe_only", "link_only", "link_and_dedupe"]
Frame = pd.DataFrame | pl.DataFrame

UNIQUE_ID = "unique_id"
DEFAULT_SEED = 42

FEBRL_COLUMNS: tuple[str, ...] = (
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)


class ScoredPair(NamedTuple):
    """One candidate pair scored by the model; ``left < right`` always."""

    left: str
    right: str
    match_probability: float
    match_weight: float


class Metrics(NamedTuple):
    """Precision, recall and F1 plus the raw counts they come from."""

    precision: float
    recall: float
    f1: float
    true_positives: int
    predicted: int
    actual: int


def prepare_frame(frame: Frame, id_column: str | None = None) -> pd.DataFrame:
    """Return a pandas copy of ``frame`` ready for Splink.

    The record id (column ``id_column``, or the index when ``id_column`` is None or
    names the index) becomes a string column ``unique_id``; string cells are
    stripped and empty strings become nulls, so that blank values count as missing
    rather than as agreeing.
    """
    df = frame.to_pandas() if isinstance(frame, pl.DataFrame) else frame.copy()
    if id_column is None or (id_column not in df.columns and df.index.name == id_column):
        df = df.reset_index(names=UNIQUE_ID)
    else:
        df = df.rename(columns={id_column: UNIQUE_ID})
    for column in df.columns:
        if df[column].dtype == object:
            stripped = df[column].astype("string").str.strip()
            df[column] = stripped.mask(stripped == "").astype(object)
    df[UNIQUE_ID] = df[UNIQUE_ID].astype(str)
    return df.where(df.notna(), None)


def febrl_settings(link_type: LinkType) -> SettingsCreator:
    """Splink settings for the FEBRL person schema (:data:`FEBRL_COLUMNS`).

    Blocking (a pair is scored if ANY rule holds) is deliberately redundant so that
    a typo in one field never hides a true pair: social security number; date of
    birth; given name + surname; surname + postcode; given name + postcode;
    street number + postcode.

    Comparisons: Jaro-Winkler levels on names and free-text address parts,
    Damerau-Levenshtein on the digit strings (date of birth as ``YYYYMMDD`` text,
    which also scores FEBRL's invalid dates, social security id, postcode, street
    number) and exact match on state.
    """
    comparisons = [
        cl.JaroWinklerAtThresholds("given_name", [0.92, 0.8]),
        cl.JaroWinklerAtThresholds("surname", [0.92, 0.8]),
        cl.DamerauLevenshteinAtThresholds("date_of_birth", [1, 2]),
        cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
        cl.DamerauLevenshteinAtThresholds("street_number", [1]),
        cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
        cl.JaroWinklerAtThresholds("address_2", [0.9, 0.7]),
        cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
        cl.DamerauLevenshteinAtThresholds("postcode", [1]),
        cl.ExactMatch("state"),
    ]
    blocking_rules = [
        block_on("soc_sec_id"),
        block_on("date_of_birth"),
        block_on("given_name", "surname"),
        block_on("surname", "postcode"),
        block_on("given_name", "postcode"),
        block_on("street_number", "postcode"),
    ]
    return settings_for(link_type, comparisons, blocking_rules)


def settings_for(link_type: LinkType, comparisons: list[Any], blocking_rules: list[Any]) -> Any:
    """Splink settings keyed on `unique_id`, without the intermediate columns."""
    return SettingsCreator(
        link_type=link_type,
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking_rules,
        unique_id_column_name=UNIQUE_ID,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def check_unique_ids(frames: Sequence[pd.DataFrame]) -> None:
    """Raise ``ValueError`` when a record id occurs more than once across the frames."""
    ids = pd.concat([f[UNIQUE_ID] for f in frames], ignore_index=True)
    if ids.duplicated().any():
        raise ValueError("record ids must be unique across all input frames")


def make_linker(
    frames: Sequence[pd.DataFrame], settings: SettingsCreator | dict[str, Any]
) -> Linker:
    """Register prepared frames in a fresh in-memory DuckDB and build a Linker.

    One frame for ``dedupe_only``; two or more for linking. Raises ``ValueError``
    when a record id occurs more than once across the frames. DuckDB's memory is capped
    (``ONEWINDOW_DUCKDB_MEMORY``, default 4GB) and spills to a temporary directory beyond it,
    so a million records fit the machine.
    """
    check_unique_ids(frames)
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{_duckdb_memory()}'")
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/onewindow-duckdb'")
    con.execute("SET preserve_insertion_order = false")
    db_api = DuckDBAPI(connection=con)
    tables = [
        db_api.register(frame, dataset_display_name=f"input_{i}") for i, frame in enumerate(frames)
    ]
    return Linker(tables[0] if len(tables) == 1 else tables, settings, log_level=logging.WARNING)


def _duckdb_memory() -> str:
    value = os.environ.get("ONEWINDOW_DUCKDB_MEMORY", "4GB")
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", value):
        raise ValueError("ONEWINDOW_DUCKDB_MEMORY must look like 4GB or 512MB")
    return value


def train(
    linker: Linker,
    seed: int = DEFAULT_SEED,
    prior_rules: list[Any] | None = None,
    em_rules: list[Any] | None = None,
) -> None:
    """Fit the Fellegi-Sunter model without labels, deterministically.

    1. The prior (probability two random records match) from strict deterministic
       `prior_rules`, assuming they find 70% of the true pairs.
    2. u probabilities by hash-based random sampling with a fixed ``seed``.
    3. m probabilities by EM on `em_rules`, blocking passes whose fields are disjoint, so
       each comparison is estimated at least once.

    The defaults are FEBRL's columns: ID + date of birth and name + postcode for the prior;
    date of birth, then given name + surname for EM.
    """
    prior_rules = prior_rules or [
        block_on("soc_sec_id", "date_of_birth"),
        block_on("given_name", "surname", "postcode"),
    ]
    em_rules = em_rules or [block_on("date_of_birth"), block_on("given_name", "surname")]
    linker.training.estimate_probability_two_random_records_match(prior_rules, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)


_populate = _em.populate_m_u_from_lookup


def _populate_clamped(
    fixed: set[str], level: Any, column: str, lookup: dict[str, dict[int, Any]]
) -> None:
    """Splink 5.0's maximisation step can compute an m or u of exactly 0 for a level seen only
    in pairs whose match probability underflowed (small batches), and its own setter then
    refuses the 0. Raise such values to Splink's floor, as its prediction code does anyway."""
    for values in lookup.get(column, {}).values():
        for key in ("m_probability", "u_probability"):
            if isinstance(values.get(key), float | int) and values[key] < M_U_CLAMP_MIN:
                values[key] = M_U_CLAMP_MIN
    _populate(fixed, level, column, lookup)


_em.populate_m_u_from_lookup = _populate_clamped


def _predict(linker: Linker, threshold: float) -> SplinkDataFrame:
    return linker.inference.predict(threshold_match_probability=threshold)


def predict_pairs(
    linker: Linker, threshold: float, predictions: SplinkDataFrame | None = None
) -> list[ScoredPair]:
    """Scored pairs with ``match_probability >= threshold``, sorted by ids."""
    sdf = predictions if predictions is not None else _predict(linker, threshold)
    df = sdf.as_pandas_dataframe()
    df = df[df["match_probability"] >= threshold]
    pairs = [
        ScoredPair(min(str(a), str(b)), max(str(a), str(b)), float(p), float(w))
        for a, b, p, w in zip(
            df[f"{UNIQUE_ID}_l"],
            df[f"{UNIQUE_ID}_r"],
            df["match_probability"],
            df["match_weight"],
            strict=True,
        )
    ]
    return sorted(pairs)


def clusters(
    linker: Linker, threshold: float, predictions: SplinkDataFrame | None = None
) -> dict[str, str]:
    """Map every input record id to a cluster id (connected components of pairs
    with ``match_probability >= threshold``; unlinked records are singletons).

    The cluster id is the smallest record id in the cluster, so it is stable.
    """
    sdf = predictions if predictions is not None else _predict(linker, threshold)
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        sdf, threshold_match_probability=threshold
    ).as_pandas_dataframe()
    members: dict[str, list[str]] = defaultdict(list)
    for record, cluster in zip(clustered[UNIQUE_ID], clustered["cluster_id"], strict=True):
        members[str(cluster)].append(str(record))
    return {record: min(ids) for ids in members.values() for record in ids}


def _unordered(pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(a, b) if a <= b else (b, a) for a, b in (p[:2] for p in pairs) if a != b}


def _metrics(predicted: set[tuple[str, str]], actual: set[tuple[str, str]]) -> Metrics:
    tp = len(predicted & actual)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(actual) if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Metrics(precision, recall, f1, tp, len(predicted), len(actual))


def pair_metrics(
    predicted_pairs: Iterable[tuple[str, str]], true_pairs: Iterable[tuple[str, str]]
) -> Metrics:
    """Precision/recall/F1 of predicted links against true links.

    Both are compared as sets of unordered id pairs (``(a, b) == (b, a)``); extra
    tuple items such as scores are ignored, self pairs are dropped.
    """
    return _metrics(_unordered(predicted_pairs), _unordered(true_pairs))


def within_cluster_pairs(assignment: Mapping[str, str]) -> set[tuple[str, str]]:
    """All unordered pairs of records that share a cluster id."""
    members: dict[str, list[str]] = defaultdict(list)
    for record, cluster in assignment.items():
        members[cluster].append(record)
    return {pair for ids in members.values() for pair in combinations(sorted(ids), 2)}


def cluster_metrics(
    predicted_clusters: Mapping[str, str], true_clusters: Mapping[str, str]
) -> Metrics:
    """Pairwise cluster precision/recall/F1.

    Each clustering (record id -> cluster id) is expanded into the set of all
    unordered within-cluster record pairs, and the two sets are compared as in
    :func:`pair_metrics`. Singletons contribute no pairs.
    """
    return _metrics(within_cluster_pairs(predicted_clusters), within_cluster_pairs(true_clusters))

"""The linkage pipeline on Splink's Spark backend, on local Spark.

The same settings, training, prediction and clustering as the DuckDB synthetic test
(:mod:`tests.consolidation.test_synthetic_linkage`), on a smaller synthetic set. Spark's
cost here is a fixed overhead per query (about 200 queries, most of the JVM's time going
to JIT compilation), not the data size: some 45 s on an idle 2-core machine.
Needs Java 17 (Debian's openjdk-17-jre-headless, installed by scripts/debian-packages.sh).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pytest
from pyspark.sql import SparkSession
from splink import Linker
from splink.backends.spark import SparkAPI

from onewindow.consolidation.linkage import (
    Metrics,
    ScoredPair,
    cluster_metrics,
    clusters,
    make_linker,
    pair_metrics,
    predict_pairs,
    prepare_frame,
    within_cluster_pairs,
)
from onewindow.consolidation.record_linkage import (
    MATCH_THRESHOLD,
    birth_date_comparison,
    derive,
    name_comparison,
    onewindow_settings,
    train_onewindow,
)
from onewindow.consolidation.spark_backend import local_spark_session, make_spark_linker
from onewindow.consolidation.synthetic import multi_agency_records

PERSONS = 300
SEED = 20240611
F1_FLOOR = 0.95
AGREEMENT_FLOOR = 0.98

# PySpark 3.5 still calls APIs that newer pandas and Python deprecate.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pyspark")


class Run(NamedTuple):
    pairs: list[ScoredPair]
    clusters: dict[str, str]
    seconds: float


class Data(NamedTuple):
    frame: pd.DataFrame
    truth: dict[str, str]


def _run(linker: Linker, started: float) -> Run:
    train_onewindow(linker)
    predictions = linker.inference.predict(threshold_match_probability=MATCH_THRESHOLD)
    return Run(
        predict_pairs(linker, MATCH_THRESHOLD, predictions),
        clusters(linker, MATCH_THRESHOLD, predictions),
        time.perf_counter() - started,
    )


def _report(kind: str, m: Metrics) -> None:
    print(
        f"\n{kind}: precision={m.precision:.4f} recall={m.recall:.4f} f1={m.f1:.4f} "
        f"(tp={m.true_positives} predicted={m.predicted} actual={m.actual})"
    )


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    session = local_spark_session()
    yield session
    session.stop()


@pytest.fixture(scope="module")
def data() -> Data:
    records, truth = multi_agency_records(PERSONS, seed=SEED)
    frame = prepare_frame(derive(records), id_column="unique_id")
    return Data(frame, {uid: str(pid) for uid, pid in truth.items()})


@pytest.fixture(scope="module")
def spark_run(spark: SparkSession, data: Data) -> Run:
    started = time.perf_counter()
    return _run(make_spark_linker([data.frame], onewindow_settings("dedupe_only"), spark), started)


@pytest.fixture(scope="module")
def duckdb_run(data: Data) -> Run:
    started = time.perf_counter()
    return _run(make_linker([data.frame], onewindow_settings("dedupe_only")), started)


def test_session_is_local_and_writes_to_a_temp_dir(spark: SparkSession) -> None:
    conf = spark.sparkContext.getConf()
    assert spark.sparkContext.master == "local[2]"
    assert conf.get("spark.ui.enabled") == "false"
    assert conf.get("spark.driver.bindAddress") == "127.0.0.1"
    warehouse = Path(str(conf.get("spark.sql.warehouse.dir")).removeprefix("file:"))
    assert Path(tempfile.gettempdir()).resolve() in warehouse.resolve().parents
    # Splink registers its similarity functions from the jar on the class path.
    SparkAPI(spark_session=spark)
    assert spark.sql("select jaro_winkler('martha', 'marhta') > 0.9 as ok").first()["ok"]
    assert spark.sql("select damerau_levenshtein('19800102', '19800120') as d").first()["d"] == 1


def test_custom_levels_are_translated_for_spark() -> None:
    # "x" is a column in DuckDB SQL but a string literal in Spark SQL: passed through
    # untranslated, a custom level would silently never match.
    for comparison in (name_comparison(), birth_date_comparison()):
        levels = comparison.get_comparison("spark").as_dict()["comparison_levels"]
        assert not any('"' in level["sql_condition"] for level in levels)
        assert any("`" in level["sql_condition"] for level in levels)


def test_spark_linker_rejects_ids_repeated_across_frames(spark: SparkSession) -> None:
    frame = pd.DataFrame({"unique_id": ["a", "b"], "name_key": ["x", "y"]})
    with pytest.raises(ValueError, match="unique"):
        make_spark_linker([frame, frame], onewindow_settings("link_only"), spark)


def test_spark_deduplication_is_accurate(spark_run: Run, data: Data) -> None:
    pairs = pair_metrics(spark_run.pairs, within_cluster_pairs(data.truth))
    groups = cluster_metrics(spark_run.clusters, data.truth)
    _report("spark pairs", pairs)
    _report("spark clusters", groups)
    print(f"spark: {len(data.frame)} records, {spark_run.seconds:.1f} s")
    assert pairs.f1 >= F1_FLOOR
    assert groups.f1 >= F1_FLOOR


def test_spark_agrees_with_duckdb(spark_run: Run, duckdb_run: Run) -> None:
    pairs = pair_metrics(spark_run.pairs, duckdb_run.pairs)
    groups = cluster_metrics(spark_run.clusters, duckdb_run.clusters)
    _report("spark vs duckdb pairs", pairs)
    _report("spark vs duckdb clusters", groups)
    print(f"duckdb: {duckdb_run.seconds:.1f} s")
    assert set(spark_run.clusters) == set(duckdb_run.clusters)
    assert groups.f1 >= AGREEMENT_FLOOR
    assert pairs.f1 >= AGREEMENT_FLOOR

"""Splink on Spark: the same linkage pipeline past one machine.

:mod:`onewindow.consolidation.linkage` runs Splink on DuckDB. This module swaps only the
backend; the settings, ``train``/``train_onewindow``, ``predict_pairs``, ``clusters`` and
the metrics are used unchanged::

    spark = local_spark_session()                  # or the cluster's SparkSession
    linker = make_spark_linker([frame], onewindow_settings(), spark)
    train_onewindow(linker)
    groups = clusters(linker, threshold=0.9)

Splink computes Jaro-Winkler and Damerau-Levenshtein on Spark with Scala UDFs from a jar
it ships (:func:`splink.backends.spark.similarity_jar_location`); a session must have
that jar on its class path (``spark.jars``) before ``SparkAPI`` registers the functions.
:func:`local_spark_session` does so; on a cluster, add the jar to the cluster's session.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd
import pyarrow as pa
from pyspark.sql import SparkSession
from pyspark.sql import types as T
from pyspark.sql.pandas.types import from_arrow_type
from splink import Linker, SettingsCreator
from splink.backends.spark import SparkAPI, similarity_jar_location

from onewindow.consolidation.linkage import check_unique_ids

if TYPE_CHECKING:
    from pyspark.sql import DataFrame as SparkDataFrame

BreakLineage = Literal["parquet", "checkpoint"]

# Log4j 2 configuration for the driver JVM, to stderr. Without it Spark logs its start-up
# at INFO/WARN (native Hadoop missing, ...) before ``setLogLevel`` can be called. The
# root level stays WARN because PySpark's shell start-up announces the level whenever it
# differs from WARN; the session is turned down to ERROR right after it starts.
_LOG4J2 = """\
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
logger.nativecode.name = org.apache.hadoop.util.NativeCodeLoader
logger.nativecode.level = error
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n
"""


def local_spark_session(cores: int = 2, memory: str = "2g") -> SparkSession:
    """A local Spark session for linkage on one small machine (tests, a 2-core box).

    ``cores`` worker threads and as many shuffle partitions (Spark's default of 200
    costs seconds of scheduling per query on small data); ``memory`` for the driver,
    which in local mode is also the executor. The web UI and the console progress bar
    are off, the driver listens on 127.0.0.1 only, and logs are errors only. The
    warehouse, Derby home and the checkpoint directory (where Splink writes
    intermediate tables) are in a temporary directory removed when the interpreter
    exits, so nothing lands in the working directory; Spark's scratch space is in the
    system temporary directory, as by default. The JVM exits when it runs out of
    memory, so that the Python side fails instead of waiting for ever.

    Spark allows one session per process: if one is active it is returned as it is.
    """
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    # Read when the JVM starts: bind to loopback and don't resolve the host name to
    # another interface (which also logs a warning); Python workers, if Spark starts
    # any, run this interpreter rather than whatever `python3` is on PATH.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    root = Path(tempfile.mkdtemp(prefix="onewindow-spark-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    log_config = root / "log4j2.properties"
    log_config.write_text(_LOG4J2)
    java_options = (
        f"-Dlog4j2.configurationFile={log_config.as_uri()} -Dderby.system.home={root}"
        " -XX:+ExitOnOutOfMemoryError"
    )
    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("onewindow-linkage")
        .config("spark.driver.memory", memory)
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.extraJavaOptions", java_options)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(cores))
        .config("spark.default.parallelism", str(cores))
        .config("spark.sql.warehouse.dir", str(root / "warehouse"))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.jars", similarity_jar_location())
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    py4j = logging.getLogger("py4j")  # the Python-JVM bridge logs each connection at INFO
    if py4j.level == logging.NOTSET:
        py4j.setLevel(logging.WARNING)
    spark.sparkContext.setCheckpointDir(str(root / "checkpoints"))
    return spark


def _spark_schema(frame: pd.DataFrame) -> T.StructType:
    """Spark schema of ``frame`` from its Arrow types, with all-null columns as strings.

    Spark cannot infer the type of a column holding only nulls (a field no record in a
    small batch has filled in), and would reject the frame.
    """
    arrow = pa.Schema.from_pandas(frame, preserve_index=False)
    return T.StructType(
        [
            T.StructField(
                field.name,
                T.StringType() if pa.types.is_null(field.type) else from_arrow_type(field.type),
                nullable=True,
            )
            for field in arrow
        ]
    )


def to_spark(spark: SparkSession, frame: pd.DataFrame) -> SparkDataFrame:
    """A prepared pandas frame (see ``linkage.prepare_frame``) as a Spark data frame."""
    return spark.createDataFrame(frame, schema=_spark_schema(frame))


def _has_checkpoint_dir(spark: SparkSession) -> bool:
    # PySpark has no getter for it before 4.0; ask the JVM SparkContext.
    return not spark.sparkContext._jsc.sc().getCheckpointDir().isEmpty()  # type: ignore[union-attr]


def make_spark_linker(
    frames: Sequence[pd.DataFrame],
    settings: SettingsCreator,
    spark: SparkSession | None = None,
    *,
    break_lineage_method: BreakLineage = "parquet",
) -> Linker:
    """Register prepared frames with Splink's Spark backend and build a Linker.

    The Spark twin of ``linkage.make_linker``: one frame for ``dedupe_only``, two or
    more for linking; raises ``ValueError`` when a record id occurs more than once
    across the frames. ``spark`` defaults to the active session, else a new
    :func:`local_spark_session`.

    ``break_lineage_method`` is how Splink cuts Spark's query plans between steps, both
    writing intermediate tables to the session's checkpoint directory (which must be
    set): ``parquet`` (Splink's default off Databricks) or Spark's ``checkpoint``.
    (Splink's in-memory ``persist`` is left out: here it ran a 2 GB driver out of
    memory in clustering on 600 records.)
    """
    check_unique_ids(frames)
    spark = spark or local_spark_session()
    if not _has_checkpoint_dir(spark):
        raise ValueError("the Spark session needs a checkpoint directory (setCheckpointDir)")
    db_api = SparkAPI(spark_session=spark, break_lineage_method=break_lineage_method)
    # Views are global to the session, so each linker's inputs get fresh names; the display
    # name (Splink's ``source_dataset`` value) stays the same as on DuckDB.
    run = uuid.uuid4().hex
    tables = [
        db_api.register(
            to_spark(spark, frame),
            table_name=f"onewindow_input_{i}_{run}",
            dataset_display_name=f"input_{i}",
        )
        for i, frame in enumerate(frames)
    ]
    return Linker(tables[0] if len(tables) == 1 else tables, settings, log_level=logging.WARNING)

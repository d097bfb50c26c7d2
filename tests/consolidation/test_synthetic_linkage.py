"""End-to-end accuracy of OneWindow's linkage settings on synthetic multi-agency data.

Truth comes from the generator; labels are never used for training and the match
threshold is the same fixed constant as for FEBRL.
"""

from __future__ import annotations

import time
from collections import Counter

import polars as pl
from stdnum.cn import ric

from onewindow.consolidation.linkage import (
    Metrics,
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
    derive,
    onewindow_settings,
    train_onewindow,
)
from onewindow.consolidation.synthetic import AGENCIES, multi_agency_records

PERSONS = 3000
SEED = 20240611
F1_FLOOR = 0.97


def _report(kind: str, m: Metrics) -> None:
    print(
        f"\nsynthetic {kind}: precision={m.precision:.4f} recall={m.recall:.4f} "
        f"f1={m.f1:.4f} (tp={m.true_positives} predicted={m.predicted} actual={m.actual})"
    )


def test_generator_is_deterministic_and_valid() -> None:
    records, truth = multi_agency_records(200, seed=1)
    again, truth_again = multi_agency_records(200, seed=1)
    assert records.equals(again) and truth == truth_again
    assert not records.equals(multi_agency_records(200, seed=2)[0])
    assert set(truth) == set(records["unique_id"])
    assert set(records["source"]) <= set(AGENCIES)
    assert max(Counter(truth.values()).values()) <= 3
    ids = [i for i in records["resident_id"] if i]
    assert ids and all(ric.is_valid(i) for i in ids)


def test_derive_keys() -> None:
    names = [("張偉", "", "", "1980-01-02"), ("", "Cheung", "Wei", ""), ("", "Wei", "Zhang", "")]
    rows = pl.DataFrame(
        [
            {"zh_name": z, "latin_family_name": f, "latin_given_name": g, "birth_date": b}
            for z, f, g, b in names
        ]
    )
    out = derive(rows)
    assert out["zh_simplified"].to_list() == ["张伟", None, None]
    assert out["name_key"].to_list() == ["zhangwei", "cheungwei", "weizhang"]
    assert out["latin_key"].to_list() == ["zhangwei", "zhangwei", "weizhang"]
    assert out["name_key_swapped"][2] == "zhangwei"
    assert out["birth_year"][0] == "1980" and out["birth_ymd"][0] == "19800102"


def test_synthetic_deduplication() -> None:
    started = time.perf_counter()
    records, truth = multi_agency_records(PERSONS, seed=SEED)
    frame = prepare_frame(derive(records), id_column="unique_id")
    linker = make_linker([frame], onewindow_settings("dedupe_only"))
    train_onewindow(linker)
    predictions = linker.inference.predict(threshold_match_probability=MATCH_THRESHOLD)

    true_clusters = {uid: str(pid) for uid, pid in truth.items()}
    pairs = pair_metrics(
        predict_pairs(linker, MATCH_THRESHOLD, predictions), within_cluster_pairs(true_clusters)
    )
    groups = cluster_metrics(clusters(linker, MATCH_THRESHOLD, predictions), true_clusters)
    _report("pairs", pairs)
    _report("clusters", groups)
    print(f"synthetic: {len(records)} records, {time.perf_counter() - started:.1f} s")
    assert pairs.f1 >= F1_FLOOR
    assert groups.f1 >= F1_FLOOR

"""bench/timing.py's rounds and intervals, and a smoke run of bench/long_documents.py."""
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from timing import interleaved_rounds, median_ratio, rotated  # noqa: E402


def test_median_ratio_is_the_median_of_per_round_ratios_with_a_seeded_interval():
    got = median_ratio([2.0, 3.0, 8.0], [1.0, 1.0, 2.0])  # ratios 2, 3, 4
    assert got["median"] == 3.0 and got["rounds"] == 3
    assert 2.0 <= got["ci_low"] <= 3.0 <= got["ci_high"] <= 4.0
    assert got["half_width"] == pytest.approx((got["ci_high"] - got["ci_low"]) / 2)
    assert median_ratio([2.0, 3.0, 8.0], [1.0, 1.0, 2.0]) == got  # the same seed, the same interval
    steady = median_ratio([1.5] * 5, [1.0] * 5)
    assert (steady["median"], steady["ci_low"], steady["ci_high"], steady["half_width"]) == (1.5, 1.5, 1.5, 0.0)
    with pytest.raises(ValueError, match="no rounds"):
        median_ratio([], [])


def test_rounds_interleave_the_variants_batch_by_batch_in_a_rotating_order():
    order = []
    work = {name: [lambda name=name, i=i: order.append((name, i)) for i in range(2)] for name in "AB"}
    seconds = interleaved_rounds(work, rounds=2, clock=lambda job: (job(), 1.0)[1])
    # round 0: batch 0 as A, B; batch 1 as B, A. Round 1 starts where round 0's batch 1 did.
    assert order == [("A", 0), ("B", 0), ("B", 1), ("A", 1), ("B", 0), ("A", 0), ("A", 1), ("B", 1)]
    assert seconds == {"A": [2.0, 2.0], "B": [2.0, 2.0]}
    assert rotated("ABC", 4) == ("B", "C", "A")
    with pytest.raises(ValueError, match="same number of batches"):
        interleaved_rounds({"A": [print], "B": []}, rounds=1)


def test_long_documents_bench_smoke_run(tmp_path):
    import long_documents

    out = tmp_path / "long.json"
    long_documents.main(["--json", str(out), "--tiny", "--rounds", "1", "--docs", "1", "--sentences-per-doc", "60"])
    data = json.loads(out.read_text())
    assert data["tag_agreement"] == 1.0  # a long doc's tags are those of its sentences alone
    assert data["words"] == 60 * 16 and data["sentences_per_doc"] == 60 and data["rounds"] == 1
    assert set(data["cpu_seconds"]) == {"long", "short"} and all(len(v) == 1 for v in data["cpu_seconds"].values())
    assert data["cpu_time_ratio"]["rounds"] == 1 and data["cpu_time_ratio"]["median"] > 0

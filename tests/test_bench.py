"""Smoke run of the overhead benchmark on a tiny encoder: one round, the JSON's shape."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_writes_ratios_naive_figures_and_lengths(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "fusion_overhead.py"), "--json", str(out), "--tiny",
         "--rounds", "1", "--lengths", "16", "64", "--main-length", "16",
         "--infer-words", "128", "--train-words", "64"],
        capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(out.read_text())
    ratios = ("inference_ratio", "train_ratio", "trf_data_ratio", "rss_ratio")
    for key in ratios:
        assert isinstance(data[key], float) and data[key] > 0, key
        assert isinstance(data["naive"][key], float) and data["naive"][key] > 0, key
        assert isinstance(data["auto"][key], float) and data["auto"][key] > 0, key
    assert data["rounds"] == 1
    assert sorted(data["by_length"]) == ["16", "64"]
    for stats in data["by_length"].values():
        assert sorted(stats) == ["A", "B", "C", "D"]
        for variant in stats.values():
            assert set(variant) == {"inference_words_per_s", "training_words_per_s", "trf_data_bytes_per_doc"}
    # B and the auto D keep on the doc what A keeps; the naive C keeps all 13 layers.
    assert data["trf_data_ratio"] == 1.0 and data["auto"]["trf_data_ratio"] == 1.0
    assert data["naive"]["trf_data_ratio"] > 10
    assert data["encoder"]["layer"] == 8
    assert "docs of 16 words" in result.stderr

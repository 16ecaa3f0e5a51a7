"""Smoke run of the overhead benchmark on a tiny encoder: two rounds, the JSON's structure."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

# ~90 s: the benchmark runs every variant in subprocesses; only the JSON's shape is checked.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ["A", "B", "C", "D", "E"]
RATIO_KEYS = {"inference_ratio", "train_ratio", "cpu_time_ratio", "train_cpu_time_ratio", "flops_ratio",
              "trf_data_ratio", "rss_ratio", "rss_growth_ratio"}
SPREAD_KEYS = {"median", "min", "max"}
INTERVAL_KEYS = {"median", "ci_low", "ci_high", "half_width", "rounds"}


def assert_interval(value, what):
    assert isinstance(value, dict) and set(value) == INTERVAL_KEYS, what
    assert value["rounds"] == 2, what
    assert 0 < value["ci_low"] <= value["median"] <= value["ci_high"], what
    assert value["half_width"] == pytest.approx((value["ci_high"] - value["ci_low"]) / 2), what


def assert_spread(value, what):
    assert isinstance(value, dict) and set(value) == SPREAD_KEYS, what
    assert all(isinstance(x, float) and x > 0 for x in value.values()), what
    assert value["min"] <= value["median"] <= value["max"], what


def test_benchmark_writes_ratio_spreads_for_every_rival_and_length(tmp_path):
    out = tmp_path / "bench.json"
    # Main length = the longest: peak RSS is measured at one length only (5 subprocesses).
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "fusion_overhead.py"), "--json", str(out), "--tiny",
         "--rounds", "2", "--lengths", "16", "64", "--main-length", "64",
         "--infer-words", "128", "--train-words", "64"],
        capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(out.read_text())
    headline = {"B": data, "C": data["naive"], "D": data["auto"], "E": data["scalar_mix"]}
    assert set(data) == RATIO_KEYS | {
        "naive", "auto", "scalar_mix", "ratios_by_length", "by_length", "rounds", "lengths", "main_length",
        "encoder", "peak_rss_bytes", "threads", "variants", "flops_per_word", "analytic_aif_share"}
    assert data["threads"] == 1
    # AIF's local branch (2 E^2/r per token) against the encoder's 12 L E^2: 1/(6 r L) with r = 4, L = 12.
    assert data["analytic_aif_share"] == pytest.approx(1 / 288)
    assert sorted(data["flops_per_word"]) == VARIANTS
    for variant, flops in data["flops_per_word"].items():
        assert set(flops) == {"inference", "training"} and flops["training"] > flops["inference"] > 0, variant
    for variant, ratios in headline.items():
        assert RATIO_KEYS <= set(ratios), variant
        assert_spread(ratios["inference_ratio"], (variant, "inference"))
        assert_spread(ratios["train_ratio"], (variant, "train"))
        assert_interval(ratios["cpu_time_ratio"], (variant, "cpu"))
        assert_interval(ratios["train_cpu_time_ratio"], (variant, "train cpu"))
        flops = data["flops_per_word"]
        assert ratios["flops_ratio"] == {kind: flops[variant][kind] / flops["A"][kind]
                                         for kind in ("inference", "training")}
        # The fusion adds work; every variant runs the same encoder, so within a few percent of it.
        assert all(1.0 <= r < 1.5 for r in ratios["flops_ratio"].values()), (variant, ratios)
        for key in ("trf_data_ratio", "rss_ratio", "rss_growth_ratio"):
            assert isinstance(ratios[key], float) and ratios[key] > 0, (variant, key)
        # The headline is the main length's entry of ratios_by_length.
        assert {k: ratios[k] for k in RATIO_KEYS} == data["ratios_by_length"]["64"][variant]
    assert data["rounds"] == 2 and data["lengths"] == [16, 64] and data["main_length"] == 64
    assert sorted(data["variants"]) == VARIANTS
    assert sorted(data["by_length"]) == sorted(data["ratios_by_length"]) == ["16", "64"]
    for length, stats in data["by_length"].items():
        assert sorted(stats) == VARIANTS
        for variant in stats.values():
            assert set(variant) == {"inference_words_per_s", "training_words_per_s", "trf_data_bytes_per_doc",
                                    "inference_words_per_s_rounds", "training_words_per_s_rounds",
                                    "inference_cpu_seconds_rounds", "training_cpu_seconds_rounds"}
            assert len(variant["inference_words_per_s_rounds"]) == len(variant["training_words_per_s_rounds"]) == 2
        by_variant = data["ratios_by_length"][length]
        assert sorted(by_variant) == VARIANTS[1:]
        for variant, ratios in by_variant.items():
            assert set(ratios) == RATIO_KEYS
            assert_spread(ratios["inference_ratio"], (length, variant))
            assert_spread(ratios["train_ratio"], (length, variant))
    # Peak RSS: one measurement per variant, at the main (= longest) length only.
    assert sorted(data["peak_rss_bytes"]) == ["64"]
    assert all(set(m) == {"loaded", "peak"} for m in data["peak_rss_bytes"]["64"].values())
    assert data["ratios_by_length"]["16"]["B"]["rss_ratio"] is None
    # B, the auto D and the scalar mix E keep on the doc what A keeps; the naive C keeps all 13 layers.
    for length in ("16", "64"):
        by_variant = data["ratios_by_length"][length]
        assert [by_variant[v]["trf_data_ratio"] for v in "BDE"] == [1.0, 1.0, 1.0], length
        assert by_variant["C"]["trf_data_ratio"] > 10
    assert data["encoder"]["layer"] == 8
    assert "docs of 16 words" in result.stderr and "docs of 64 words" in result.stderr
    printed = json.loads(result.stdout)
    assert set(printed) == RATIO_KEYS | {"naive", "auto", "scalar_mix"}
    assert printed["scalar_mix"] == data["scalar_mix"]

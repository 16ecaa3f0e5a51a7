"""The GPU check's dry run: bench/gpu_check.sh --cpu --tiny goes through every step on CPU."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ["A", "B", "C", "D", "E"]


def test_the_gpu_check_runs_end_to_end_on_cpu(tmp_path):
    # No wheel archive: the packages of this environment (the install step is for the GPU machine).
    env = dict(os.environ, OUT=str(tmp_path), PYTHON=sys.executable, GPU_WHEELS=str(tmp_path / "none.tar.xz"))
    result = subprocess.run(
        ["bash", str(ROOT / "bench" / "gpu_check.sh"), "--cpu", "--tiny", "--infer-words", "128",
         "--train-words", "64", "--long-length", "16", "--rounds", "1", "--steps", "40", "--learn-rate", "1e-3"],
        capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "2 skipped" in result.stdout  # pytest -m gpu ran; without CUDA its two tests skip
    data = json.loads((tmp_path / "gpu_check.json").read_text())
    assert data["device"] == "cpu" and data["ok"] is True and data["pytest_gpu_status"] == 0
    assert data["torch"] == data["torch_before_install"]
    assert data["complete"] is True and data["lengths"] == [64, 16] and sorted(data["by_length"]) == ["16", "64"]
    assert data["precision"] == data["by_length"]["64"]
    assert all(sorted(by_precision) == ["fp32", "mixed"] for by_precision in data["by_length"].values())
    for precision in [*data["by_length"]["64"].values(), *data["by_length"]["16"].values()]:
        assert sorted(precision["seconds"]) == VARIANTS
        for key in ("inference_time_ratio", "train_time_ratio", "memory_ratio"):
            assert sorted(precision[key]) == VARIANTS[1:], key
        assert all(r > 0 for r in precision["inference_time_ratio"].values())
        # No GPU memory to read on CPU: the figures say so rather than invent one.
        assert all(m == {"inference": None, "training": None} for m in precision["peak_memory_bytes"].values())
    training = data["training"]
    assert training["steps"] == len(training["losses"]) == 40
    assert training["finite"] and training["loss_falls"] and training["loss_last"] < 0.5 * training["loss_first"]

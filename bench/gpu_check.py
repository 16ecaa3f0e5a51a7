"""The GPU check's measurements: A-E at mBERT size on one CUDA GPU, fp32 and mixed precision, and 200 training steps.

    python bench/gpu_check.py --json gpu_check.json              # on a machine with a CUDA GPU
    python bench/gpu_check.py --json smoke.json --cpu --tiny     # the same code path on CPU, in seconds

Run through `bench/gpu_check.sh`, which first installs the pinned stack and runs `pytest -m gpu`.
First it trains B (DLFA layer 8) with mixed precision for `--steps` updates on a tagging task it
can learn, and checks that the loss falls and that no loss, weight or gradient is NaN. Then, for
each doc length (`--length`, `--long-length`) and precision (fp32; `mixed_precision = true`), it
builds the five pipelines of `fusion_overhead.py` (A stock, B DLFA layer 8, C naive, D auto,
E scalar mix), times inference (`nlp.pipe`, batch 32) and training (`nlp.update`) with the
device synchronised, interleaving the variants, and reads the peak GPU memory of each
(`torch.cuda.max_memory_allocated`, reset before each variant's pass, less what was allocated
before it). Everything goes to one JSON, rewritten after each stage ("complete" says whether
all ran); the exit status is 1 when the training check fails.
"""
import argparse
import gc
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fusion_overhead import (  # noqa: E402
    DESCRIPTIONS,
    TAGS,
    VARIANTS,
    WORDS,
    batches,
    build_encoder,
    build_pipeline,
    make_texts,
    tagger_examples,
    write_json,
)
from timing import rotated  # noqa: E402

PRECISIONS = {"fp32": False, "mixed": True}


def synchronise() -> None:
    """Wait for the GPU, so that a timer sees the work and not only its launch."""
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


def gpu_memory(work: Callable[[], object]) -> Optional[int]:
    """Peak GPU bytes allocated while `work()` ran, above what was allocated before it (None on CPU)."""
    import torch

    if not torch.cuda.is_available():
        work()
        return None
    synchronise()
    before = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    work()
    synchronise()
    return torch.cuda.max_memory_allocated() - before


def seconds(work: Callable[[], object]) -> float:
    synchronise()
    start = time.perf_counter()
    work()
    synchronise()
    return time.perf_counter() - start


def measure_precision(model_path: Path, mixed: bool, length: int, args: argparse.Namespace) -> Dict:
    """Inference and training time and peak memory of A-E in one precision and doc length, with ratios to A."""
    # On CPU (a dry run) there is no gradient scaling: thinc's scaler needs a GPU.
    pipelines = {v: build_pipeline(v, model_path, args.layer, mixed_precision=mixed, grad_scaling=not args.cpu)
                 for v in VARIANTS}
    optimizers = {v: pipelines[v].resume_training() for v in VARIANTS}
    infer = make_texts(max(2, args.infer_words // length), length, seed=3)
    train = make_texts(max(2, args.train_words // length), length, seed=4)
    for v in VARIANTS:  # warm-up: kernels, allocator, autotuning
        list(pipelines[v].pipe(infer[:32], batch_size=32))
        pipelines[v].update(tagger_examples(pipelines[v], train[:32]), sgd=optimizers[v])
    memory = {v: {"inference": gpu_memory(lambda v=v: list(pipelines[v].pipe(infer, batch_size=32))),
                  "training": gpu_memory(lambda v=v: pipelines[v].update(tagger_examples(pipelines[v], train[:32]),
                                                                         sgd=optimizers[v]))}
              for v in VARIANTS}
    timing = {v: {"inference": [], "training": []} for v in VARIANTS}
    for round_i in range(args.rounds):
        for batch_i, batch in enumerate(batches(infer)):
            for v in rotated(VARIANTS, round_i + batch_i):
                timing[v]["inference"].append(seconds(lambda v=v: list(pipelines[v].pipe(batch, batch_size=32))))
        for batch_i, batch in enumerate(batches(train)):
            for v in rotated(VARIANTS, round_i + batch_i):
                egs = tagger_examples(pipelines[v], batch)
                timing[v]["training"].append(seconds(lambda v=v: pipelines[v].update(egs, sgd=optimizers[v])))
    pipelines.clear()  # free the five pipelines before the next precision builds its own
    optimizers.clear()
    gc.collect()
    totals = {v: {kind: sum(values) for kind, values in kinds.items()} for v, kinds in timing.items()}
    return {
        "seconds": totals,
        # Time ratios X/A (a cost: above 1 is slower), on the same words.
        "inference_time_ratio": {v: totals[v]["inference"] / totals["A"]["inference"] for v in VARIANTS[1:]},
        "train_time_ratio": {v: totals[v]["training"] / totals["A"]["training"] for v in VARIANTS[1:]},
        "peak_memory_bytes": memory,
        "memory_ratio": {v: {kind: memory[v][kind] / memory["A"][kind] if memory["A"][kind] else None
                             for kind in ("inference", "training")} for v in VARIANTS[1:]},
    }


def learnable_examples(nlp, n: int, length: int, seed: int):
    """Tagging examples whose tag is a function of the word, so that the loss can fall."""
    rng = random.Random(seed)
    tag_of = {word: TAGS[i % len(TAGS)] for i, word in enumerate(sorted(set(WORDS)))}
    texts = [[rng.choice(WORDS) for _ in range(length)] for _ in range(n)]
    from spacy.training import Example

    return [Example.from_dict(nlp.make_doc(" ".join(words)), {"tags": [tag_of[w] for w in words]}) for words in texts]


def all_finite(nlp) -> bool:
    """Whether every weight of the pipeline (thinc params and the encoder's) is finite."""
    import torch

    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is None:
            continue
        for node in model.walk():
            for name in node.param_names:
                if node.has_param(name) and not bool(node.ops.xp.isfinite(node.get_param(name)).all()):
                    return False
    encoder = nlp.get_pipe("transformer").model.transformer
    return all(bool(torch.isfinite(p).all()) for p in encoder.parameters())


def train_steps(model_path: Path, args: argparse.Namespace) -> Dict:
    """Train B (DLFA) with mixed precision for args.steps updates; the loss must fall and stay finite."""
    from thinc.api import Adam

    nlp = build_pipeline("B", model_path, args.layer, mixed_precision=True, grad_scaling=not args.cpu)
    examples = learnable_examples(nlp, 64, 16, seed=11)
    optimizer = Adam(args.learn_rate)
    losses: List[float] = []
    for step in range(args.steps):
        batch = [examples[(step * 16 + i) % len(examples)] for i in range(16)]
        step_losses: Dict[str, float] = {}
        nlp.update(batch, sgd=optimizer, drop=0.1, losses=step_losses)
        losses.append(float(step_losses["tagger"]))
    window = max(1, min(20, args.steps // 4))
    first, last = statistics.mean(losses[:window]), statistics.mean(losses[-window:])
    finite = all(math.isfinite(x) for x in losses) and all_finite(nlp)
    return {"steps": args.steps, "loss_first": first, "loss_last": last, "losses": losses,
            "loss_falls": last < 0.5 * first, "finite": finite, "ok": finite and last < 0.5 * first}


def device_name(cpu: bool) -> str:
    import torch

    if cpu or not torch.cuda.is_available():
        return "cpu"
    return torch.cuda.get_device_name(0)


def log(message: str) -> None:
    print(f"gpu_check [{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(args: argparse.Namespace) -> Dict:
    """Each stage in turn, the JSON rewritten after each, so that a run cut short keeps what it measured."""
    import torch

    if not args.cpu:
        if not torch.cuda.is_available():
            raise SystemExit("gpu_check: no CUDA device (use --cpu for the CPU path)")
        from thinc.api import require_gpu

        require_gpu(0)
    lengths = [args.length] + ([args.long_length] if args.long_length else [])
    result: Dict = {"device": device_name(args.cpu), "torch": torch.__version__, "torch_before_install": args.torch_before,
                    "cuda": torch.version.cuda, "pytest_gpu_status": args.pytest_status, "variants": DESCRIPTIONS,
                    "tiny": args.tiny, "length": args.length, "lengths": lengths, "rounds": args.rounds,
                    "complete": False}
    with tempfile.TemporaryDirectory() as tmp:
        model_path = build_encoder(Path(tmp) / "encoder", args.tiny)
        # The pass/fail check first: it matters most if the run is cut short.
        log(f"training B with mixed precision for {args.steps} steps")
        result["training"] = train_steps(model_path, args)
        write_json(args.json, result)
        result["by_length"] = {}
        for length in lengths:
            result["by_length"][str(length)] = {}
            for name, mixed in PRECISIONS.items():
                log(f"timing A-E, {name}, {length} words per doc")
                result["by_length"][str(length)][name] = measure_precision(model_path, mixed, length, args)
                write_json(args.json, result)
    # The first length's figures under "precision", as before.
    result["precision"] = result["by_length"][str(args.length)]
    result["ok"] = result["training"]["ok"] and args.pytest_status in (None, 0)
    result["complete"] = True
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, required=True, help="where to write the results")
    parser.add_argument("--cpu", action="store_true", help="run on CPU (a dry run of the GPU path)")
    parser.add_argument("--tiny", action="store_true", help="a 12-layer width-32 encoder instead of mBERT's size")
    parser.add_argument("--layer", type=int, default=8)
    parser.add_argument("--length", type=int, default=64, help="words per doc")
    parser.add_argument("--long-length", type=int, default=256, help="words per doc of a second timing (0: none)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--infer-words", type=int, default=8192)
    parser.add_argument("--train-words", type=int, default=4096)
    parser.add_argument("--steps", type=int, default=200, help="training steps of the mixed-precision check")
    parser.add_argument("--learn-rate", type=float, default=1e-4)
    parser.add_argument("--pytest-status", type=int, default=None, help="(from gpu_check.sh) exit status of pytest -m gpu")
    parser.add_argument("--torch-before", default=None, help="(from gpu_check.sh) torch's version before the install")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    result = run(args)
    write_json(args.json, result)
    summary = {k: result[k] for k in ("device", "ok")}
    summary["training"] = {k: result["training"][k] for k in ("loss_first", "loss_last", "finite")}
    print(json.dumps(summary, indent=2))
    if not result["ok"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

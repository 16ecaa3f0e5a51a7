"""What DLFA costs over a stock spacy-transformers pipeline: speed, memory and doc data.

    python bench/fusion_overhead.py --json bench/results.json
    python bench/fusion_overhead.py --json bench/results.json --lengths 64 256 --main-length 64

Builds locally a randomly initialised encoder with the exact bert-base-multilingual-cased
dimensions (no download) and compares, on the same docs and alternating over rounds:

    A  stock: spacy-transformers.TransformerModel.v3 + TransformerListener.v1 + tagger
    B  DLFA:  dlfa_spacy.TransformerModel.v1 + dlfa_spacy.DLFA.v1 (layer 8) + tagger
    C  naive: stock model with output_hidden_states = true + TransformerListener.v1 + tagger
    D  auto:  dlfa_spacy.TransformerModel.v1 + dlfa_spacy.DLFA.v1 (layer "auto": a learned
              mix of layers 1..11) + tagger
    E  scalar mix: dlfa_spacy.TransformerModel.v1 + dlfa_spacy.ScalarMix.v1 (softmax weights
              and a scale over every hidden state, the embeddings included) + tagger

Speed is words per second (inference with nlp.pipe, batch 32; training with nlp.update).
Variants are interleaved batch by batch (update by update when training) in a rotating order.
Every speed ratio X/A is taken per round (X and A measured in the same round, interleaved)
and reported as the median, min and max over rounds; the words/s of each variant are the
median over rounds. trf_data bytes are deterministic, so their ratio is one number.
Peak memory is the peak RSS (VmHWM) while a fresh process runs inference with the pipeline,
measured after loading: a process's peak only ever grows, so the variants cannot share one.
It is one measurement per variant and length (no rounds, no spread).

The JSON (--json):

    inference_ratio, train_ratio      B/A at --main-length: {"median", "min", "max"} over rounds
                                      (train_ratio is null with --train-words 0)
    trf_data_ratio                    B/A bytes doc._.trf_data keeps per doc (a number)
    rss_ratio, rss_growth_ratio       B/A peak RSS, and B/A of (peak - loaded) (numbers; null
                                      with --skip-memory)
    naive, auto, scalar_mix           the same five keys for C/A, D/A and E/A
    ratios_by_length[length][X]       the same five keys for X in B..E at every --lengths
                                      (the rss keys are null where memory was not measured)
    by_length[length][X]              for X in A..E: median inference/training words/s, trf_data
                                      bytes per doc, and the per-round words/s they come from
    peak_rss_bytes[length][X]         {"loaded", "peak"} at --main-length and max(--lengths)
    rounds, lengths, main_length, encoder, threads, variants
"""
import argparse
import gc
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import spacy
from spacy.training import Example
from thinc.api import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import median_ratio, rotated, single_thread  # noqa: E402

VARIANTS = ("A", "B", "C", "D", "E")
# The JSON key of each rival's headline ratios (B's are at the top level, for compatibility).
RATIO_KEYS = {"C": "naive", "D": "auto", "E": "scalar_mix"}
DESCRIPTIONS = {
    "A": "stock: spacy-transformers.TransformerModel.v3 + TransformerListener.v1",
    "B": "DLFA: dlfa_spacy.TransformerModel.v1 + dlfa_spacy.DLFA.v1 (layer --layer)",
    "C": "naive: stock model with output_hidden_states = true + TransformerListener.v1",
    "D": 'auto: dlfa_spacy.TransformerModel.v1 + dlfa_spacy.DLFA.v1 (layer = "auto")',
    "E": "scalar mix: dlfa_spacy.TransformerModel.v1 + dlfa_spacy.ScalarMix.v1",
}
# Our own encoder (it keeps the layers a listener asks for) vs spacy-transformers' stock one.
DLFA_MODEL = "BDE"
WORDS = (
    "Anna lives in Berlin and works for Siemens in Hamburg . Иван живёт в Москве и работает "
    "в Газпроме . 北京 是 中国 的 首都 . The company opened an office in Madrid last year , "
    "said Maria Lopez , who visited Paris with Peter . Die Katze schläft auf dem Sofa ."
).split()
TAGS = ["NOUN", "VERB", "PROPN", "ADP", "PUNCT"]


def config_text(variant: str, model_path: Path, layer: int, mixed_precision: bool = False,
                grad_scaling: bool = True, whole_docs: bool = False, max_length: Optional[int] = None) -> str:
    """The pipeline config of one variant (same encoder, same tagger head).

    whole_docs: the packaged pipelines' spans (the whole doc, cut where it does not fit) instead of
    strided windows; max_length: the tokenizer's model_max_length, if not the encoder's.
    """
    arch = "dlfa_spacy.TransformerModel.v1" if variant in DLFA_MODEL else "spacy-transformers.TransformerModel.v3"
    trf_config = '{"output_hidden_states": true}' if variant == "C" else "{}"
    if variant == "E":
        tok2vec = '@architectures = "dlfa_spacy.ScalarMix.v1"'
    elif variant in "BD":
        setting = '"auto"' if variant == "D" else layer
        tok2vec = f'@architectures = "dlfa_spacy.DLFA.v1"\nlayer = {setting}'
    else:
        tok2vec = ('@architectures = "spacy-transformers.TransformerListener.v1"\n'
                   "[components.tagger.model.tok2vec.pooling]\n@layers = \"reduce_mean.v1\"")
    tokenizer_config = '{"use_fast": true' + (f', "model_max_length": {max_length}' if max_length else "") + "}"
    spans = ('@span_getters = "spacy-transformers.doc_spans.v1"' if whole_docs else
             '@span_getters = "spacy-transformers.strided_spans.v1"\nwindow = 128\nstride = 96')
    return f"""
[nlp]
lang = "xx"
pipeline = ["transformer", "tagger"]
batch_size = 32
[components]
[components.transformer]
factory = "transformer"
max_batch_items = 4096
[components.transformer.model]
@architectures = "{arch}"
name = "{model_path}"
tokenizer_config = {tokenizer_config}
transformer_config = {trf_config}
mixed_precision = {str(mixed_precision).lower()}
grad_scaler_config = {{"enabled": {str(mixed_precision and grad_scaling).lower()}}}
[components.transformer.model.get_spans]
{spans}
[components.tagger]
factory = "tagger"
[components.tagger.model]
@architectures = "spacy.Tagger.v2"
[components.tagger.model.tok2vec]
{tok2vec}
"""


def make_texts(n_docs: int, length: int, seed: int) -> List[str]:
    """Synthetic multilingual texts of exactly `length` whitespace-separated words."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(length)) for _ in range(n_docs)]


def build_pipeline(variant: str, model_path: Path, layer: int, mixed_precision: bool = False,
                   grad_scaling: bool = True):
    """Create and initialise one variant's pipeline."""
    import dlfa_spacy  # noqa: F401  (registers the architectures)

    config = Config().from_str(config_text(variant, model_path, layer, mixed_precision, grad_scaling))
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    texts = make_texts(4, 8, seed=1)
    egs = [Example.from_dict(nlp.make_doc(t), {"tags": [TAGS[i % 5] for i in range(8)]}) for t in texts]
    nlp.initialize(lambda: egs)
    return nlp


def trf_data_bytes(doc) -> int:
    """Bytes of the arrays doc._.trf_data keeps after the pipeline has run."""
    total = 0
    for value in doc._.trf_data.model_output.values():
        arrays = value if isinstance(value, (list, tuple)) else [value]
        total += sum(int(a.nbytes) for a in arrays)
    return total


def batches(texts: List[str], size: int = 32) -> List[List[str]]:
    return [texts[i : i + size] for i in range(0, len(texts), size)]


def measure_inference(pipelines: Dict, texts: List[str], rounds: int) -> Dict[str, Dict[str, List[float]]]:
    """Words/s (wall), CPU seconds of this thread, and trf_data bytes per doc, per round; variants interleaved batch by batch."""
    out = {v: {"words_per_s": [], "cpu_seconds": [], "trf_data": []} for v in VARIANTS}
    for round_i in range(rounds):
        seconds = {v: 0.0 for v in VARIANTS}
        cpu = {v: 0.0 for v in VARIANTS}
        words = {v: 0 for v in VARIANTS}
        data = {v: [] for v in VARIANTS}
        for batch_i, batch in enumerate(batches(texts)):
            for v in rotated(VARIANTS, round_i + batch_i):
                start, start_cpu = time.perf_counter(), time.thread_time()
                docs = list(pipelines[v].pipe(batch, batch_size=32))
                cpu[v] += time.thread_time() - start_cpu
                seconds[v] += time.perf_counter() - start
                words[v] += sum(len(d) for d in docs)
                data[v].extend(trf_data_bytes(d) for d in docs)
        for v in VARIANTS:
            out[v]["words_per_s"].append(words[v] / seconds[v])
            out[v]["cpu_seconds"].append(cpu[v])
            out[v]["trf_data"].append(sum(data[v]) / len(data[v]))
    return out


def measure_training(pipelines: Dict, optimizers: Dict, texts: List[str], rounds: int) -> Dict[str, Dict[str, List[float]]]:
    """Training words/s (wall) and CPU seconds of this thread per round; variants interleaved update by update."""
    out = {v: {"words_per_s": [], "cpu_seconds": []} for v in VARIANTS}
    for round_i in range(rounds):
        seconds = {v: 0.0 for v in VARIANTS}
        cpu = {v: 0.0 for v in VARIANTS}
        words = {v: 0 for v in VARIANTS}
        for batch_i, batch in enumerate(batches(texts)):
            for v in rotated(VARIANTS, round_i + batch_i):
                wall, cpu_s = time_update(pipelines[v], batch, optimizers[v])
                seconds[v] += wall
                cpu[v] += cpu_s
                words[v] += sum(len(t.split()) for t in batch)
        for v in VARIANTS:
            out[v]["words_per_s"].append(words[v] / seconds[v])
            out[v]["cpu_seconds"].append(cpu[v])
    return out


def tagger_examples(nlp, texts: List[str]) -> List[Example]:
    docs = [nlp.make_doc(t) for t in texts]
    return [Example.from_dict(d, {"tags": [TAGS[i % 5] for i in range(len(d))]}) for d in docs]


def time_update(nlp, texts: List[str], optimizer) -> Tuple[float, float]:
    """(wall seconds, CPU seconds of this thread) for one nlp.update on the texts (tagger examples)."""
    egs = tagger_examples(nlp, texts)
    start, start_cpu = time.perf_counter(), time.thread_time()
    nlp.update(egs, sgd=optimizer, drop=0.1)
    return time.perf_counter() - start, time.thread_time() - start_cpu


def flops_per_word(nlp, texts: List[str], optimizer) -> Dict[str, float]:
    """torch's count of floating-point operations per word: one inference pass and one update over the texts."""
    from torch.utils.flop_counter import FlopCounterMode

    words = sum(len(t.split()) for t in texts)
    with FlopCounterMode(display=False) as counter:
        list(nlp.pipe(texts, batch_size=32))
    inference = counter.get_total_flops()
    with FlopCounterMode(display=False) as counter:
        nlp.update(tagger_examples(nlp, texts), sgd=optimizer, drop=0.0)
    return {"inference": inference / words, "training": counter.get_total_flops() / words}


def analytic_aif_share(reduction: int, n_layers: int) -> float:
    """AIF's multiply-adds over the encoder's, per token: 2 E^2/r (the local branch) against about 12 L E^2."""
    return 2 / (reduction * 12 * n_layers)


def _status_bytes(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _peak_rss_child(variant: str, model_path: str, layer: int, texts: List[str], queue) -> None:
    nlp = build_pipeline(variant, Path(model_path), layer)
    loaded = _status_bytes("VmRSS")
    # Forget the peak of loading the weights (same for every variant): from here on VmHWM
    # is the peak while the pipeline runs.
    Path("/proc/self/clear_refs").write_text("5")
    for _ in nlp.pipe(texts, batch_size=32):
        pass
    queue.put({"loaded": loaded, "peak": _status_bytes("VmHWM")})


def peak_rss(variant: str, model_path: Path, layer: int, texts: List[str]) -> Dict[str, int]:
    """RSS after loading and peak RSS while running inference, in a fresh process."""
    # A fresh process each: a process's peak only grows, and the variants differ in it.
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_peak_rss_child, args=(variant, str(model_path), layer, texts, queue))
    proc.start()
    value = queue.get()
    proc.join()
    return value


def build_encoder(path: Path, tiny: bool) -> Path:
    from dlfa_spacy.testing.localmodel import build_local_bert, build_mbert_sized

    texts = [" ".join(WORDS)] + make_texts(200, 12, seed=0)
    if tiny:
        return build_local_bert(path, texts, vocab_size=500, num_layers=12, width=32, heads=2)
    return build_mbert_sized(path, texts)


def run(args: argparse.Namespace, partial: Optional[Path] = None) -> Dict:
    """Run the whole benchmark and return the results dict (each length's speeds to `partial` as it ends)."""
    torch_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        model_path = build_encoder(Path(tmp) / "encoder", args.tiny)
        params = count_parameters(model_path)
        pipelines = {v: build_pipeline(v, model_path, args.layer) for v in VARIANTS}
        optimizers = {v: pipelines[v].resume_training() for v in VARIANTS}
        warm = make_texts(32, 32, seed=99)
        for v in VARIANTS:
            # One untimed pass each: first calls pay for lazy allocations and caches.
            list(pipelines[v].pipe(warm))
            time_update(pipelines[v], warm, optimizers[v])
        flop_texts = make_texts(8, args.main_length, seed=5)
        flops = {v: flops_per_word(pipelines[v], flop_texts, optimizers[v]) for v in VARIANTS}
        by_length: Dict[str, Dict] = {}
        for length in args.lengths:
            infer_texts = make_texts(max(2, args.infer_words // length), length, seed=length)
            train_texts = make_texts(max(2, args.train_words // length), length, seed=length + 1)
            inference = measure_inference(pipelines, infer_texts, args.rounds)
            training = measure_training(pipelines, optimizers, train_texts, args.rounds) if args.train_words else {}
            by_length[str(length)] = summarise(inference, training)
            print_table(length, by_length[str(length)], speed_ratios(by_length[str(length)]), file=sys.stderr)
            if partial:
                # A long run on a shared machine can be killed: keep the lengths measured so far.
                write_json(partial, {"by_length": by_length, "rounds": args.rounds, "complete": False})
        # Five 178M-parameter pipelines with their Adam states hold ~17 GB: free them before
        # the peak-RSS processes load theirs (their figures do not depend on it).
        del pipelines, optimizers
        gc.collect()
        memory: Dict[str, Dict] = {}
        if not args.skip_memory:
            for length in sorted({args.main_length, max(args.lengths)}):
                texts = make_texts(max(2, args.infer_words // length), length, seed=7)
                memory[str(length)] = {v: peak_rss(v, model_path, args.layer, texts) for v in VARIANTS}
    by_ratio = {length: ratios(stats, memory.get(length, {})) for length, stats in by_length.items()}
    for v in VARIANTS[1:]:
        for stats in by_ratio.values():
            stats[v]["flops_ratio"] = {kind: flops[v][kind] / flops["A"][kind] for kind in ("inference", "training")}
    main = by_ratio[str(args.main_length)]
    result: Dict = {**main["B"], **{key: main[v] for v, key in RATIO_KEYS.items()}}
    result.update({
        "flops_per_word": flops,
        "analytic_aif_share": analytic_aif_share(4, 12),
        "ratios_by_length": by_ratio,
        "by_length": by_length,
        "rounds": args.rounds,
        "lengths": list(args.lengths),
        "main_length": args.main_length,
        "encoder": {"parameters": params, "tiny": args.tiny, "layer": args.layer},
        "peak_rss_bytes": memory,  # by doc length: RSS after loading, peak while running
        "threads": args.threads,
        "variants": DESCRIPTIONS,
    })
    return result


def summarise(inference: Dict, training: Dict) -> Dict[str, Dict]:
    """Per variant: the median over rounds of each measure, and the per-round figures."""
    return {
        v: {
            "inference_words_per_s": statistics.median(inference[v]["words_per_s"]),
            "training_words_per_s": statistics.median(training[v]["words_per_s"]) if training else None,
            "trf_data_bytes_per_doc": statistics.median(inference[v]["trf_data"]),
            "inference_words_per_s_rounds": list(inference[v]["words_per_s"]),
            "training_words_per_s_rounds": list(training[v]["words_per_s"]) if training else None,
            "inference_cpu_seconds_rounds": list(inference[v]["cpu_seconds"]),
            "training_cpu_seconds_rounds": list(training[v]["cpu_seconds"]) if training else None,
        }
        for v in VARIANTS
    }


def spread(values: List[float]) -> Dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def round_ratios(stats: Dict[str, Dict], variant: str, key: str) -> Optional[Dict[str, float]]:
    """X/A of words/s taken round by round (both measured in the same round), as median, min, max."""
    a, x = stats["A"][key + "_rounds"], stats[variant][key + "_rounds"]
    if not a or not x:
        return None
    return spread([xi / ai for xi, ai in zip(x, a)])


def speed_ratios(stats: Dict[str, Dict]) -> Dict[str, Dict[str, Optional[Dict[str, float]]]]:
    """{variant: {"inference_ratio": spread, "train_ratio": spread}} for B..E."""
    return {
        v: {
            "inference_ratio": round_ratios(stats, v, "inference_words_per_s"),
            "train_ratio": round_ratios(stats, v, "training_words_per_s"),
        }
        for v in VARIANTS[1:]
    }


def ratios(stats: Dict[str, Dict], memory: Dict[str, Dict[str, int]]) -> Dict[str, Dict]:
    """{variant: ratios against A} for B..E at one document length."""

    def rss(variant: str):
        return memory[variant]["peak"] / memory["A"]["peak"] if memory else None

    def growth(variant: str):
        # What running the pipeline adds on top of the loaded weights.
        extra = {v: memory[v]["peak"] - memory[v]["loaded"] for v in ("A", variant)} if memory else {}
        return extra[variant] / extra["A"] if memory and extra["A"] > 0 else None

    speed = speed_ratios(stats)
    a_data = stats["A"]["trf_data_bytes_per_doc"]

    def cpu(variant: str, kind: str) -> Optional[Dict[str, float]]:
        # X/A of CPU seconds on the same words (a cost: above 1 is slower), with a bootstrap interval.
        a, x = stats["A"][f"{kind}_cpu_seconds_rounds"], stats[variant][f"{kind}_cpu_seconds_rounds"]
        return median_ratio(x, a) if a and x else None

    return {
        v: {
            **speed[v],
            "cpu_time_ratio": cpu(v, "inference"),
            "train_cpu_time_ratio": cpu(v, "training"),
            # Deterministic: the same docs give the same arrays in every round.
            "trf_data_ratio": stats[v]["trf_data_bytes_per_doc"] / a_data if a_data else None,
            "rss_ratio": rss(v),
            "rss_growth_ratio": growth(v),
        }
        for v in VARIANTS[1:]
    }


def _spread_text(value: Optional[Dict[str, float]]) -> str:
    return f"{value['median']:.3f} ({value['min']:.3f}-{value['max']:.3f})" if value else "-"


def print_table(length: int, stats: Dict[str, Dict], speed: Dict[str, Dict], file=sys.stdout) -> None:
    """Medians per variant, and X/A per round as median (min-max)."""
    print(f"\ndocs of {length} words (X/A: median (min-max) over rounds)", file=file)
    print(f"{'':3}{'infer w/s':>12}{'train w/s':>12}{'trf_data B/doc':>16}{'infer /A':>24}{'train /A':>24}"
          f"{'data /A':>9}", file=file)
    a = stats["A"]
    for v in VARIANTS:
        s = stats[v]
        train = s["training_words_per_s"]
        infer_r = _spread_text(speed[v]["inference_ratio"]) if v != "A" else ""
        train_r = _spread_text(speed[v]["train_ratio"]) if v != "A" else ""
        print(f"{v:3}{s['inference_words_per_s']:12.1f}{(train or 0):12.1f}{s['trf_data_bytes_per_doc']:16.0f}"
              f"{infer_r:>24}{train_r:>24}"
              f"{s['trf_data_bytes_per_doc'] / a['trf_data_bytes_per_doc']:9.2f}", file=file)


def write_json(path: Path, data: Dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    tmp.replace(path)


def count_parameters(path: Path) -> int:
    from transformers import AutoModel

    return sum(p.numel() for p in AutoModel.from_pretrained(str(path)).parameters())


def torch_threads(n: int) -> None:
    import torch

    if n == 1:
        single_thread()
    elif n:
        torch.set_num_threads(n)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, required=True, help="where to write the results")
    parser.add_argument("--rounds", type=int, default=9,
                        help="rounds; each speed ratio is reported as median, min and max over them")
    parser.add_argument("--layer", type=int, default=8)
    parser.add_argument("--lengths", type=int, nargs="+", default=[16, 64, 256, 1000],
                        help="words per doc (a headline-only run: --lengths 64 256 --main-length 64)")
    parser.add_argument("--main-length", type=int, default=64, help="doc length the headline ratios use")
    parser.add_argument("--infer-words", type=int, default=4096, help="words per inference measurement")
    parser.add_argument("--train-words", type=int, default=1024, help="words per training measurement (0: skip)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads; 1 (the default) keeps all work on the measuring thread, as the "
                             "CPU-time ratios need (0: torch's default)")
    parser.add_argument("--tiny", action="store_true", help="a 12-layer width-32 encoder (smoke runs)")
    parser.add_argument("--skip-memory", action="store_true", help="skip the peak-RSS subprocesses")
    args = parser.parse_args(argv)
    if args.main_length not in args.lengths:
        parser.error(f"--main-length {args.main_length} must be one of --lengths {args.lengths}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    partial = args.json.with_suffix(".partial.json")
    result = run(args, partial)
    write_json(args.json, result)
    partial.unlink(missing_ok=True)
    keys = ("inference_ratio", "train_ratio", "cpu_time_ratio", "train_cpu_time_ratio", "flops_ratio",
            "trf_data_ratio", "rss_ratio", "rss_growth_ratio", *RATIO_KEYS.values())
    print(json.dumps({k: result[k] for k in keys}, indent=2))


if __name__ == "__main__":
    main()

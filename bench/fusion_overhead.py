"""What DLFA costs over a stock spacy-transformers pipeline: speed, memory and doc data.

    python bench/fusion_overhead.py --json bench/results.json

Builds locally a randomly initialised encoder with the exact bert-base-multilingual-cased
dimensions (no download) and compares, on the same docs and alternating over rounds:

    A  stock: spacy-transformers.TransformerModel.v3 + TransformerListener.v1 + tagger
    B  DLFA:  dlfa_spacy.TransformerModel.v1 + dlfa_spacy.DLFA.v1 (layer 8) + tagger
    C  naive: stock model with output_hidden_states = true + TransformerListener.v1 + tagger

Speed is words per second (inference with nlp.pipe, batch 32; training with nlp.update).
Peak memory is the peak RSS of a fresh process that loads the pipeline and runs inference,
since a process's peak RSS only ever grows and cannot be split between A, B and C.
"""
import argparse
import json
import multiprocessing
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import spacy
from spacy.training import Example
from thinc.api import Config

VARIANTS = ("A", "B", "C")
WORDS = (
    "Anna lives in Berlin and works for Siemens in Hamburg . Иван живёт в Москве и работает "
    "в Газпроме . 北京 是 中国 的 首都 . The company opened an office in Madrid last year , "
    "said Maria Lopez , who visited Paris with Peter . Die Katze schläft auf dem Sofa ."
).split()
TAGS = ["NOUN", "VERB", "PROPN", "ADP", "PUNCT"]


def config_text(variant: str, model_path: Path, layer: int) -> str:
    """The pipeline config of one variant (same encoder, same tagger head)."""
    arch = "dlfa_spacy.TransformerModel.v1" if variant == "B" else "spacy-transformers.TransformerModel.v3"
    trf_config = '{"output_hidden_states": true}' if variant == "C" else "{}"
    if variant == "B":
        tok2vec = f'@architectures = "dlfa_spacy.DLFA.v1"\nlayer = {layer}'
    else:
        tok2vec = ('@architectures = "spacy-transformers.TransformerListener.v1"\n'
                   "[components.tagger.model.tok2vec.pooling]\n@layers = \"reduce_mean.v1\"")
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
tokenizer_config = {{"use_fast": true}}
transformer_config = {trf_config}
[components.transformer.model.get_spans]
@span_getters = "spacy-transformers.strided_spans.v1"
window = 128
stride = 96
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


def build_pipeline(variant: str, model_path: Path, layer: int):
    """Create and initialise one variant's pipeline."""
    import dlfa_spacy  # noqa: F401  (registers the architectures)

    nlp = spacy.util.load_model_from_config(Config().from_str(config_text(variant, model_path, layer)),
                                            auto_fill=True, validate=True)
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


def time_inference(nlp, texts: List[str]) -> Dict[str, float]:
    start = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=32))
    seconds = time.perf_counter() - start
    words = sum(len(d) for d in docs)
    return {"words_per_s": words / seconds,
            "trf_data_bytes_per_doc": sum(trf_data_bytes(d) for d in docs) / len(docs)}


def time_training(nlp, texts: List[str], optimizer) -> float:
    docs = [nlp.make_doc(t) for t in texts]
    egs = [Example.from_dict(d, {"tags": [TAGS[i % 5] for i in range(len(d))]}) for d in docs]
    start = time.perf_counter()
    for i in range(0, len(egs), 32):
        nlp.update(egs[i : i + 32], sgd=optimizer, drop=0.1)
    return sum(len(d) for d in docs) / (time.perf_counter() - start)


def _peak_rss_child(variant: str, model_path: str, layer: int, texts: List[str], queue) -> None:
    nlp = build_pipeline(variant, Path(model_path), layer)
    for _ in nlp.pipe(texts, batch_size=32):
        pass
    queue.put(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)


def peak_rss(variant: str, model_path: Path, layer: int, texts: List[str]) -> int:
    """Peak RSS in bytes of a fresh process that builds the pipeline and runs inference."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_peak_rss_child, args=(variant, str(model_path), layer, texts, queue))
    proc.start()
    value = queue.get()
    proc.join()
    return int(value)


def build_encoder(path: Path, tiny: bool) -> Path:
    from dlfa_spacy.localmodel import build_local_bert, build_mbert_sized

    texts = [" ".join(WORDS)] + make_texts(200, 12, seed=0)
    if tiny:
        return build_local_bert(path, texts, vocab_size=500, num_layers=12, width=32, heads=2)
    return build_mbert_sized(path, texts)


def run(args: argparse.Namespace) -> Dict:
    """Run the whole benchmark and return the results dict."""
    torch_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        model_path = build_encoder(Path(tmp) / "encoder", args.tiny)
        params = count_parameters(model_path)
        pipelines = {v: build_pipeline(v, model_path, args.layer) for v in VARIANTS}
        optimizers = {v: pipelines[v].resume_training() for v in VARIANTS}
        warm = make_texts(8, 32, seed=99)
        for v in VARIANTS:
            # One untimed pass each: first calls pay for lazy allocations and caches.
            list(pipelines[v].pipe(warm))
            time_training(pipelines[v], warm, optimizers[v])
        by_length: Dict[str, Dict] = {}
        for length in args.lengths:
            n_infer = max(2, args.infer_words // length)
            n_train = max(2, args.train_words // length)
            infer_texts = make_texts(n_infer, length, seed=length)
            train_texts = make_texts(n_train, length, seed=length + 1)
            samples: Dict[str, Dict[str, List[float]]] = {
                v: {"inference": [], "training": [], "trf_data": []} for v in VARIANTS}
            for round_i in range(args.rounds):
                # Rotate the order so that no variant always runs first (warm caches).
                order = VARIANTS[round_i % 3:] + VARIANTS[: round_i % 3]
                for v in order:
                    inf = time_inference(pipelines[v], infer_texts)
                    samples[v]["inference"].append(inf["words_per_s"])
                    samples[v]["trf_data"].append(inf["trf_data_bytes_per_doc"])
                    if args.train_words:
                        samples[v]["training"].append(time_training(pipelines[v], train_texts, optimizers[v]))
            by_length[str(length)] = summarise(samples)
            print_table(length, by_length[str(length)], file=sys.stderr)
        main = str(args.main_length)
        memory = {}
        if not args.skip_memory:
            texts = make_texts(max(2, args.infer_words // args.main_length), args.main_length, seed=7)
            memory = {v: peak_rss(v, model_path, args.layer, texts) for v in VARIANTS}
    result = ratios(by_length[main], memory)
    result.update({
        "by_length": by_length,
        "rounds": args.rounds,
        "main_length": args.main_length,
        "encoder": {"parameters": params, "tiny": args.tiny, "layer": args.layer},
        "peak_rss_bytes": memory,
        "threads": args.threads,
    })
    return result


def summarise(samples: Dict[str, Dict[str, List[float]]]) -> Dict[str, Dict[str, float]]:
    """Median over rounds of each measure, per variant."""
    out = {}
    for v, measures in samples.items():
        out[v] = {
            "inference_words_per_s": statistics.median(measures["inference"]),
            "training_words_per_s": statistics.median(measures["training"]) if measures["training"] else None,
            "trf_data_bytes_per_doc": statistics.median(measures["trf_data"]),
        }
    return out


def ratios(stats: Dict[str, Dict[str, float]], memory: Dict[str, int]) -> Dict:
    """B/A (and C/A as `naive`) ratios of the main document length."""

    def ratio(variant: str, key: str):
        a, x = stats["A"][key], stats[variant][key]
        return None if not a or x is None else x / a

    def rss(variant: str):
        return memory[variant] / memory["A"] if memory else None

    return {
        "inference_ratio": ratio("B", "inference_words_per_s"),
        "train_ratio": ratio("B", "training_words_per_s"),
        "trf_data_ratio": ratio("B", "trf_data_bytes_per_doc"),
        "rss_ratio": rss("B"),
        "naive": {
            "inference_ratio": ratio("C", "inference_words_per_s"),
            "train_ratio": ratio("C", "training_words_per_s"),
            "trf_data_ratio": ratio("C", "trf_data_bytes_per_doc"),
            "rss_ratio": rss("C"),
        },
    }


def print_table(length: int, stats: Dict[str, Dict[str, float]], file=sys.stdout) -> None:
    print(f"\ndocs of {length} words", file=file)
    print(f"{'':3}{'infer w/s':>12}{'train w/s':>12}{'trf_data B/doc':>16}{'infer /A':>10}{'train /A':>10}{'data /A':>9}", file=file)
    a = stats["A"]
    for v in VARIANTS:
        s = stats[v]
        train = s["training_words_per_s"]
        print(f"{v:3}{s['inference_words_per_s']:12.1f}{(train or 0):12.1f}{s['trf_data_bytes_per_doc']:16.0f}"
              f"{s['inference_words_per_s'] / a['inference_words_per_s']:10.3f}"
              f"{(train / a['training_words_per_s']) if train else 0:10.3f}"
              f"{s['trf_data_bytes_per_doc'] / a['trf_data_bytes_per_doc']:9.2f}", file=file)


def count_parameters(path: Path) -> int:
    from transformers import AutoModel

    return sum(p.numel() for p in AutoModel.from_pretrained(str(path)).parameters())


def torch_threads(n: int) -> None:
    import torch

    if n:
        torch.set_num_threads(n)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, required=True, help="where to write the results")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--layer", type=int, default=8)
    parser.add_argument("--lengths", type=int, nargs="+", default=[16, 64, 256, 1000])
    parser.add_argument("--main-length", type=int, default=64, help="doc length the headline ratios use")
    parser.add_argument("--infer-words", type=int, default=4096, help="words per inference measurement")
    parser.add_argument("--train-words", type=int, default=1024, help="words per training measurement (0: skip)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--tiny", action="store_true", help="a 12-layer width-32 encoder (smoke runs)")
    parser.add_argument("--skip-memory", action="store_true", help="skip the peak-RSS subprocesses")
    args = parser.parse_args(argv)
    if args.main_length not in args.lengths:
        parser.error(f"--main-length {args.main_length} must be one of --lengths {args.lengths}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    result = run(args)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.json.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2))
    tmp.replace(args.json)
    print(json.dumps({k: result[k] for k in ("inference_ratio", "train_ratio", "trf_data_ratio", "rss_ratio", "naive")}, indent=2))


if __name__ == "__main__":
    main()

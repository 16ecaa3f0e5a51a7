"""What a long document costs per word, against the same sentences as short docs.

    python bench/long_documents.py --json long-docs.json               # mBERT size, 9 rounds
    python bench/long_documents.py --json smoke.json --tiny --rounds 2  # a quick smoke run

A DLFA tagger (`dlfa_spacy.TransformerModel.v1` with doc spans and a 128-wordpiece limit, as
the packaged pipelines have it; `dlfa_spacy.DLFA.v1` at layer 8) labels the same synthetic
sentences twice per round: as short docs, one sentence each, and as long docs of
`--sentences-per-doc` sentences. A long doc exceeds the encoder's limit, so it is encoded as
its sentences (`layers/long_spans.py`). The two are interleaved batch by batch and timed by
the CPU time of the measuring thread with torch at one thread (`timing.py`); the ratio
long/short of CPU seconds per word is taken per round and reported as the median with a 95%
bootstrap interval. Wall-clock figures are kept too, labelled. The bench also counts how
many tags of the long docs equal those of the sentences alone (it should be all).

The JSON: {"cpu_time_ratio": {"median", "ci_low", "ci_high", "half_width", "rounds"},
"wall_time_ratio": {...}, "tag_agreement", "words", "sentences_per_doc", "encoder", "rounds"}.
"""
import argparse
import os
import random
import sys
import tempfile
from pathlib import Path
from typing import Callable, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import interleaved_rounds, median_ratio, single_thread, wall_seconds  # noqa: E402
from fusion_overhead import TAGS, WORDS, build_encoder, write_json  # noqa: E402
from fusion_overhead import config_text as overhead_config  # noqa: E402


def config_text(model_path: Path, layer: int) -> str:
    """A DLFA tagger with the packaged pipelines' spans: the whole doc, cut where it does not fit."""
    return overhead_config("B", model_path, layer, whole_docs=True, max_length=128)


def build_pipeline(model_path: Path, layer: int):
    """The initialised DLFA tagger."""
    import spacy
    from spacy.training import Example
    from thinc.api import Config

    import dlfa_spacy  # noqa: F401  (registers the architectures)

    nlp = spacy.util.load_model_from_config(Config().from_str(config_text(model_path, layer)),
                                            auto_fill=True, validate=True)
    egs = [Example.from_dict(nlp.make_doc(s), {"tags": [TAGS[i % 5] for i in range(len(s.split()))]})
           for s in make_sentences(4, 8, seed=1)]
    nlp.initialize(lambda: egs)
    return nlp


def make_sentences(n: int, length: int, seed: int) -> List[str]:
    """Synthetic sentences of `length` words, the last one a full stop and no other sentence end."""
    from dlfa_spacy.layers.long_spans import SENTENCE_ENDS

    # A full stop inside would make two sentences in a long doc and one short doc alone.
    words = [w for w in WORDS if w not in SENTENCE_ENDS]
    rng = random.Random(seed)
    return [" ".join(rng.choice(words) for _ in range(length - 1)) + " ." for _ in range(n)]


def tag_agreement(nlp, sentences: List[str], per_doc: int) -> float:
    """The share of the long docs' tags that equal the tags of their sentences alone."""
    alone = [t.tag_ for doc in nlp.pipe(sentences, batch_size=32) for t in doc]
    texts = [" ".join(sentences[i:i + per_doc]) for i in range(0, len(sentences), per_doc)]
    together = [t.tag_ for doc in nlp.pipe(texts, batch_size=1) for t in doc]
    if len(alone) != len(together):
        raise RuntimeError(f"{len(together)} tokens in the long docs, {len(alone)} in the sentences")
    return sum(a == b for a, b in zip(alone, together)) / len(alone)


def batches_of_work(nlp, sentences: List[str], per_doc: int) -> Dict[str, List[Callable[[], object]]]:
    """Per long doc, the work of labelling it whole and of labelling its sentences as short docs."""
    work: Dict[str, List[Callable[[], object]]] = {"short": [], "long": []}
    for i in range(0, len(sentences), per_doc):
        chunk = sentences[i:i + per_doc]
        work["short"].append(lambda chunk=chunk: list(nlp.pipe(chunk, batch_size=32)))
        work["long"].append(lambda chunk=chunk: list(nlp.pipe([" ".join(chunk)], batch_size=1)))
    return work


def run(args: argparse.Namespace) -> Dict:
    single_thread()
    with tempfile.TemporaryDirectory() as tmp:
        model_path = build_encoder(Path(tmp) / "encoder", args.tiny)
        nlp = build_pipeline(model_path, args.layer)
        sentences = make_sentences(args.docs * args.sentences_per_doc, args.sentence_length, seed=2)
        agreement = tag_agreement(nlp, sentences, args.sentences_per_doc)
        work = batches_of_work(nlp, sentences, args.sentences_per_doc)
        for batch in work["short"][:1] + work["long"][:1]:
            batch()  # warm-up: the first calls allocate
        cpu = interleaved_rounds(work, args.rounds)
        wall = interleaved_rounds(work, max(1, args.rounds // 3), clock=wall_seconds)
    return {
        # the same words on both sides, so seconds per word compare as seconds
        "cpu_time_ratio": median_ratio(cpu["long"], cpu["short"]),
        "wall_time_ratio": median_ratio(wall["long"], wall["short"]),
        "tag_agreement": agreement,
        "words": len(sentences) * args.sentence_length,
        "sentences_per_doc": args.sentences_per_doc,
        "cpu_seconds": cpu,
        "encoder": "tiny (12 layers, width 32)" if args.tiny else "bert-base-multilingual-cased dimensions, random",
        "rounds": args.rounds,
        "threads": 1,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, required=True, help="where to write the results")
    parser.add_argument("--rounds", type=int, default=9, help="rounds of CPU-time measurement (a third as many wall)")
    parser.add_argument("--layer", type=int, default=8)
    parser.add_argument("--docs", type=int, default=2, help="long docs per round")
    parser.add_argument("--sentences-per-doc", type=int, default=200)
    parser.add_argument("--sentence-length", type=int, default=16, help="words per sentence, the full stop included")
    parser.add_argument("--tiny", action="store_true", help="a 12-layer width-32 encoder (smoke runs)")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    result = run(args)
    write_json(args.json, result)
    summary = {k: result[k] for k in ("cpu_time_ratio", "wall_time_ratio", "tag_agreement")}
    print(summary)


if __name__ == "__main__":
    main()

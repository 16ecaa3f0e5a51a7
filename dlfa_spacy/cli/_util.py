"""Command line: `python -m dlfa_spacy {convert,prepare,evaluate,report,local-bert}` (also `dlfa-spacy`)."""
import argparse
import sys
from pathlib import Path
from typing import List, Optional


def _convert(args: argparse.Namespace) -> None:
    from .corpora import convert_file

    summary = convert_file(
        args.format, args.input, args.output, lang=args.lang, limit=args.limit
    )
    print(summary)


def _prepare(args: argparse.Namespace) -> None:
    from .prepare import prepare_task

    for summary in prepare_task(args.task, args.source, args.output, args.langs,
                                train_treebank=args.train_treebank, limit=args.limit):
        print(summary)


def _evaluate(args: argparse.Namespace) -> None:
    from .evaluation import evaluate_pipeline

    evaluate_pipeline(args.model, args.data_dir, task=args.task, output=args.output, smoke=args.smoke)


def _report(args: argparse.Namespace) -> None:
    from .report import write_report

    path = write_report(args.metrics, args.output)
    print(f"Wrote {path}")


def _local_bert(args: argparse.Namespace) -> None:
    from .localmodel import build_local_bert, read_texts

    texts = read_texts(args.texts)
    path = build_local_bert(
        args.output,
        texts,
        vocab_size=args.vocab_size,
        num_layers=args.layers,
        width=args.width,
        heads=args.heads,
        seed=args.seed,
    )
    print(f"Wrote a randomly initialised BERT to {path}")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser for all subcommands."""
    parser = argparse.ArgumentParser(prog="dlfa-spacy", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("convert", help="convert a benchmark file to a .spacy DocBin")
    p.add_argument("format", choices=["wikiann", "ud", "xnli", "pawsx"])
    p.add_argument("input", type=Path)
    p.add_argument("output", type=Path)
    p.add_argument("--lang", default=None, help="keep only this language (XNLI files hold many)")
    p.add_argument("--limit", type=int, default=None, help="stop after this many docs")
    p.set_defaults(func=_convert)

    p = sub.add_parser("prepare", help="convert a task's distribution to train/dev/test DocBins")
    p.add_argument("task", choices=["ner", "pos", "xnli", "pawsx"])
    p.add_argument("output", type=Path, help="folder for train.spacy, dev.spacy and test/{lang}.spacy")
    p.add_argument("--source", type=Path, nargs="+", required=True,
                   help="the downloaded archives or folders (XNLI: MultiNLI and XNLI)")
    p.add_argument("--langs", nargs="+", required=True, help="test languages")
    p.add_argument("--train-treebank", default="en_ewt", help="UD treebank for train/dev (pos)")
    p.add_argument("--limit", type=int, default=None, help="at most this many training docs")
    p.set_defaults(func=_prepare)

    p = sub.add_parser("evaluate", help="evaluate a pipeline zero-shot on every {lang}.spacy")
    p.add_argument("model", type=str)
    p.add_argument("data_dir", type=Path)
    p.add_argument("--task", required=True, choices=["ner", "pos", "xnli", "pawsx"])
    p.add_argument("--output", required=True, type=Path)
    p.add_argument("--smoke", action="store_true",
                   help="mark the numbers as a smoke run of the machinery, not results")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("report", help="tables and plots from metrics JSON files")
    p.add_argument("metrics", nargs="+", type=Path)
    p.add_argument("--output", required=True, type=Path)
    p.set_defaults(func=_report)

    p = sub.add_parser("local-bert", help="build a randomly initialised BERT locally (no download)")
    p.add_argument("output", type=Path)
    p.add_argument("--texts", nargs="+", type=Path, required=True,
                   help="text or .spacy files to train the WordPiece vocabulary on")
    p.add_argument("--vocab-size", type=int, default=2000)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_local_bert)
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    """Run the command line interface."""
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (ValueError, FileNotFoundError) as err:
        # Bad input is reported as one readable line, not a traceback.
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)

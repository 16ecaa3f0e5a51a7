#!/usr/bin/env python3
"""Generate the bundled offline demo data in its original published formats.

Every sentence here is synthetic: it is built from the small hand-written
templates and word lists in generator/*.json, with a fixed seed, so running the
script again reproduces the committed files byte for byte:

    python scripts/demo_data/generate.py                  # rewrite assets/demo/*
    python scripts/demo_data/generate.py --output /tmp/x  # write elsewhere

Nothing is copied from a real data set; only the file *formats* mirror the
public releases (WikiANN/PAN-X, Universal Dependencies CoNLL-U, MultiNLI 1.0,
XNLI 1.0, PAWS-X, stsb-multi-mt CSV and STS 2017), so that the project's
converters can read them. The "facts" in the sentences (who works where, which
city lies where) are random. See assets/demo/README.md for the layout and the
learnable cues.

This file holds the seed, the sizes and the driver; the code that builds the
sentences of each task is in generator/ (ner.py, pos.py, nli.py, paws.py,
sts.py), next to the word lists it reads.
"""
import argparse
import random
from pathlib import Path

# Run as a script, this directory (scripts/demo_data) is sys.path[0], so the
# generator package next to this file is importable without installing anything.
from generator.ner import ner_file, ner_sentence_text, realize_ner, sample_ner_frame
from generator.nli import mnli_train_file, xnli_file
from generator.paws import paws_file, paws_frames
from generator.pos import conllu_sentence, realize_pos, sample_pos_frame
from generator.sts import sts2017_extended_file, sts2017_track_files, sts_frames, stsb_file

# The data goes to assets/demo/, which holds only data (and its README); this code and
# its word lists are generator inputs, not demo data, so they live here, outside assets/.
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = REPO_ROOT / "assets" / "demo"

SEED = 20240601

# Sizes (the tests in tests/test_demo_assets.py assert these exact numbers).
N_TRAIN = 300  # English training sentences / pairs per task
N_DEV = 60  # English dev sentences / pairs per task
N_TEST = 80  # test sentences / pairs per language (NER, POS, PAWS-X, STS)
NLI_TRAIN_PROMPTS = 100  # x 3 hypotheses = 300 labelled MultiNLI rows
NLI_TRAIN_AMBIGUOUS = 2  # x 3 extra MultiNLI rows with gold_label "-"
NLI_DEV_PROMPTS = 20  # x 3 = 60 XNLI dev rows per language
NLI_TEST_PROMPTS = 30  # x 3 = 90 XNLI test rows per language
STS_CROSS = 60  # pairs per cross-lingual STS 2017 file

TAG_LANGS = ["en", "de", "es", "ru", "zh"]  # NER and POS test languages
PAIR_LANGS = ["en", "de", "es", "ru"]  # XNLI, PAWS-X and stsb languages
# Cross-lingual STS 2017 files: (language of sentence1, of sentence2, track name or "extended").
STS_PAIRS = [("es", "en", "track4a"), ("en", "de", "extended")]


def rng_for(*parts):
    """An independent, reproducible random stream per (task, split)."""
    # Seeding with a str hashes it with SHA-512 (not hash()), so this is stable
    # across runs and Python versions.
    return random.Random(f"{SEED}:" + ":".join(str(p) for p in parts))


def generate():
    """Return {relative path: file content} for every data file."""
    files, corpus = {}, []

    # NER
    ner_splits = [("train", N_TRAIN, ["en"]), ("dev", N_DEV, ["en"]), ("test", N_TEST, TAG_LANGS)]
    for split, n, langs in ner_splits:
        rng = rng_for("ner", split)
        frames = [sample_ner_frame(rng) for _ in range(n)]
        for lang in langs:
            sents = [realize_ner(lang, f) for f in frames]
            files[f"wikiann/{lang}/{split}"] = ner_file(lang, sents)
            corpus += [ner_sentence_text(lang, s) for s in sents]

    # POS
    for split, n, langs in ner_splits:
        rng = rng_for("pos", split)
        frames = [sample_pos_frame(rng) for _ in range(n)]
        for lang in langs:
            lines = []
            for i, frame in enumerate(frames, 1):
                sent_lines, text = conllu_sentence(lang, f"{split}-s{i}", realize_pos(lang, frame))
                lines += sent_lines
                corpus.append(text)
            files[f"ud/{lang}_demo-ud-{split}.conllu"] = "\n".join(lines) + "\n"

    # XNLI
    content, sents = mnli_train_file(rng_for("mnli", "train"), NLI_TRAIN_PROMPTS,
                                     NLI_TRAIN_AMBIGUOUS)
    files["mnli/multinli_1.0_train.txt"] = content
    corpus += sents
    for split, n_prompts in (("dev", NLI_DEV_PROMPTS), ("test", NLI_TEST_PROMPTS)):
        content, sents = xnli_file(rng_for("xnli", split), n_prompts, PAIR_LANGS)
        files[f"xnli/xnli.{split}.tsv"] = content
        corpus += sents

    # PAWS-X
    for split, name, n, langs in (("train", "train.tsv", N_TRAIN, ["en"]),
                                  ("dev", "dev_2k.tsv", N_DEV, ["en"]),
                                  ("test", "test_2k.tsv", N_TEST, PAIR_LANGS)):
        ids, frames = paws_frames(rng_for("pawsx", split), n, numbered=(split == "train"))
        for lang in langs:
            content, sents = paws_file(lang, ids, frames)
            files[f"pawsx/{lang}/{name}"] = content
            corpus += sents

    # STS
    for split, n, langs in (("train", N_TRAIN, ["en"]), ("dev", N_DEV, ["en"]),
                            ("test", N_TEST, PAIR_LANGS)):
        frames = sts_frames(rng_for("sts", split), n)
        for lang in langs:
            content, sents = stsb_file(lang, frames)
            files[f"stsb/stsb-{lang}-{split}.csv"] = content
            corpus += sents
    for lang1, lang2, track in STS_PAIRS:
        pair = f"{lang1}-{lang2}"
        # The two sentences of a pair name the same city or organisation (sts.json).
        frames = sts_frames(rng_for("sts", pair), STS_CROSS, shared=True)
        if track == "extended":
            content, sents = sts2017_extended_file(lang1, lang2, frames)
            files[f"sts2017/STS2017-extended/STS.{pair}.txt"] = content
        else:  # the input and gold zips of SemEval-2017 unzip side by side
            inputs, gold, sents = sts2017_track_files(lang1, lang2, frames)
            files[f"sts2017/STS2017.eval.v1.1/STS.input.{track}.{pair}.txt"] = inputs
            files[f"sts2017/STS2017.gs/STS.gs.{track}.{pair}.txt"] = gold
        corpus += sents

    # Text for a tiny WordPiece vocabulary: every sentence once, in order of first use.
    seen, lines = set(), []
    for sent in corpus:
        if sent not in seen:
            seen.add(sent)
            lines.append(sent)
    files["text/vocab_corpus.txt"] = "\n".join(lines) + "\n"
    return files


def main(argv=None):
    """Write every data file into --output."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="directory to write into (default: assets/demo/ of the repository)")
    args = parser.parse_args(argv)
    files = generate()
    for rel, content in files.items():
        path = args.output / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(content)
    total = sum(len(c.encode("utf-8")) for c in files.values())
    print(f"wrote {len(files)} files ({total} bytes) to {args.output}")


if __name__ == "__main__":
    main()

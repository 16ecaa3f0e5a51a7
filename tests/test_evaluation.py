"""Tests of the zero-shot metrics and of `evaluate_pipeline` on small non-transformer pipelines."""
import json
import math
import random
import warnings
from pathlib import Path
from typing import Dict, List

import pytest
import seqeval.metrics as seqeval_metrics  # a declared test extra: missing fails, not skips
import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.training import Example

from dlfa_spacy.experiments.evaluate import evaluate_pipeline, fusion_layer
from dlfa_spacy.results import variant_name
from dlfa_spacy.metrics import (
    average_scores,
    bio_tags,
    brier_score,
    classification_scores,
    expected_calibration_error,
    negative_log_likelihood,
    ner_scores,
    ner_scores_from_tags,
    pos_accuracy,
    pos_scores,
    reliability_bins,
    tag_entities,
)
from dlfa_spacy.pairs import pair_doc

NLI_LABELS = ["entailment", "neutral", "contradiction"]


def seqeval_prf(gold: List[List[str]], pred: List[List[str]]):
    """seqeval's default-mode micro precision, recall and F1 (its warnings silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return (
            seqeval_metrics.precision_score(gold, pred),
            seqeval_metrics.recall_score(gold, pred),
            seqeval_metrics.f1_score(gold, pred),
        )


def doc(vocab, words: List[str], **kwargs) -> Doc:
    """A doc with the given words (and ents / pos / tags / cats annotations)."""
    cats = kwargs.pop("cats", None)
    d = Doc(vocab, words=words, **kwargs)
    if cats is not None:
        d.cats = cats
    return d


# ------------------------------------------------------------------ NER -------


def test_bio_tags_from_ents():
    vocab = spacy.blank("en").vocab
    d = doc(vocab, ["Anna", "Maria", "lives", "in", "Berlin"], ents=["B-PER", "I-PER", "O", "O", "B-LOC"])
    assert bio_tags(d) == ["B-PER", "I-PER", "O", "O", "B-LOC"]
    assert bio_tags(doc(vocab, [])) == []


def test_ner_scores_hand_computed():
    vocab = spacy.blank("en").vocab
    words = [["Anna", "lives", "in", "Berlin"], ["Bob", "met", "Carl", "Smith"], ["It", "rained"]]
    gold = [
        doc(vocab, words[0], ents=["B-PER", "O", "O", "B-LOC"]),
        doc(vocab, words[1], ents=["B-PER", "O", "B-PER", "I-PER"]),
        doc(vocab, words[2], ents=["O", "O"]),
    ]
    pred = [
        doc(vocab, words[0], ents=["B-PER", "O", "O", "B-ORG"]),  # PER right, ORG wrong
        doc(vocab, words[1], ents=["B-PER", "O", "O", "B-PER"]),  # Bob right, "Smith" wrong span
        doc(vocab, words[2], ents=["B-LOC", "O"]),  # spurious LOC
    ]
    scores = ner_scores(gold, pred)
    # gold: PER x3, LOC x1 = 4; predicted: PER x3, ORG, LOC = 5; correct: Anna, Bob = 2.
    # P = 2/5 = 0.4, R = 2/4 = 0.5, F1 = 2 * 0.4 * 0.5 / 0.9 = 4/9.
    assert scores["precision"] == 0.4
    assert scores["recall"] == 0.5
    assert scores["f1"] == pytest.approx(4 / 9)
    assert (scores["n_entities"], scores["n_predicted"], scores["n_correct"]) == (4, 5, 2)
    assert scores["n_tokens"] == 10
    # PER: 2 of 3 predicted right, 2 of 3 gold found -> P = R = F1 = 2/3.
    assert scores["per_label"]["PER"]["f1"] == pytest.approx(2 / 3)
    assert scores["per_label"]["PER"]["support"] == 3
    # LOC: 1 gold, 1 predicted (elsewhere), none right; ORG: only a false positive.
    assert scores["per_label"]["LOC"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1, "n_predicted": 1}
    assert scores["per_label"]["ORG"]["support"] == 0
    # And the micro scores are seqeval's, to the bit.
    p, r, f = seqeval_prf([bio_tags(d) for d in gold], [bio_tags(d) for d in pred])
    assert (scores["precision"], scores["recall"], scores["f1"]) == (p, r, f)


@pytest.mark.parametrize(
    "gold,pred",
    [
        ([["O", "I-PER", "I-PER", "O"]], [["O", "B-PER", "I-PER", "O"]]),  # I-X without B-X
        ([["O", "I-PER", "I-LOC"]], [["O", "I-PER", "B-LOC"]]),  # type change inside I run
        ([["O", "B-LOC"]], [["O", "B-LOC"]]),  # entity at the end of the sequence
        ([["B-LOC", "I-LOC"], ["I-LOC", "O"]], [["B-LOC", "I-LOC"], ["B-LOC", "O"]]),
        ([[], ["B-PER"], []], [[], ["O"], []]),  # empty docs around a missed entity
        ([[], []], [[], []]),  # only empty docs
        ([["O", "O"], ["O"]], [["O", "O"], ["O"]]),  # no entities at all
        ([["O", "O"]], [["B-PER", "O"]]),  # no gold entities, one predicted
        ([["B-X-Y", "I-X-Y"]], [["B-X-Y", "I-X-Z"]]),  # types containing hyphens
    ],
)
def test_ner_edge_cases_match_seqeval(gold, pred):
    scores = ner_scores_from_tags(gold, pred)
    assert (scores["precision"], scores["recall"], scores["f1"]) == seqeval_prf(gold, pred)


def test_tag_entities_edge_cases():
    assert tag_entities(["O", "I-PER", "I-PER"]) == [("PER", 1, 2)]
    assert tag_entities(["B-PER", "I-LOC"]) == [("PER", 0, 0), ("LOC", 1, 1)]
    assert tag_entities([]) == []
    with pytest.raises(ValueError, match="Not a BIO"):
        tag_entities(["PER"])


def test_ner_f1_equals_seqeval_on_random_sequences():
    from seqeval.metrics.sequence_labeling import (
        get_entities,
        precision_recall_fscore_support,
    )

    rng = random.Random(1234)
    tags = ["O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
    for _ in range(1500):
        gold = [[rng.choice(tags) for _ in range(rng.randint(0, 8))] for _ in range(rng.randint(1, 4))]
        # Predictions: mostly the gold tag, sometimes a random one, so scores spread over [0, 1].
        pred = [[t if rng.random() < 0.6 else rng.choice(tags) for t in seq] for seq in gold]
        scores = ner_scores_from_tags(gold, pred)
        assert (scores["precision"], scores["recall"], scores["f1"]) == seqeval_prf(gold, pred)
        for seq in gold:
            assert tag_entities(seq) == get_entities(seq)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p, r, f, s = precision_recall_fscore_support(gold, pred, average=None)
        # seqeval's per-label arrays follow the sorted labels, like our per_label dict.
        assert [v["f1"] for v in scores["per_label"].values()] == list(f)
        assert [v["support"] for v in scores["per_label"].values()] == list(s)


def test_ner_scores_reject_misaligned_docs():
    vocab = spacy.blank("en").vocab
    with pytest.raises(ValueError, match="2 gold tokens but 3 predicted"):
        ner_scores([doc(vocab, ["a", "b"])], [doc(vocab, ["a", "b", "c"])])


# ------------------------------------------------------------------ POS -------


def test_pos_accuracy_hand_computed():
    vocab = spacy.blank("en").vocab
    words = [["I", "run"], ["Dogs", "bark", "."], ["Hi"]]
    gold = [
        doc(vocab, words[0], pos=["PRON", "VERB"]),
        doc(vocab, words[1], pos=["NOUN", "VERB", "PUNCT"]),
        doc(vocab, words[2], pos=["INTJ"]),
    ]
    # The tagger predicts UPOS into token.tag_.
    pred = [
        doc(vocab, words[0], tags=["PRON", "NOUN"]),  # 1 of 2
        doc(vocab, words[1], tags=["NOUN", "VERB", "PUNCT"]),  # 3 of 3
        doc(vocab, words[2], tags=["X"]),  # 0 of 1
    ]
    # 4 correct of 6 tokens.
    assert pos_accuracy(gold, pred) == {"accuracy": 4 / 6, "n_tokens": 6, "n_correct": 4}


def test_pos_accuracy_skips_tokens_without_gold_pos():
    vocab = spacy.blank("en").vocab
    gold = doc(vocab, ["a", "b"], pos=["DET", "NOUN"])
    gold[1].pos_ = ""
    pred = doc(vocab, ["a", "b"], tags=["DET", "VERB"])
    assert pos_accuracy([gold], [pred]) == {"accuracy": 1.0, "n_tokens": 1, "n_correct": 1}


# ------------------------------------------------------- classification -------


def test_classification_scores_hand_computed():
    gold = ["entailment", "neutral", "contradiction"]
    probs = [
        [0.7, 0.2, 0.1],  # predicts entailment: right, confidence 0.7 (bin 10: (10/15, 11/15])
        [0.5, 0.3, 0.2],  # predicts entailment: wrong, confidence 0.5 (bin 7: (7/15, 8/15])
        [0.1, 0.15, 0.75],  # predicts contradiction: right, confidence 0.75 (bin 11: (11/15, 12/15])
    ]
    s = classification_scores(gold, probs, NLI_LABELS)
    assert s["accuracy"] == pytest.approx(2 / 3)
    # entailment: P = 1/2, R = 1 -> F1 = 2/3; neutral: 0; contradiction: 1 -> macro = 5/9.
    assert s["per_label"]["entailment"]["f1"] == pytest.approx(2 / 3)
    assert s["per_label"]["neutral"]["f1"] == 0.0
    assert s["per_label"]["contradiction"]["f1"] == 1.0
    assert s["macro_f1"] == pytest.approx(5 / 9)
    # Every example sits alone in its bin: ECE = (|1-0.7| + |0-0.5| + |1-0.75|) / 3 = 1.05 / 3 = 0.35.
    assert s["ece"] == pytest.approx(0.35)
    # NLL = (-ln 0.7 - ln 0.3 - ln 0.75) / 3 = (0.356675 + 1.203973 + 0.287682) / 3 = 0.616110.
    assert s["nll"] == pytest.approx(0.616110, abs=1e-6)
    # Brier = ((0.3^2 + 0.2^2 + 0.1^2) + (0.5^2 + 0.7^2 + 0.2^2) + (0.1^2 + 0.15^2 + 0.25^2)) / 3
    #       = (0.14 + 0.78 + 0.095) / 3 = 0.338333.
    assert s["brier"] == pytest.approx(1.015 / 3)
    assert [b["count"] for b in s["reliability"]] == [0] * 7 + [1, 0, 0, 1, 1, 0, 0, 0]
    assert s["reliability"][7] == {
        "lower": pytest.approx(7 / 15), "upper": pytest.approx(8 / 15),
        "count": 1, "accuracy": 0.0, "confidence": 0.5,
    }
    assert s["reliability"][0]["accuracy"] is None  # empty bins have no accuracy


def test_macro_f1_ignores_labels_never_seen():
    # "neutral" is neither gold nor predicted, so it does not drag the macro F1 to 2/3.
    s = classification_scores(["entailment", "contradiction"], [[0.9, 0.05, 0.05], [0.1, 0.1, 0.8]], NLI_LABELS)
    assert s["macro_f1"] == 1.0


def test_ece_constructed_case():
    confidences = [0.95, 0.95, 0.97, 0.9, 0.62, 0.64]
    correct = [True, True, False, True, False, True]
    # bin 14 (14/15, 1]: 3 examples, accuracy 2/3, mean confidence 2.87/3 -> gap 0.29
    # bin 13 (13/15, 14/15]: 1 example, accuracy 1, confidence 0.9 -> gap 0.1
    # bin 9 (9/15, 10/15]: 2 examples, accuracy 1/2, mean confidence 0.63 -> gap 0.13
    # ECE = 3/6 * 0.29 + 1/6 * 0.1 + 2/6 * 0.13 = 0.145 + 0.016667 + 0.043333 = 0.205
    assert expected_calibration_error(confidences, correct) == pytest.approx(0.205)
    bins = reliability_bins(confidences, correct)
    assert len(bins) == 15
    assert {i: b["count"] for i, b in enumerate(bins) if b["count"]} == {9: 2, 13: 1, 14: 3}
    assert bins[14]["accuracy"] == pytest.approx(2 / 3)
    assert bins[14]["confidence"] == pytest.approx(2.87 / 3)


def test_ece_bins_are_closed_on_the_right():
    # With 4 bins the edges 0.25, 0.5, 0.75 are exact floats: 0.5 lies in (0.25, 0.5],
    # 0.75 in (0.5, 0.75], 1.0 in (0.75, 1] and 0.0 in the first bin.
    bins = reliability_bins([0.5, 0.75, 1.0, 0.0], [True, True, True, True], n_bins=4)
    assert [b["count"] for b in bins] == [1, 1, 1, 1]
    assert bins[1]["confidence"] == 0.5
    assert bins[0]["confidence"] == 0.0
    # A perfectly calibrated case: confidence 0.5, half right.
    assert expected_calibration_error([0.5, 0.5], [True, False]) == 0.0
    with pytest.raises(ValueError, match="No examples"):
        expected_calibration_error([], [])


def test_nll_clips_zero_probability_and_brier():
    # -log(1e-12) = 27.631021; the mean with a certain right answer (-log 1 = 0) is half of it.
    assert negative_log_likelihood([[0.0, 1.0], [1.0, 0.0]], [0, 0]) == pytest.approx(27.631021 / 2)
    # (0-1)^2 + (1-0)^2 = 2 for the wrong example, 0 for the right one -> mean 1.
    assert brier_score([[0.0, 1.0], [1.0, 0.0]], [0, 0]) == 1.0


# ---------------------------------------------------------- aggregation -------


def test_average_scores_and_variants():
    langs = {"de": {"score": 0.5}, "en": {"score": 0.9}, "fr": {"score": 0.7}}
    assert average_scores(langs) == (pytest.approx(0.7), pytest.approx(0.6))
    assert average_scores({"en": {"score": 0.9}}) == (0.9, None)
    assert variant_name(None) == "baseline" and variant_name(8) == "DLFA-8"


def test_fusion_layer_from_config():
    dlfa = {"@architectures": "dlfa_spacy.DLFA.v1", "layer": 8}
    cnn = {"@architectures": "spacy.HashEmbedCNN.v2", "width": 96}
    config = {"components": {"transformer": {"model": {}}, "ner": {"model": {"tok2vec": dlfa}}}}
    assert fusion_layer(config, "ner") == 8
    assert fusion_layer(config) == 8
    assert fusion_layer({"components": {"ner": {"model": {"tok2vec": cnn}}}}, "ner") is None
    assert fusion_layer({"components": {"ner": {"factory": "ner"}}}) is None
    assert fusion_layer({}) is None


# ------------------------------------------------------ evaluate_pipeline -------


def write_docbin(path: Path, docs: List[Doc]) -> None:
    """Save docs as a DocBin with everything the tasks need."""
    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs, store_user_data=True).to_disk(path)


def predictions(model_dir: Path, gold: List[Doc]) -> List[Doc]:
    """Run a saved pipeline on the gold words, the way evaluate_pipeline is meant to."""
    nlp = spacy.load(model_dir)
    inputs = [Doc(nlp.vocab, words=[t.text for t in g], spaces=[bool(t.whitespace_) for t in g]) for g in gold]
    return list(nlp.pipe(inputs))


def read_gold(path: Path) -> List[Doc]:
    """Read a DocBin with a fresh vocab."""
    return list(DocBin().from_disk(path).get_docs(spacy.blank("xx").vocab))


NER_DATA = {
    # (words, gold BIO)
    "de": [
        (["Anna", "wohnt", "in", "Berlin", "."], ["B-PER", "O", "O", "B-LOC", "O"]),
        (["Bob", "trifft", "Carl", "."], ["B-PER", "O", "B-PER", "O"]),
    ],
    "en": [
        (["Anna", "lives", "in", "Paris"], ["B-PER", "O", "O", "B-LOC"]),
        (["Nothing", "here"], ["O", "O"]),
        ([], []),
    ],
    "fr": [(["Berlin", "et", "Paris"], ["B-LOC", "O", "B-LOC"])],
}


@pytest.fixture(scope="module")
def ner_setup(tmp_path_factory) -> Dict[str, Path]:
    """An entity ruler called "ner" (exactly known predictions) and gold DocBins for 3 languages."""
    root = tmp_path_factory.mktemp("ner")
    nlp = spacy.blank("xx")
    ruler = nlp.add_pipe("entity_ruler", name="ner")
    ruler.add_patterns([
        {"label": "PER", "pattern": "Anna"},
        {"label": "LOC", "pattern": "Berlin"},
        {"label": "PER", "pattern": "Paris"},  # a deliberate mistake
    ])
    nlp.to_disk(root / "model")
    vocab = nlp.vocab
    for lang, items in NER_DATA.items():
        write_docbin(root / "data" / f"{lang}.spacy", [doc(vocab, w, ents=t) for w, t in items])
    return {"model": root / "model", "data": root / "data", "root": root}


def test_evaluate_ner_end_to_end(ner_setup):
    out = ner_setup["root"] / "out" / "sub" / "ner.json"
    returned = evaluate_pipeline(str(ner_setup["model"]), ner_setup["data"], task="ner", output=out)
    metrics = json.loads(out.read_text())
    assert metrics == json.loads(json.dumps(returned))
    assert list(metrics["languages"]) == ["de", "en", "fr"]
    assert {k: metrics[k] for k in ("task", "model", "component", "metric", "layer", "variant")} == {
        "task": "ner", "model": str(ner_setup["model"]), "component": "ner",
        "metric": "f1", "layer": None, "variant": "baseline",
    }
    for lang in NER_DATA:
        gold = read_gold(ner_setup["data"] / f"{lang}.spacy")
        expected = ner_scores(gold, predictions(ner_setup["model"], gold))
        got = metrics["languages"][lang]
        assert got["score"] == got["f1"] == expected["f1"]
        assert got["n"] == len(gold)
        for key in ("precision", "recall", "n_entities", "n_tokens", "n_predicted"):
            assert got[key] == expected[key]
    # By hand: de finds Anna and Berlin of 4 gold -> P 1, R 1/2, F1 2/3;
    # en predicts Anna (right) and Paris as PER (wrong) of 2 gold -> F1 1/2;
    # fr finds Berlin, calls Paris PER (wrong) -> P 1/2, R 1/2, F1 1/2.
    assert metrics["languages"]["de"]["f1"] == pytest.approx(2 / 3)
    assert metrics["languages"]["en"]["f1"] == 0.5
    assert metrics["languages"]["fr"]["f1"] == 0.5
    assert metrics["languages"]["en"]["n"] == 3
    assert metrics["average"] == pytest.approx((2 / 3 + 0.5 + 0.5) / 3)
    assert metrics["average_without_en"] == pytest.approx((2 / 3 + 0.5) / 2)
    assert not list(out.parent.glob(".*.tmp"))  # the temp file was renamed away


def test_evaluate_with_an_untrained_ner_component(tmp_path):
    # A real (untrained) `ner` component: whatever it predicts, the JSON must be the
    # pure functions applied to the same predictions.
    nlp = spacy.blank("xx")
    ner = nlp.add_pipe("ner")
    for label in ("PER", "LOC"):
        ner.add_label(label)
    nlp.initialize()
    nlp.to_disk(tmp_path / "model")
    for lang, items in NER_DATA.items():
        write_docbin(tmp_path / "data" / f"{lang}.spacy", [doc(nlp.vocab, w, ents=t) for w, t in items])
    metrics = evaluate_pipeline(tmp_path / "model", tmp_path / "data", task="ner", output=tmp_path / "m.json")
    for lang in NER_DATA:
        gold = read_gold(tmp_path / "data" / f"{lang}.spacy")
        assert metrics["languages"][lang]["f1"] == ner_scores(gold, predictions(tmp_path / "model", gold))["f1"]


def train_a_little(nlp: Language, examples: List[Example], steps: int = 5) -> None:
    """Initialise and update a few steps so predictions are not all the same."""
    nlp.initialize(lambda: examples)
    optimizer = nlp.resume_training()
    for _ in range(steps):
        nlp.update(examples, sgd=optimizer)


POS_DATA = {
    "en": [(["Dogs", "bark", "."], ["NOUN", "VERB", "PUNCT"]), (["Cats", "sleep"], ["NOUN", "VERB"])],
    "es": [(["Perros", "ladran", "."], ["NOUN", "VERB", "PUNCT"])],
}


def test_evaluate_pos_end_to_end(tmp_path):
    nlp = spacy.blank("xx")
    tagger = nlp.add_pipe("tagger")
    for label in ("NOUN", "VERB", "PUNCT"):
        tagger.add_label(label)
    # Gold docs carry UPOS in token.pos_; training needs it in token.tag_.
    train = [Example(Doc(nlp.vocab, words=w), doc(nlp.vocab, w, tags=t)) for w, t in POS_DATA["en"]]
    train_a_little(nlp, train)
    nlp.to_disk(tmp_path / "model")
    for lang, items in POS_DATA.items():
        write_docbin(tmp_path / "data" / f"{lang}.spacy", [doc(nlp.vocab, w, pos=t) for w, t in items])
    out = tmp_path / "pos.json"
    evaluate_pipeline(str(tmp_path / "model"), tmp_path / "data", task="pos", output=out)
    metrics = json.loads(out.read_text())
    # The headline is seqeval's F1 over UPOS, as XTREME scores POS; accuracy is kept.
    assert metrics["metric"] == "f1" and metrics["component"] == "tagger"
    assert metrics["language_set"] == ["en", "es"]
    for lang in POS_DATA:
        gold = read_gold(tmp_path / "data" / f"{lang}.spacy")
        pred = predictions(tmp_path / "model", gold)
        expected = pos_accuracy(gold, pred)
        got = metrics["languages"][lang]
        assert got["score"] == got["f1"] == pos_scores(gold, pred)["f1"]
        assert got["f1_seqeval_1x"] == pos_scores(gold, pred)["f1_seqeval_1x"]
        assert got["accuracy"] == expected["accuracy"]
        assert got["n_tokens"] == expected["n_tokens"] == sum(len(w) for w, _ in POS_DATA[lang])
    assert metrics["average_without_en"] == metrics["languages"]["es"]["score"]


@pytest.fixture(scope="module")
def xnli_setup(tmp_path_factory) -> Dict[str, Path]:
    """A textcat pipeline trained a few steps and pair-doc gold DocBins for 2 languages."""
    root = tmp_path_factory.mktemp("xnli")
    nlp = spacy.blank("xx")
    textcat = nlp.add_pipe("textcat")
    for label in NLI_LABELS:
        textcat.add_label(label)
    pairs = [
        ("A man sleeps", "A person rests", "entailment"),
        ("A man sleeps", "A man runs", "contradiction"),
        ("A dog barks", "A dog is loud", "entailment"),
        ("A dog barks", "The dog is brown", "neutral"),
    ]

    def gold_doc(premise: str, hypothesis: str, label: str) -> Doc:
        d = pair_doc(nlp, premise, hypothesis)
        d.cats = {l: float(l == label) for l in NLI_LABELS}
        return d

    train = [Example(pair_doc(nlp, p, h), gold_doc(p, h, l)) for p, h, l in pairs]
    train_a_little(nlp, train)
    nlp.to_disk(root / "model")
    write_docbin(root / "data" / "en.spacy", [gold_doc(*p) for p in pairs])
    write_docbin(root / "data" / "de.spacy", [gold_doc("Ein Mann schläft", "Ein Mann läuft", "contradiction"),
                                              gold_doc("Ein Hund bellt", "Ein Tier bellt", "entailment")])
    return {"model": root / "model", "data": root / "data", "root": root}


def test_evaluate_xnli_end_to_end(xnli_setup):
    out = xnli_setup["root"] / "xnli.json"
    evaluate_pipeline(str(xnli_setup["model"]), xnli_setup["data"], task="xnli", output=out)
    metrics = json.loads(out.read_text())
    assert metrics["labels"] == NLI_LABELS and metrics["metric"] == "accuracy"
    assert list(metrics["languages"]) == ["de", "en"]
    for lang in ("de", "en"):
        gold = read_gold(xnli_setup["data"] / f"{lang}.spacy")
        preds = predictions(xnli_setup["model"], gold)
        # The pair separator survives: predicted docs have the gold tokens.
        assert [t.text for t in preds[0]] == [t.text for t in gold[0]]
        golds = [max(d.cats, key=d.cats.get) for d in gold]
        probs = [[d.cats[l] for l in NLI_LABELS] for d in preds]
        expected = classification_scores(golds, probs, NLI_LABELS)
        got = metrics["languages"][lang]
        assert got["score"] == got["accuracy"] == expected["accuracy"]
        for key in ("macro_f1", "ece", "nll", "brier"):
            assert got[key] == pytest.approx(expected[key], rel=1e-12)
        assert len(got["reliability"]) == 15
        assert sum(b["count"] for b in got["reliability"]) == got["n"] == len(gold)
    assert metrics["average"] == pytest.approx(
        (metrics["languages"]["de"]["score"] + metrics["languages"]["en"]["score"]) / 2
    )
    assert metrics["average_without_en"] == metrics["languages"]["de"]["score"]


# ------------------------------------------------------------ bad input -------


def test_missing_component_names_what_the_model_has(xnli_setup, tmp_path):
    out = tmp_path / "out.json"
    with pytest.raises(ValueError, match=r"'ner' component.*\['textcat'\]"):
        evaluate_pipeline(str(xnli_setup["model"]), xnli_setup["data"], task="ner", output=out)
    assert not out.exists()


def test_missing_or_empty_data_dir(ner_setup, tmp_path):
    out = tmp_path / "out.json"
    with pytest.raises(ValueError, match="does not exist"):
        evaluate_pipeline(str(ner_setup["model"]), tmp_path / "nope", task="ner", output=out)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("no docbins here")
    with pytest.raises(ValueError, match=r"no \{lang\}.spacy files"):
        evaluate_pipeline(str(ner_setup["model"]), tmp_path / "empty", task="ner", output=out)
    assert not out.exists()


def test_empty_docbin(ner_setup, tmp_path):
    write_docbin(tmp_path / "data" / "de.spacy", [])
    out = tmp_path / "out.json"
    with pytest.raises(ValueError, match="de.spacy' holds no docs"):
        evaluate_pipeline(str(ner_setup["model"]), tmp_path / "data", task="ner", output=out)
    assert not out.exists()


def test_ner_label_mismatch(ner_setup, tmp_path):
    vocab = spacy.blank("xx").vocab
    write_docbin(tmp_path / "data" / "de.spacy", [doc(vocab, ["Siemens", "AG"], ents=["B-ORG", "I-ORG"])])
    out = tmp_path / "out.json"
    with pytest.raises(ValueError, match=r"de: gold labels \['ORG'\] are not labels of 'ner'.*\['LOC', 'PER'\]"):
        evaluate_pipeline(str(ner_setup["model"]), tmp_path / "data", task="ner", output=out)
    assert not out.exists()


def test_textcat_label_mismatch_lists_both_sets(xnli_setup, tmp_path):
    vocab = spacy.blank("xx").vocab
    write_docbin(tmp_path / "data" / "fr.spacy", [doc(vocab, ["a"], cats={"0": 1.0, "1": 0.0})])
    out = tmp_path / "out.json"
    with pytest.raises(ValueError, match=r"\['0', '1'\] differ .*\['contradiction', 'entailment', 'neutral'\]"):
        evaluate_pipeline(str(xnli_setup["model"]), tmp_path / "data", task="xnli", output=out)
    assert not out.exists()


def test_unknown_task_and_model(ner_setup, tmp_path):
    with pytest.raises(ValueError, match="Unknown task 'qa'"):
        evaluate_pipeline(str(ner_setup["model"]), ner_setup["data"], task="qa", output=tmp_path / "o.json")
    with pytest.raises(ValueError, match="Cannot load the model"):
        evaluate_pipeline(str(tmp_path / "no_model"), ner_setup["data"], task="ner", output=tmp_path / "o.json")
    assert not (tmp_path / "o.json").exists()


def test_nan_free_json(xnli_setup):
    # Empty reliability bins are null, not NaN, so the JSON is strict.
    metrics = evaluate_pipeline(str(xnli_setup["model"]), xnli_setup["data"], task="xnli")
    text = json.dumps(metrics, allow_nan=False)
    assert "NaN" not in text and not math.isnan(metrics["average"])
    assert any(b["accuracy"] is None for b in metrics["languages"]["de"]["reliability"])  # empty bins are null


def test_a_pipeline_of_another_task_is_refused(xnli_setup, tmp_path):
    # An XNLI pipeline is no PAWS-X result, whatever data it is given.
    with pytest.raises(ValueError, match=r"The pipeline's 'textcat' labels \['contradiction', 'entailment', "
                                         r"'neutral'\] are not PAWS-X's \['not_paraphrase', 'paraphrase'\]"):
        evaluate_pipeline(str(xnli_setup["model"]), xnli_setup["data"], task="pawsx", output=tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


@pytest.mark.parametrize("name", ["xx-bad", "de copy", "DE", "german"])
def test_test_files_must_be_named_by_language(xnli_setup, tmp_path, name):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(xnli_setup["data"], data)
    shutil.copy(data / "de.spacy", data / f"{name}.spacy")
    with pytest.raises(ValueError, match=f"holds test files whose names are not language codes: '{name}.spacy'"):
        evaluate_pipeline(str(xnli_setup["model"]), data, task="xnli")


def test_ner_data_without_any_entity_is_refused(ner_setup, tmp_path):
    nlp = spacy.blank("xx")
    write_docbin(tmp_path / "data" / "de.spacy", [Doc(nlp.vocab, words=["Anna", "wohnt", "hier"])])
    with pytest.raises(ValueError, match="de: the gold docs hold no entities"):
        evaluate_pipeline(str(ner_setup["model"]), tmp_path / "data", task="ner")


# ------------------------------------------------------ per-example data -------


def test_evaluate_writes_per_example_ner_counts(ner_setup):
    from dlfa_spacy.metrics.bootstrap import score

    out = ner_setup["root"] / "per-example" / "ner.json"
    evaluate_pipeline(str(ner_setup["model"]), ner_setup["data"], task="ner", output=out)
    metrics = json.loads(out.read_text())
    # By hand, per doc [n_correct, n_predicted, n_gold]: de finds Anna and Berlin, misses
    # Bob and Carl; en gets Anna, calls Paris PER; fr gets Berlin, calls Paris PER.
    assert metrics["languages"]["de"]["per_example"] == [[2, 2, 2], [0, 0, 2]]
    assert metrics["languages"]["en"]["per_example"] == [[1, 2, 2], [0, 0, 0], [0, 0, 0]]
    assert metrics["languages"]["fr"]["per_example"] == [[1, 2, 2]]
    for scores in metrics["languages"].values():
        assert score(scores["per_example"]) == scores["score"]
    # Each per-example list on one line, so the file stays small.
    assert '"per_example": [[2,2,2],[0,0,2]]' in out.read_text()
    # The test sentences as displaCy input, gold beside predicted, for the report's pages.
    assert metrics["languages"]["de"]["examples"][0] == {
        "gold": {"text": "Anna wohnt in Berlin . ", "ents": [{"start": 0, "end": 4, "label": "PER"},
                                                            {"start": 14, "end": 20, "label": "LOC"}]},
        "pred": {"text": "Anna wohnt in Berlin . ", "ents": [{"start": 0, "end": 4, "label": "PER"},
                                                            {"start": 14, "end": 20, "label": "LOC"}]},
    }
    assert metrics["languages"]["fr"]["examples"][0]["pred"]["ents"] == [
        {"start": 0, "end": 6, "label": "LOC"}, {"start": 10, "end": 15, "label": "PER"}]
    assert [len(v["examples"]) for v in metrics["languages"].values()] == [2, 3, 1]


def test_evaluate_writes_per_example_correctness(xnli_setup):
    out = xnli_setup["root"] / "per-example.json"
    metrics = evaluate_pipeline(str(xnli_setup["model"]), xnli_setup["data"], task="xnli", output=out)
    assert json.loads(out.read_text()) == json.loads(json.dumps(metrics))
    for lang, scores in metrics["languages"].items():
        gold = read_gold(xnli_setup["data"] / f"{lang}.spacy")
        preds = predictions(xnli_setup["model"], gold)
        expected = [int(max(p.cats, key=p.cats.get) == max(g.cats, key=g.cats.get)) for g, p in zip(gold, preds)]
        assert scores["per_example"] == expected
        assert sum(expected) / len(expected) == scores["score"]


def test_evaluate_writes_per_example_pos_counts(tmp_path):
    from dlfa_spacy.metrics.bootstrap import score

    nlp = spacy.blank("xx")
    tagger = nlp.add_pipe("tagger")
    for label in ("NOUN", "VERB", "PUNCT"):
        tagger.add_label(label)
    train = [Example(Doc(nlp.vocab, words=w), doc(nlp.vocab, w, tags=t)) for w, t in POS_DATA["en"]]
    train_a_little(nlp, train)
    nlp.to_disk(tmp_path / "model")
    for lang, items in POS_DATA.items():
        write_docbin(tmp_path / "data" / f"{lang}.spacy", [doc(nlp.vocab, w, pos=t) for w, t in items])
    metrics = evaluate_pipeline(str(tmp_path / "model"), tmp_path / "data", task="pos")
    for lang, scores in metrics["languages"].items():
        counts = scores["per_example"]
        assert len(counts) == scores["n"]
        assert [sum(c[i] for c in counts) for i in range(3)] == [
            scores["n_correct_chunks"], scores["n_predicted_chunks"], scores["n_chunks"]
        ]
        assert score(counts) == scores["score"]


def test_doc_counts_sum_to_the_headline_counts_on_random_sequences():
    from dlfa_spacy.metrics import ner_doc_counts, seqeval_doc_counts, seqeval_scores

    rng = random.Random(5)
    bio = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    # "X-O" has the 0.0.12 type "O": its chunks may run on over a sequence's end.
    upos = ["NOUN", "VERB", "SCONJ", "CCONJ", "INTJ", "X-O"]
    for tags in (bio, upos):
        gold = [[rng.choice(tags) for _ in range(rng.randint(0, 6))] for _ in range(30)]
        pred = [[rng.choice(tags) if rng.random() < 0.5 else t for t in seq] for seq in gold]
        for semantics in ("0.0.12", "1.x"):
            counts = seqeval_doc_counts(gold, pred, semantics)
            headline = seqeval_scores(gold, pred, semantics)
            assert len(counts) == len(gold)
            assert [sum(c[i] for c in counts) for i in range(3)] == [
                headline["n_correct_chunks"], headline["n_predicted_chunks"], headline["n_chunks"]
            ]
    gold = [[rng.choice(bio) for _ in range(rng.randint(0, 6))] for _ in range(30)]
    pred = [[rng.choice(bio) if rng.random() < 0.5 else t for t in seq] for seq in gold]
    totals = ner_scores_from_tags(gold, pred)
    counts = ner_doc_counts(gold, pred)
    assert [sum(c[i] for c in counts) for i in range(3)] == [
        totals["n_correct"], totals["n_predicted"], totals["n_entities"]
    ]


def test_evaluate_records_the_item_ids_of_the_test_examples(xnli_setup, tmp_path):
    data = tmp_path / "data"
    for lang in ("de", "en"):
        gold = read_gold(xnli_setup["data"] / f"{lang}.spacy")
        for i, d in enumerate(gold):
            d.user_data["item"] = f"p{i}"
        write_docbin(data / f"{lang}.spacy", gold)
    out = tmp_path / "items.json"
    metrics = evaluate_pipeline(str(xnli_setup["model"]), data, task="xnli", output=out)
    assert metrics["languages"]["de"]["item_ids"] == ["p0", "p1"]
    assert metrics["languages"]["en"]["item_ids"] == ["p0", "p1", "p2", "p3"]
    # One line per list in the file, as per_example.
    assert '"item_ids": ["p0","p1"]' in out.read_text(encoding="utf8")
    # Without ids in the data (XTREME's files) there is no such key.
    plain = evaluate_pipeline(str(xnli_setup["model"]), xnli_setup["data"], task="xnli")
    assert "item_ids" not in plain["languages"]["de"]


def test_a_truncated_model_file_names_the_model(xnli_setup, tmp_path):
    import shutil

    model = tmp_path / "model"
    shutil.copytree(xnli_setup["model"], model)
    weights = model / "textcat" / "model"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(ValueError, match=f"Cannot load the model '{model}': .*truncated or from another version"):
        evaluate_pipeline(str(model), xnli_setup["data"], task="xnli")

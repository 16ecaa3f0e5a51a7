"""Temperature scaling: fitting on English dev only, the temperature_scaling component, and evaluate before/after."""
import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import spacy
from spacy.tokens import DocBin
from spacy.training import Example
from thinc.api import fix_random_seed

from dlfa_spacy import pair_doc
from dlfa_spacy.experiments.calibrate import calibrate_pipeline, temperature_pipe
from dlfa_spacy.experiments.evaluate import evaluate_pipeline
from dlfa_spacy.metrics import classification_scores
from dlfa_spacy.metrics.temperature import fit_temperature, scale_probabilities
from dlfa_spacy.pipeline.temperature_scaling import TemperatureScaling

LABELS = ["entailment", "neutral", "contradiction"]


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("true_temperature", [0.5, 2.0])
def test_fit_recovers_the_temperature_the_labels_were_drawn_with(true_temperature):
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 2.0, size=(20000, 3))
    # The labels follow softmax(z / T): the model's softmax(z) is miscalibrated by exactly T.
    truth = softmax(logits / true_temperature)
    gold = np.array([rng.choice(3, p=row) for row in truth])
    fitted = fit_temperature(softmax(logits), gold)
    assert fitted == pytest.approx(true_temperature, rel=0.05)
    scaled = scale_probabilities(softmax(logits), fitted)
    assert (scaled.argmax(axis=1) == logits.argmax(axis=1)).all()  # accuracy unchanged
    np.testing.assert_allclose(scaled.sum(axis=1), 1.0, atol=1e-12)


def test_scaling_is_the_power_of_the_probabilities_renormalised():
    probs = [[0.7, 0.2, 0.1], [0.25, 0.25, 0.5]]
    expected = np.array([[0.7 ** 0.5, 0.2 ** 0.5, 0.1 ** 0.5], [0.5, 0.5, 0.5 ** 0.5]])
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(scale_probabilities(probs, 2.0), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(scale_probabilities(probs, 1.0), probs, rtol=0, atol=1e-12)


def test_fit_at_the_bounds_and_bad_input():
    # Every prediction right and confident: sharper is always better, so the smallest T.
    assert fit_temperature([[0.9, 0.1], [0.2, 0.8]], [0, 1]) == pytest.approx(1e-3)
    # Every prediction wrong: flatter is better, the largest T.
    assert fit_temperature([[0.9, 0.1], [0.2, 0.8]], [1, 0]) == pytest.approx(1e3)
    for bad in (0, -1.0, float("nan"), True):
        with pytest.raises(ValueError, match="The temperature must be a finite number > 0"):
            scale_probabilities([[0.5, 0.5]], bad)
    with pytest.raises(ValueError, match=r"one class index in 0\.\.1 per example"):
        fit_temperature([[0.5, 0.5]], [2])


def test_component_rescales_only_its_labels_and_names_missing_ones():
    scaling = TemperatureScaling(temperature=2.0, labels=["a", "b"])
    out = scaling.scaled({"a": 0.8, "b": 0.2, "other": 0.9})
    assert out["other"] == 0.9 and out["a"] == pytest.approx(0.8 ** 0.5 / (0.8 ** 0.5 + 0.2 ** 0.5))
    with pytest.raises(ValueError, match=r"doc.cats has no \['b'\]"):
        scaling.scaled({"a": 1.0})
    with pytest.raises(ValueError, match="`labels` must name the two or more categories"):
        TemperatureScaling(labels=["a"])


PAIRS = [
    ("A man sleeps", "A person rests", "entailment"),
    ("A man sleeps", "A man runs", "contradiction"),
    ("A dog barks", "A dog is loud", "entailment"),
    ("A dog barks", "The dog is brown", "neutral"),
    ("A cat eats", "An animal eats", "entailment"),
    ("A cat eats", "The cat is black", "neutral"),
]


def gold_doc(nlp, premise, hypothesis, label):
    doc = pair_doc(nlp, premise, hypothesis)
    doc.cats = {l: float(l == label) for l in LABELS}
    return doc


@pytest.fixture(scope="module")
def textcat_model(tmp_path_factory):
    """A textcat pipeline trained to over-confidence, and an English dev set."""
    fix_random_seed(0)
    root = tmp_path_factory.mktemp("calibration")
    nlp = spacy.blank("xx")
    textcat = nlp.add_pipe("textcat")
    for label in LABELS:
        textcat.add_label(label)
    train = [Example(pair_doc(nlp, p, h), gold_doc(nlp, p, h, l)) for p, h, l in PAIRS[:4]]
    optimizer = nlp.initialize(lambda: train)
    for _ in range(30):
        nlp.update(train, sgd=optimizer)
    nlp.to_disk(root / "model")
    # The dev set has pairs the model has not seen: it is over-confident on them.
    DocBin(docs=[gold_doc(nlp, *row) for row in PAIRS[2:]]).to_disk(root / "dev.spacy")
    (root / "test").mkdir()
    DocBin(docs=[gold_doc(nlp, *row) for row in PAIRS]).to_disk(root / "test" / "de.spacy")
    return root


def raw_probs(model_dir: Path, rows):
    nlp = spacy.load(model_dir)
    docs = nlp.pipe([pair_doc(nlp, p, h) for p, h, _ in rows])
    return [[d.cats[l] for l in LABELS] for d in docs]


def test_calibrate_saves_a_pipeline_whose_cats_are_scaled(textcat_model, tmp_path):
    fit = calibrate_pipeline(str(textcat_model / "model"), textcat_model / "dev.spacy", tmp_path / "calibrated")
    raw = raw_probs(textcat_model / "model", PAIRS[2:])
    golds = [l for _, _, l in PAIRS[2:]]
    assert fit["temperature"] == fit_temperature(raw, [LABELS.index(g) for g in golds])
    before = classification_scores(golds, raw, LABELS)
    after = classification_scores(golds, scale_probabilities(raw, fit["temperature"]), LABELS)
    assert fit["before"] == {k: before[k] for k in ("accuracy", "ece", "nll", "brier")}
    assert fit["after"]["nll"] == after["nll"] <= before["nll"]
    assert fit["after"]["accuracy"] == fit["before"]["accuracy"]
    loaded = spacy.load(tmp_path / "calibrated")
    assert loaded.pipe_names == ["textcat", "temperature_scaling"] and temperature_pipe(loaded) == "temperature_scaling"
    assert loaded.get_pipe("temperature_scaling").temperature == fit["temperature"]
    docs = list(loaded.pipe([pair_doc(loaded, p, h) for p, h, _ in PAIRS]))
    expected = scale_probabilities(raw_probs(textcat_model / "model", PAIRS), fit["temperature"])
    np.testing.assert_allclose([[d.cats[l] for l in LABELS] for d in docs], expected, rtol=0, atol=1e-6)
    restored = pickle.loads(pickle.dumps(loaded))
    assert restored.get_pipe("temperature_scaling").temperature == fit["temperature"]
    # Calibrating the calibrated pipeline refits from the textcat's own cats: the same temperature, one component.
    again = calibrate_pipeline(str(tmp_path / "calibrated"), textcat_model / "dev.spacy", tmp_path / "calibrated")
    assert again["temperature"] == fit["temperature"]
    assert spacy.load(tmp_path / "calibrated").pipe_names == ["textcat", "temperature_scaling"]


def test_evaluate_reports_before_and_after_scaling(textcat_model, tmp_path):
    fit = calibrate_pipeline(str(textcat_model / "model"), textcat_model / "dev.spacy", tmp_path / "calibrated")
    plain = evaluate_pipeline(str(textcat_model / "model"), textcat_model / "test", task="xnli")
    calibrated = evaluate_pipeline(str(tmp_path / "calibrated"), textcat_model / "test", task="xnli")
    assert calibrated["temperature"] == fit["temperature"] and "temperature" not in plain
    de, raw = calibrated["languages"]["de"], plain["languages"]["de"]
    assert "calibration" not in raw
    assert de["calibration"]["before"] == {k: raw[k] for k in ("accuracy", "ece", "nll", "brier")}
    assert de["calibration"]["after"] == {k: de[k] for k in ("accuracy", "ece", "nll", "brier")}
    assert de["accuracy"] == raw["accuracy"] and de["per_example"] == raw["per_example"]
    assert de["calibration"]["temperature"] == fit["temperature"]


def test_calibrate_refuses_a_component_that_is_not_an_exclusive_textcat(textcat_model, tmp_path):
    with pytest.raises(ValueError, match=r"The pipeline has no component 'tagger'; it has \['textcat'\]"):
        calibrate_pipeline(str(textcat_model / "model"), textcat_model / "dev.spacy", tmp_path / "x", component="tagger")
    nlp = spacy.blank("xx")
    nlp.add_pipe("textcat_multilabel")
    with pytest.raises(ValueError, match="is a 'textcat_multilabel'; temperature scaling needs an exclusive 'textcat'"):
        calibrate_pipeline(nlp, textcat_model / "dev.spacy", tmp_path / "x", component="textcat_multilabel")
    assert not (tmp_path / "x").exists()


def test_calibrate_cli_prints_the_fit(textcat_model, tmp_path):
    result = subprocess.run([sys.executable, "-m", "dlfa_spacy", "calibrate", str(textcat_model / "model"),
                             str(textcat_model / "dev.spacy"), str(tmp_path / "out")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    temperature = spacy.load(tmp_path / "out").get_pipe("temperature_scaling").temperature
    assert f"temperature {temperature:.4f} on 4 dev examples" in result.stdout
    assert "accuracy (%)" in result.stdout and "Saved the calibrated pipeline" in result.stdout
    json.dumps(temperature)  # a plain float in the config


def test_report_shows_the_temperature_and_calibration_before_and_after(textcat_model, tmp_path):
    from dlfa_spacy.report import write_report

    calibrate_pipeline(str(textcat_model / "model"), textcat_model / "dev.spacy", tmp_path / "calibrated")
    metrics = evaluate_pipeline(str(tmp_path / "calibrated"), textcat_model / "test", task="xnli",
                                output=tmp_path / "xnli-baseline.json")
    text = write_report([tmp_path / "xnli-baseline.json"], tmp_path / "report").read_text()
    de = metrics["languages"]["de"]["calibration"]
    assert "### XNLI temperature scaling (fitted on English dev; mean over languages)" in text
    assert (f"| baseline | {metrics['temperature']:.3f} | {100 * de['before']['ece']:.2f} | {100 * de['after']['ece']:.2f} | "
            f"{de['before']['nll']:.4f} | {de['after']['nll']:.4f} | {de['before']['brier']:.4f} | "
            f"{de['after']['brier']:.4f} |") in text


def test_a_vanishing_probability_keeps_its_logit():
    # Class 2 has probability e^-40 (below the NLL floor): scaling by T = 2 must give e^-20 of it
    # relative to the others, as the logits say; clipping at 1e-12 before the log gave e^-13.8.
    z = np.array([[0.0, 1.0, -40.0]])
    scaled = scale_probabilities(softmax(z), 2.0)
    np.testing.assert_allclose(scaled, softmax(z / 2.0), rtol=1e-9, atol=0)
    assert scale_probabilities([[0.6, 0.4, 0.0]], 3.0)[0, 2] == 0.0  # a 0 stays 0 at any temperature
    # A gold label the model gives no chance at all counts at the NLL's floor, not as infinity.
    assert 1e-3 <= fit_temperature([[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.7, 0.3, 0.0]], [0, 1, 2]) <= 1e3

"""The layer sweep: parsing, the trial plan, resumption, failures, and one real Ray run end to end."""
import json
import os
import socket
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Tuple

import pytest
import spacy
from spacy.tokens import Doc, DocBin, Span
from helpers import sts_docbin
from thinc.api import Config
from typer.testing import CliRunner

from dlfa_spacy.experiments import sweep
from dlfa_spacy.cli import app
from dlfa_spacy.experiments.sweep import (
    DONE,
    FAILED,
    SKIPPED,
    SweepSpec,
    Trial,
    TrialResult,
    check_overrides,
    exit_status,
    parse_layers,
    parse_overrides,
    parse_seeds,
    plan_trials,
    run_trial,
    run_trials,
    split_finished,
    summarize,
    train_command,
)
from dlfa_spacy.results import AUTO, SCALAR_MIX, UNIFORM, variant_order

REPO = Path(__file__).resolve().parents[1]


def make_spec(root: Path, **kwargs) -> SweepSpec:
    """A NER sweep spec whose inputs exist (as empty files) under root."""
    (root / "test").mkdir(exist_ok=True)
    for name in ("ner.cfg", "train.spacy", "dev.spacy"):
        (root / name).touch()
    args = dict(config=root / "ner.cfg", train=root / "train.spacy", dev=root / "dev.spacy",
                test_dir=root / "test", task="ner", output=root / "out")
    return SweepSpec(**{**args, **kwargs})


def write_metrics(spec: SweepSpec, trial: Trial, average: float) -> Path:
    path = spec.metrics_path(trial)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"variant": trial.variant, "seed": trial.seed, "average": average}), encoding="utf8")
    return path


@pytest.mark.parametrize("text,expected", [
    ("1-11", list(range(1, 12))),
    ("2,4,6", [2, 4, 6]),
    ("2 4 6", [2, 4, 6]),
    ("1-3,8", [1, 2, 3, 8]),
    ("8,2,2", [2, 8]),
    ("5-5", [5]),
])
def test_parse_layers(text, expected):
    assert parse_layers(text) == expected


@pytest.mark.parametrize("text", ["a", "3-1", "0", "0-2", "1-", "-1", "1.5", "", " , ", "1--3", "2,x"])
def test_malformed_layers_name_the_value_and_the_form(text):
    with pytest.raises(ValueError) as err:
        parse_layers(text)
    assert f"--layers {text!r}" in str(err.value)
    assert "e.g. 1-11 or 2,4,6" in str(err.value)


def test_parse_seeds():
    assert parse_seeds("0,1,2") == [0, 1, 2]
    assert parse_seeds("0 1 2") == [0, 1, 2]
    assert parse_seeds("0-4") == [0, 1, 2, 3, 4]
    assert parse_seeds("42") == [42]
    with pytest.raises(ValueError, match=r"--seeds '-1'.*0,1,2"):
        parse_seeds("-1")


def test_plan_is_baseline_and_each_layer_for_each_seed(tmp_path):
    plan = plan_trials([2, 4], [0, 1])
    assert plan == [Trial(None, 0), Trial(2, 0), Trial(4, 0), Trial(None, 1), Trial(2, 1), Trial(4, 1)]
    assert [t.name for t in plan] == ["baseline-s0", "DLFA-2-s0", "DLFA-4-s0", "baseline-s1", "DLFA-2-s1", "DLFA-4-s1"]
    assert len(plan_trials(parse_layers("1-11"), parse_seeds("0,1,2"))) == 36
    with_auto = plan_trials([3], [0], auto=True)
    assert [t.name for t in with_auto] == ["baseline-s0", "DLFA-3-s0", "DLFA-auto-s0"]
    assert train_command(make_spec(tmp_path), with_auto[2])[-3:] == ["auto", "--gpu-id", "-1"]
    rivals = plan_trials([3], [0], auto=True, scalar_mix=True)
    assert [t.name for t in rivals] == ["baseline-s0", "DLFA-3-s0", "DLFA-auto-s0", "scalar-mix-s0"]
    # The same override as k: DLFA.v1 with layer = "scalar-mix" is ScalarMix.v1's model.
    assert train_command(make_spec(tmp_path), rivals[3])[-4:] == [
        "--components.ner.model.tok2vec.layer", "scalar-mix", "--gpu-id", "-1"]
    assert sorted([SCALAR_MIX, AUTO, None, 11, 1], key=variant_order) == [None, 1, 11, AUTO, SCALAR_MIX]
    # uniform: layer = "auto" whose mix never learns, next to auto on the same seed
    uniform = plan_trials([3], [0], auto=True, uniform=True)
    assert [t.name for t in uniform] == ["baseline-s0", "DLFA-3-s0", "DLFA-auto-s0", "DLFA-uniform-s0"]
    assert train_command(make_spec(tmp_path), uniform[3])[-6:] == [
        "--components.ner.model.tok2vec.layer", "auto",
        "--components.ner.model.tok2vec.mix_learn_rate_scale", "0", "--gpu-id", "-1"]
    assert sorted([SCALAR_MIX, UNIFORM, AUTO, None], key=variant_order) == [None, AUTO, UNIFORM, SCALAR_MIX]


def test_train_command(tmp_path):
    spec = make_spec(tmp_path, overrides=(("encoder.name", "/m"), ("training.max_epochs", "2")), gpu_id=0)
    command = train_command(spec, Trial(8, 3))
    assert command[:5] == [sys.executable, "-m", "spacy", "train", str(tmp_path / "ner.cfg")]
    assert command[5:] == [
        "--output", str(tmp_path / "out" / "trials" / "DLFA-8-s3" / "training"),
        "--paths.train", str(tmp_path / "train.spacy"), "--paths.dev", str(tmp_path / "dev.spacy"),
        "--system.seed", "3", "--components.ner.model.tok2vec.layer", "8",
        "--encoder.name", "/m", "--training.max_epochs", "2", "--gpu-id", "0",
    ]
    baseline = train_command(make_spec(tmp_path, task="xnli"), Trial(None, 0))
    assert baseline[baseline.index("--components.textcat.model.tok2vec.layer") + 1] == "null"


def test_parse_and_check_overrides():
    parsed = parse_overrides(["--encoder.name", "/m", "--training.max_epochs=2", "--nlp.flag"], ["--a.b=c=d", "x.y="])
    assert parsed == [("encoder.name", "/m"), ("training.max_epochs", "2"), ("nlp.flag", "true"),
                      ("a.b", "c=d"), ("x.y", "")]
    for bad_args, bad_pairs in [(["stray"], []), (["--nodot", "1"], []), ([], ["novalue"]), ([], ["=1"])]:
        with pytest.raises(ValueError, match="override"):
            parse_overrides(bad_args, bad_pairs)
    check_overrides(parsed, "ner")
    for key in ("system.seed", "paths.train", "paths.dev", "components.ner.model.tok2vec.layer"):
        with pytest.raises(ValueError, match=f"sets {key}"):
            check_overrides([(key, "1")], "ner")


def test_trials_with_metrics_are_skipped(tmp_path):
    spec = make_spec(tmp_path)
    plan = plan_trials([2], [0, 1])
    write_metrics(spec, Trial(2, 1), 0.5)
    skipped, todo = split_finished(spec, plan)
    assert [(r.trial, r.status, r.score) for r in skipped] == [(Trial(2, 1), SKIPPED, 0.5)]
    assert todo == [Trial(None, 0), Trial(2, 0), Trial(None, 1)]
    # Nothing to run: Ray is not even started.
    assert run_trials(spec, [], on_result=pytest.fail) == []


def test_a_failed_training_is_reported_with_its_log(tmp_path, monkeypatch):
    spec = make_spec(tmp_path)
    script = "import sys; print('training out'); print('bad config', file=sys.stderr); sys.exit(3)"
    monkeypatch.setattr(sweep, "train_command", lambda spec, trial: [sys.executable, "-c", script])
    result = run_trial(spec, Trial(2, 0))
    assert (result.status, result.error, result.log) == (FAILED, "training exited with status 3", spec.log_path(Trial(2, 0)))
    log = result.log.read_text(encoding="utf8")
    assert "training out" in log and "bad config" in log
    assert not spec.metrics_path(Trial(2, 0)).exists()


def test_an_evaluation_failure_is_a_failed_trial_not_an_exception(tmp_path, monkeypatch):
    spec = make_spec(tmp_path)
    monkeypatch.setattr(sweep, "train_command", lambda spec, trial: [sys.executable, "-c", "pass"])
    result = run_trial(spec, Trial(None, 1))
    assert result.status == FAILED and "wrote no" in result.error and "model-best" in result.error
    assert "Evaluation failed" in result.log.read_text(encoding="utf8")


def test_exit_status_counts_failures_up_to_255():
    done, failed = TrialResult(Trial(None, 0), DONE, 0.5), TrialResult(Trial(2, 0), FAILED)
    assert exit_status([done, TrialResult(Trial(2, 1), SKIPPED)]) == 0
    assert exit_status([done, failed, failed]) == 2
    assert exit_status([failed] * 300) == 255


def test_summary_is_mean_and_std_over_seeds():
    results = [TrialResult(Trial(4, 0), DONE, 0.6), TrialResult(Trial(None, 0), DONE, 0.5),
               TrialResult(Trial(None, 1), SKIPPED, 0.7), TrialResult(Trial(4, 1), FAILED)]
    baseline, dlfa4 = summarize(results)
    assert (baseline.variant, baseline.scores, baseline.mean) == ("baseline", {0: 0.5, 1: 0.7}, pytest.approx(0.6))
    assert baseline.std == pytest.approx(0.1414, abs=1e-4)
    assert (dlfa4.variant, dlfa4.scores, dlfa4.mean, dlfa4.std) == ("DLFA-4", {0: 0.6, 1: None}, 0.6, None)


def cli_args(spec: SweepSpec, *extra: str):
    return ["sweep", str(spec.config), "--train", str(spec.train), "--dev", str(spec.dev),
            "--test-dir", str(spec.test_dir), "--task", spec.task, "--output", str(spec.output), *extra]


def test_cli_with_every_trial_finished_only_reports(tmp_path):
    spec = make_spec(tmp_path)
    for trial, score in zip(plan_trials([2], [0, 1]), (0.5, 0.6, 0.7, 0.8)):
        write_metrics(spec, trial, score)
    result = CliRunner().invoke(app, cli_args(spec, "--layers", "2", "--seeds", "0,1"))
    assert result.exit_code == 0, result.output
    assert result.output.count("skipped, metrics.json exists") == 4
    rows = [line.split() for line in result.output.splitlines()]
    assert ["baseline", "2", "60.00", "14.14", "50.00", "70.00"] in rows
    assert ["DLFA-2", "2", "70.00", "14.14", "60.00", "80.00"] in rows


@pytest.mark.parametrize("extra,message", [
    (["--layers", "1-x"], "Bad --layers '1-x'"),
    ([], "Nothing to compare with the baseline: give --layers"),
    (["--layers", "2", "--seeds", "a"], "Bad --seeds 'a'"),
    (["--layers", "2", "--", "--system.seed", "3"], "The sweep sets system.seed"),
    (["--layers", "2", "--override", "components.ner.model.tok2vec.layer=3"], "sets components.ner.model.tok2vec.layer"),
    (["--layers", "2", "--gpu-id", "0"], "--gpu-id needs --gpus-per-trial"),
])
def test_cli_bad_input_is_one_line(tmp_path, extra, message):
    result = CliRunner().invoke(app, cli_args(make_spec(tmp_path), *extra))
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "out").exists()


def test_without_ray_an_address_is_refused_and_finished_trials_still_report(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    assert not sweep.ray_installed()
    spec = make_spec(tmp_path)
    for trial, score in zip(plan_trials([2], [0]), (0.5, 0.6)):
        write_metrics(spec, trial, score)
    refused = CliRunner().invoke(app, cli_args(spec, "--layers", "2", "--address", "ray://head:10001"))
    assert refused.exit_code == 1
    assert '--address ray://head:10001 needs Ray, which is not installed: pip install "dlfa-spacy[sweep]"' in \
        " ".join(refused.output.split())
    result = CliRunner().invoke(app, cli_args(spec, "--layers", "2"))
    assert result.exit_code == 0, result.output
    assert "one after another (Ray is not installed" in " ".join(result.output.split())
    assert result.output.count("skipped, metrics.json exists") == 2


def test_importing_the_cli_does_not_import_ray():
    code = "import sys, dlfa_spacy.cli, dlfa_spacy.experiments.sweep; print('ray' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


# --- end to end, with a real local Ray instance ---------------------------------------

TRAIN = [
    (["Anna", "lives", "in", "Berlin", "."], [("PER", 0, 1), ("LOC", 3, 4)]),
    (["Maria", "works", "at", "Siemens", "in", "Hamburg", "."], [("PER", 0, 1), ("ORG", 3, 4), ("LOC", 5, 6)]),
    (["Peter", "visited", "Paris", "with", "Lucy", "."], [("PER", 0, 1), ("LOC", 2, 3), ("PER", 4, 5)]),
    (["The", "company", "Acme", "opened", "an", "office", "in", "Madrid", "."], [("ORG", 2, 3), ("LOC", 7, 8)]),
]
TEST = {
    "de": [(["Anna", "schläft", "in", "Berlin", "."], [("PER", 0, 1), ("LOC", 3, 4)])],
    "es": [(["El", "gato", "duerme", "en", "Madrid", "."], [("LOC", 4, 5)])],
}


def write_docbin(path: Path, items) -> Path:
    vocab = spacy.blank("xx").vocab
    docs = []
    for words, ents in items:
        doc = Doc(vocab, words=words)
        doc.ents = [Span(doc, s, e, label=label) for label, s, e in ents]
        docs.append(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs).to_disk(path)
    return path


def tiny_ner_config(path: Path) -> Path:
    """configs/ner.cfg, made tiny: the encoder comes as an override, as on the command line."""
    config = Config().from_disk(REPO / "configs" / "ner.cfg", interpolate=False)
    config["encoder"]["name"] = "set-by-the-sweep-override"
    config["encoder"]["max_length"] = 32
    config["nlp"]["batch_size"] = 4
    config["training"].update({"max_epochs": 5, "eval_frequency": 2, "dropout": 0.0})
    config["training"]["batcher"]["size"] = 2
    config["training"]["optimizer"]["learn_rate"] = 0.001
    config.to_disk(path, interpolate=False)
    return path


def run_sweep(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", "dlfa_spacy", "sweep", *args], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=900)


def sweep_files(tmp_path: Path) -> Tuple[Path, Path, Path, Path]:
    """(config, train, dev, output folder) of a small NER sweep, its test sets in tmp_path/test."""
    train = write_docbin(tmp_path / "train.spacy", TRAIN)
    dev = write_docbin(tmp_path / "dev.spacy", TRAIN[:2])
    for lang, items in TEST.items():
        write_docbin(tmp_path / "test" / f"{lang}.spacy", items)
    return tiny_ner_config(tmp_path / "ner.cfg"), train, dev, tmp_path / "sweep"


def free_port() -> int:
    """A loopback port nothing listens on (free when asked)."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return free.getsockname()[1]


@pytest.mark.slow
def test_sweep_end_to_end_with_ray(tiny_bert, tmp_path):
    config, train, dev, out = sweep_files(tmp_path)
    args = [str(config), "--train", str(train), "--dev", str(dev), "--test-dir", str(tmp_path / "test"),
            "--task", "ner", "--layers", "2", "--seeds", "0,1", "--output", str(out), "--num-cpus", "2",
            "--override", "training.max_epochs=2"]

    # Relative to the sweep's working directory (REPO), not to the Ray worker's.
    first = run_sweep(*args, "--", "--encoder.name", os.path.relpath(tiny_bert, REPO))
    assert first.returncode == 0, first.stdout + first.stderr
    names = ["baseline-s0", "DLFA-2-s0", "baseline-s1", "DLFA-2-s1"]
    assert sorted(p.parent.name for p in out.glob("trials/*/metrics.json")) == sorted(names)
    for name in names:
        metrics = json.loads((out / "trials" / name / "metrics.json").read_text(encoding="utf8"))
        variant, seed = name.rsplit("-s", 1)
        assert (metrics["variant"], metrics["seed"], metrics["task"]) == (variant, int(seed), "ner")
        assert metrics["layer"] == (None if variant == "baseline" else 2)
        assert metrics["language_set"] == ["de", "es"]
        assert (metrics["dev"]["path"], metrics["dev"]["n"]) == (str(dev), 2)  # what picks the best k
        log = (out / "trials" / name / "train.log").read_text(encoding="utf8")
        assert "--training.max_epochs 2" in log and f"--system.seed {seed}" in log and "Saved pipeline" in log
        assert (out / "trials" / name / "training" / "model-best").is_dir()
    text = " ".join(first.stdout.split())
    assert text.count("% in ") == 4  # one line per finished trial
    rows = [line.split() for line in first.stdout.splitlines()]
    assert [r[:2] for r in rows if r and r[0] in ("baseline", "DLFA-2")] == [["baseline", "2"], ["DLFA-2", "2"]]
    assert "All 4 trials finished" in text

    logs = sorted(out.glob("trials/*/train.log"))
    mtimes = [p.stat().st_mtime_ns for p in logs]
    again = run_sweep(*args, "--", "--encoder.name", os.path.relpath(tiny_bert, REPO))
    assert again.returncode == 0, again.stdout + again.stderr
    assert " ".join(again.stdout.split()).count("skipped, metrics.json exists") == 4
    assert [p.stat().st_mtime_ns for p in logs] == mtimes  # nothing retrained

    (out / "trials" / "DLFA-2-s1" / "metrics.json").unlink()
    broken = run_sweep(*args, "--", "--encoder.name", str(tmp_path / "no-such-encoder"))
    assert broken.returncode == 1, broken.stdout + broken.stderr
    text = " ".join(broken.stdout.split())
    assert text.count("skipped, metrics.json exists") == 3
    assert "DLFA-2 seed 1 failed" in text and "1 of 4 trials failed" in text
    assert str(out / "trials" / "DLFA-2-s1" / "train.log") in text
    assert not (out / "trials" / "DLFA-2-s1" / "metrics.json").exists()
    assert [p.stat().st_mtime_ns for p in logs if p.parent.name != "DLFA-2-s1"] == \
        [m for p, m in zip(logs, mtimes) if p.parent.name != "DLFA-2-s1"]


@pytest.mark.slow
def test_without_ray_the_sweep_runs_its_trials_in_turn(tiny_bert, tmp_path):
    config, train, dev, out = sweep_files(tmp_path)
    args = [str(config), "--train", str(train), "--dev", str(dev), "--test-dir", str(tmp_path / "test"),
            "--task", "ner", "--layers", "2", "--seeds", "0", "--output", str(out),
            "--override", "training.max_epochs=2", "--", "--encoder.name", str(tiny_bert)]
    # `import ray` fails in the sweep's process, as with Ray not installed (its trials' `spacy train`
    # subprocesses never import Ray).
    code = ("import runpy, sys; sys.modules['ray'] = None; sys.argv = ['dlfa_spacy', 'sweep', *sys.argv[1:]]; "
            "runpy.run_module('dlfa_spacy', run_name='__main__')")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO,
                            env=env, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    text = " ".join(result.stdout.split())
    assert "2 to run in this process, one after another (Ray is not installed" in text
    assert "All 2 trials finished" in text
    for name, layer in (("baseline-s0", None), ("DLFA-2-s0", 2)):
        metrics = json.loads((out / "trials" / name / "metrics.json").read_text(encoding="utf8"))
        assert metrics["layer"] == layer and metrics["language_set"] == ["de", "es"]
        assert "Saved pipeline" in (out / "trials" / name / "train.log").read_text(encoding="utf8")


STS_TRAIN = [
    ("Anna lives in Berlin .", "Anna lives in Berlin .", 5.0),
    ("Maria works at Siemens in Hamburg .", "Maria works at Siemens .", 4.0),
    ("Peter visited Paris with Lucy .", "Peter visited Paris .", 3.5),
    ("Anna lives in Berlin .", "Die Katze schläft auf dem Sofa .", 0.0),
    ("Peter visited Paris with Lucy .", "Nobody lives in the old house .", 1.0),
]


@pytest.mark.slow
def test_sweep_sts_with_auto_on_ray_and_its_report(tiny_bert, tmp_path):
    from dlfa_spacy.report import write_sweep_report

    train = sts_docbin(tmp_path / "train.spacy", STS_TRAIN)
    dev = sts_docbin(tmp_path / "dev.spacy", STS_TRAIN[:3])
    sts_docbin(tmp_path / "test" / "de.spacy", [("Anna wohnt in Berlin .", "Anna wohnt in Berlin .", 5.0),
                                                      ("Anna wohnt in Berlin .", "Der Hund bellt .", 0.5),
                                                      ("Peter besuchte Paris .", "Peter besuchte Rom .", 2.5)])
    sts_docbin(tmp_path / "test" / "en-de.spacy", [("Anna lives in Berlin .", "Anna wohnt in Berlin .", 5.0),
                                                         ("Anna lives in Berlin .", "Der Hund bellt .", 0.0)])
    config = Config().from_disk(REPO / "configs" / "sts.cfg", interpolate=False)
    config["encoder"]["max_length"] = 32
    config["training"].update({"max_epochs": 2, "eval_frequency": 2, "dropout": 0.0})
    config["training"]["batcher"]["size"] = 2
    config.to_disk(tmp_path / "sts.cfg", interpolate=False)
    out = tmp_path / "sweep"
    result = run_sweep(str(tmp_path / "sts.cfg"), "--train", str(train), "--dev", str(dev), "--test-dir",
                       str(tmp_path / "test"), "--task", "sts", "--seeds", "0", "--auto", "--output", str(out),
                       "--num-cpus", "2", "--", "--encoder.name", str(tiny_bert))
    assert result.returncode == 0, result.stdout + result.stderr
    for name, layer in (("baseline-s0", None), ("DLFA-auto-s0", "auto")):
        metrics = json.loads((out / "trials" / name / "metrics.json").read_text(encoding="utf8"))
        assert (metrics["task"], metrics["metric"], metrics["layer"]) == ("sts", "spearman", layer)
        assert metrics["language_set"] == ["de"] and metrics["pair_set"] == ["en-de"]
        assert len(metrics["languages"]["de"]["per_example"]) == 3 and metrics["dev"]["n"] == 3
    assert "layer_weights" in json.loads((out / "trials" / "DLFA-auto-s0" / "metrics.json").read_text())
    text = write_sweep_report([out], tmp_path / "reports").read_text(encoding="utf8")
    # The CI rows come from the Spearman bootstrap (each resample ranked again) of the trials' pairs.
    from dlfa_spacy.metrics.bootstrap import paired_bootstrap
    from dlfa_spacy.report import pct, pct_diff

    trials = {n: json.loads((out / "trials" / n / "metrics.json").read_text()) for n in ("baseline-s0", "DLFA-auto-s0")}
    base, auto = (trials[n]["languages"]["de"] for n in ("baseline-s0", "DLFA-auto-s0"))
    ci = paired_bootstrap([base["per_example"]], [auto["per_example"]])
    # One seed each: no seed sd ("–"), and the interval covers the test pairs only.
    row = (f"| de | {pct(base['score'])} | {pct(auto['score'])} | {pct_diff(auto['score'], base['score'])} | – | "
           f"[{pct_diff(ci.ci_low, 0.0)}, {pct_diff(ci.ci_high, 0.0)}] | {'**yes**' if ci.significant else 'no'} |")
    assert "#### STS: learned layer choice (auto)" in text and row in text, (row, text)


def test_layers_beyond_any_encoder_fail_before_building_the_range():
    with pytest.raises(ValueError, match="item '1-100000000' goes beyond 256"):
        parse_layers("1-100000000")
    with pytest.raises(ValueError, match="goes beyond 100000"):
        parse_seeds("0-99999999999")


def test_layers_are_checked_against_the_encoder_before_any_trial(tiny_bert, tmp_path):
    from dlfa_spacy.experiments.sweep import check_layers

    config = tiny_ner_config(tmp_path / "ner.cfg")
    with pytest.raises(ValueError, match=r"--layers 4,13: the encoder '.*' has 4 layers, so a fusion layer k must "
                                         r"be in 1\.\.3"):
        check_layers([2, 4, 13], config, [("encoder.name", str(tiny_bert))])
    check_layers([1, 3], config, [("encoder.name", str(tiny_bert))])
    # An encoder not on this machine yet (a hub name before its download): the trials will tell.
    check_layers([13], config, [("encoder.name", str(tmp_path / "not-downloaded"))])


def sweep_inputs(tmp_path, tiny_bert) -> SweepSpec:
    """A NER sweep whose config, data and test folder are real (the demo's English NER data)."""
    from dlfa_spacy.corpora import convert_file

    data = REPO / "assets" / "demo" / "wikiann"
    spec = make_spec(tmp_path, config=tiny_ner_config(tmp_path / "ner.cfg"))
    convert_file("wikiann", next(data.rglob("en/train")), spec.train, progress=False)
    convert_file("wikiann", next(data.rglob("en/dev")), spec.dev, progress=False)
    convert_file("wikiann", next(data.rglob("de/test")), spec.test_dir / "de.spacy", progress=False)
    return spec


@pytest.mark.parametrize("spoil,message", [
    (lambda s: s.train.write_bytes(b"junk"), "--train: cannot read the corpus"),
    (lambda s: (s.test_dir / "de.spacy").rename(s.test_dir / "de copy.spacy"),
     "holds test files whose names are not language codes: 'de copy.spacy'"),
    (lambda s: (s.test_dir / "de.spacy").unlink(), "holds no {lang}.spacy files"),
    (lambda s: s.config.write_text(s.config.read_text().replace("components.ner", "components.tagger")),
     "has no 'ner' component with a model.tok2vec"),
])
def test_bad_inputs_fail_before_any_trial(tmp_path, tiny_bert, spoil, message):
    from dlfa_spacy.experiments.sweep import check_inputs

    spec = sweep_inputs(tmp_path, tiny_bert)
    check_inputs(spec)  # the real inputs pass
    spoil(spec)
    with pytest.raises(ValueError) as err:
        check_inputs(spec)
    assert message in str(err.value)


def test_an_unreachable_cluster_fails_fast():
    from dlfa_spacy.experiments.sweep import check_address

    port = free_port()  # closed again before the check: nothing listens there
    # A refused connection answers at once; one that never answers is given up after the timeout.
    with pytest.raises(ValueError, match=f"--address '127.0.0.1:{port}': nothing answers at 127.0.0.1:{port}"):
        check_address(f"127.0.0.1:{port}", timeout=5)
    with pytest.raises(ValueError, match="expected auto, host:port or ray://host:port"):
        check_address("somewhere")
    check_address("auto")


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections and never says a word (not a Ray cluster)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


@pytest.mark.parametrize("scheme", ["", "ray://"])
def test_a_port_that_is_not_ray_fails_at_the_deadline(silent_port, scheme):
    from dlfa_spacy.experiments.sweep import check_address

    start = time.monotonic()
    with pytest.raises(ValueError, match=f"--address '{scheme}127.0.0.1:{silent_port}': something answers there "
                                         "but no Ray cluster connected within 3 s"):
        check_address(f"{scheme}127.0.0.1:{silent_port}", timeout=3)
    # the deadline holds although Ray alone would retry for minutes (the child's start is on top)
    assert time.monotonic() - start < 60


def test_sweep_exits_on_sigterm_while_connecting(tmp_path, tiny_bert, silent_port):
    config, train, dev, out = sweep_files(tmp_path)
    command = [sys.executable, "-m", "dlfa_spacy", "sweep", str(config), "--train", str(train), "--dev", str(dev),
               "--test-dir", str(tmp_path / "test"), "--task", "ner", "--layers", "2", "--seeds", "0",
               "--output", str(out), "--address", f"127.0.0.1:{silent_port}",
               "--", "--encoder.name", os.path.relpath(tiny_bert, REPO)]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, PYTHONUNBUFFERED="1"))
    time.sleep(12)  # past the input checks, into the connection (whose deadline is 30 s)
    assert process.poll() is None
    process.terminate()
    assert process.wait(timeout=10) == -signal.SIGTERM
    assert f"Connecting to the Ray cluster at 127.0.0.1:{silent_port}" in process.stdout.read()
    assert not (out / "trials").exists()


def ray_cli(*args: str) -> subprocess.CompletedProcess:
    """`ray ARGS` from this environment's Ray (with this process's environment, its token included)."""
    ray = Path(sys.executable).parent / "ray"
    return subprocess.run([str(ray), *args], capture_output=True, text=True, timeout=180, env=dict(os.environ))


@pytest.mark.slow
def test_sweep_on_a_two_node_ray_cluster(tiny_bert, tmp_path, monkeypatch):
    # A real cluster on loopback: a head node and one more node, 1 CPU each, joined by address,
    # with Ray's token authentication, as a cluster should run (the same token on every node and the driver).
    import secrets

    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    monkeypatch.setenv("RAY_AUTH_TOKEN", secrets.token_hex(32))
    port, client_port = free_port(), free_port()
    config, train, dev, out = sweep_files(tmp_path)
    try:
        head = ray_cli("start", "--head", "--port", str(port), "--node-ip-address", "127.0.0.1", "--num-cpus", "1",
                       "--ray-client-server-port", str(client_port), "--include-dashboard", "false",
                       "--disable-usage-stats")
        assert head.returncode == 0, head.stdout + head.stderr
        node = ray_cli("start", "--address", f"127.0.0.1:{port}", "--node-ip-address", "127.0.0.1", "--num-cpus", "1",
                       "--disable-usage-stats")
        assert node.returncode == 0, node.stdout + node.stderr
        count = subprocess.run([sys.executable, "-c", "import ray; ray.init(address='127.0.0.1:%d', log_to_driver=False); "
                                "print(sum(n['Alive'] for n in ray.nodes()))" % port],
                               capture_output=True, text=True, timeout=180, env=dict(os.environ))
        assert count.stdout.strip().splitlines()[-1] == "2", count.stdout + count.stderr
        # once as a driver joined to the cluster, once through the Ray client (ray://)
        for address, output in [(f"127.0.0.1:{port}", out), (f"ray://127.0.0.1:{client_port}", tmp_path / "client")]:
            result = run_sweep(str(config), "--train", str(train), "--dev", str(dev),
                               "--test-dir", str(tmp_path / "test"), "--task", "ner", "--layers", "2", "--seeds", "0",
                               "--output", str(output), "--address", address, "--override", "training.max_epochs=2",
                               "--", "--encoder.name", os.path.relpath(tiny_bert, REPO))
            assert result.returncode == 0, result.stdout + result.stderr
            assert f"on the Ray cluster at {address}" in " ".join(result.stdout.split())
            assert sorted(p.parent.name for p in output.glob("trials/*/metrics.json")) == ["DLFA-2-s0", "baseline-s0"]
    finally:
        ray_cli("stop", "--force")

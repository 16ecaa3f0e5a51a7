"""The typer command line: help text everywhere, summaries at the end, clear errors without tracebacks."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc, DocBin, Span
from typer.main import get_command
from typer.testing import CliRunner

from dlfa_spacy.cli import app

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "data" / "corpora"
COMMANDS = {"convert", "prepare", "evaluate", "report", "sweep", "calibrate", "export-encoder", "verify-assets", "package"}
REPORT_COMMANDS = {"results", "sweep", "encoders", "research"}


def leaf_commands(group) -> dict:
    """Every command of the app by its full name ("report sweep"), subcommands included."""
    out = {}
    for name, command in group.commands.items():
        sub = getattr(command, "commands", None)
        if sub:
            out.update({f"{name} {k}": v for k, v in leaf_commands(command).items()})
        else:
            out[name] = command
    return out


def run_module(*args: str) -> subprocess.CompletedProcess:
    """`python -m dlfa_spacy ARGS` in a new process, from the repository."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", "dlfa_spacy", *args], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=300)


def test_every_parameter_of_every_command_has_help():
    group = get_command(app)
    assert set(group.commands) == COMMANDS
    assert set(group.commands["report"].commands) == REPORT_COMMANDS
    missing = []
    for name, command in leaf_commands(group).items():
        assert command.help and command.help.strip(), name
        for param in command.params:
            if not (getattr(param, "help", None) or "").strip():
                missing.append(f"{name} {param.name}")
    assert missing == []


def test_options_follow_spacy_names():
    group = get_command(app)
    opts = {name: {o for p in cmd.params if p.param_type_name == "option" for o in p.opts}
            for name, cmd in leaf_commands(group).items()}
    assert {"--gpu-id", "-g", "--output", "-o", "--batch-size", "--task"} <= opts["evaluate"]
    for name in ("results", "sweep", "encoders"):
        assert {"--output", "-o"} <= opts[f"report {name}"]


def ner_folder(root: Path) -> Path:
    """An entity ruler named "ner" with exactly known predictions, and gold test sets for de and fr."""
    nlp = spacy.blank("xx")
    ruler = nlp.add_pipe("entity_ruler", name="ner")
    ruler.add_patterns([{"label": "PER", "pattern": "Anna"}, {"label": "LOC", "pattern": "Berlin"},
                        {"label": "PER", "pattern": "Paris"}])
    nlp.to_disk(root / "model")
    gold = {
        # de: 2 of 4 gold entities found, no false positive -> F1 2/3
        "de": [(["Anna", "wohnt", "in", "Berlin", "."], [("PER", 0, 1), ("LOC", 3, 4)]),
               (["Bob", "trifft", "Carl", "."], [("PER", 0, 1), ("PER", 2, 3)])],
        # fr: Paris is predicted PER, gold LOC -> P = R = F1 = 1/2
        "fr": [(["Berlin", "et", "Paris"], [("LOC", 0, 1), ("LOC", 2, 3)])],
    }
    for lang, items in gold.items():
        docs = []
        for words, ents in items:
            doc = Doc(nlp.vocab, words=words)
            doc.ents = [Span(doc, s, e, label=label) for label, s, e in ents]
            docs.append(doc)
        (root / "test").mkdir(exist_ok=True)
        DocBin(docs=docs).to_disk(root / "test" / f"{lang}.spacy")
    return root


def test_evaluate_prints_a_per_language_table(tmp_path):
    root = ner_folder(tmp_path)
    out = tmp_path / "metrics" / "ner.json"
    result = run_module("evaluate", str(root / "model"), str(root / "test"), "--task", "ner",
                        "--output", str(out), "--batch-size", "1")
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    assert ["de", "2", "66.67"] in lines
    assert ["fr", "1", "50.00"] in lines
    assert ["average", "58.33"] in lines
    assert ["w/o", "en", "58.33"] in lines
    assert out.is_file() and f"Saved metrics to {out}" in " ".join(result.stdout.split())


def test_evaluate_dev_is_scored_outside_the_averages(tmp_path):
    root = ner_folder(tmp_path)
    dev = tmp_path / "dev.spacy"
    shutil.copy(root / "test" / "de.spacy", dev)  # so its score is de's, 66.67
    out = tmp_path / "ner.json"
    result = run_module("evaluate", str(root / "model"), str(root / "test"), "--task", "ner",
                        "--output", str(out), "--dev", str(dev))
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    assert ["en", "dev", "2", "66.67"] in lines and ["average", "58.33"] in lines
    metrics = json.loads(out.read_text(encoding="utf8"))
    assert metrics["language_set"] == ["de", "fr"] and metrics["average"] == pytest.approx(0.58333333)
    assert metrics["dev"]["path"] == str(dev) and metrics["dev"]["n"] == 2
    assert metrics["dev"]["score"] == metrics["languages"]["de"]["score"]
    assert "per_example" not in metrics["dev"]
    # A test file named like the dev key would be confused with it: refused, naming it.
    shutil.copy(dev, root / "test" / "dev.spacy")
    clash = run_module("evaluate", str(root / "model"), str(root / "test"), "--task", "ner", "--dev", str(dev))
    assert clash.returncode == 1 and "holds dev.spacy" in " ".join(clash.stdout.split())


def test_bad_input_is_one_line_without_traceback(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("premise\thypothesis\tentailment\nonly two\tfields\n", encoding="utf8")
    result = run_module("convert", "xnli", str(bad), str(tmp_path / "out.spacy"))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    # wasabi wraps long messages; the words are what matter
    assert f"{bad}, line 2: found 2 tab-separated field(s)" in " ".join(result.stdout.split())
    assert not (tmp_path / "out.spacy").exists()


def test_missing_argument_exits_non_zero_with_usage():
    result = CliRunner().invoke(app, ["evaluate", "model-only"])
    assert result.exit_code == 2
    assert "Usage:" in result.output


def test_convert_summary_and_xtreme_file_name_language(tmp_path):
    source = tmp_path / "test-de.tsv"
    source.write_bytes((FIXTURES / "udpos_xtreme.tsv").read_bytes())
    out = tmp_path / "de.spacy"
    result = CliRunner().invoke(app, ["convert", "ud", str(source), str(out)])
    assert result.exit_code == 0, result.output
    assert "lang de" in result.output and "XTREME token<TAB>UPOS" in result.output
    docs = list(DocBin().from_disk(out).get_docs(spacy.blank("xx").vocab))
    assert docs and {doc.user_data.get("lang") for doc in docs} == {"de"}


def test_prepare_reports_each_file_then_a_table(tmp_path):
    out = tmp_path / "corpus"
    result = CliRunner().invoke(app, ["prepare", "pawsx", str(out), "--source", str(REPO / "assets" / "demo" / "pawsx"),
                                      "--langs", "de,es"])
    assert result.exit_code == 0, result.output
    for name in ("train.spacy", "dev.spacy", "de.spacy", "es.spacy"):
        assert f"{name}: " in result.output or f"/{name}" in result.output
    assert sorted(p.name for p in (out / "test").iterdir()) == ["de.spacy", "es.spacy"]
    # the closing table has one row per written file
    assert sum(line.startswith(("train.spacy", "dev.spacy", "de.spacy", "es.spacy"))
               for line in result.output.splitlines()) == 4


def test_report_prints_the_main_table(tmp_path):
    root = ner_folder(tmp_path)
    metrics = tmp_path / "ner-baseline.json"
    assert CliRunner().invoke(app, ["evaluate", str(root / "model"), str(root / "test"), "-t", "ner",
                                    "-o", str(metrics)]).exit_code == 0
    result = CliRunner().invoke(app, ["report", "results", str(metrics), "-o", str(tmp_path / "reports")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "reports" / "results.md").is_file()
    row = next(line for line in result.output.splitlines() if line.startswith("| baseline"))
    assert row.split("|")[6:8] == [" 58.33 ", " 58.33 "]  # NER average and w/o en


def test_import_and_load_do_not_need_matplotlib(tmp_path):
    nlp = spacy.blank("xx")
    nlp.add_pipe("sentencizer")
    nlp.to_disk(tmp_path / "p")
    code = ("import sys, spacy, dlfa_spacy, dlfa_spacy.architectures, dlfa_spacy.corpora, dlfa_spacy.experiments.evaluate; "
            f"spacy.load({str(tmp_path / 'p')!r}); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_matplotlib_is_only_an_extra():
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    requires = cfg["options"]["install_requires"]
    assert "matplotlib" not in requires
    assert "matplotlib" in cfg["options.extras_require"]["report"]
    assert "matplotlib" in cfg["options.extras_require"]["project"]


def _requirement_names(text: str) -> set:
    """Distribution names of a setup.cfg requirement list (comments, extras, versions and markers dropped)."""
    import re

    lines = (line.split("#")[0].split(";")[0].strip() for line in text.splitlines())
    return {re.split(r"[\[<>=!~ ]", line)[0].lower().replace("_", "-") for line in lines if line}


def test_every_import_is_declared_and_the_project_extra_needs_no_ray():
    import ast
    import configparser
    import importlib.metadata

    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    extras = {name: _requirement_names(text) for name, text in cfg["options.extras_require"].items()}
    base = _requirement_names(cfg["options"]["install_requires"])
    imported = set()
    for path in (REPO / "dlfa_spacy").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    distributions = importlib.metadata.packages_distributions()
    third_party = {distributions[m][0].lower() for m in imported - set(sys.stdlib_module_names) - {"dlfa_spacy"}}
    # What demo and demo-research import is in the library or the project extra; Ray alone is
    # left to `sweep` and `research` (without it a sweep runs its trials in turn).
    assert third_party - base - extras["project"] == {"ray"}
    assert "ray" in extras["sweep"] and "ray" in extras["research"] and "sentencepiece" in extras["project"]
    assert extras["project"] <= extras["research"]


def test_evaluate_to_an_unwritable_path_fails_before_the_work(tmp_path):
    root = ner_folder(tmp_path)
    (tmp_path / "a-file").write_text("x")
    result = CliRunner().invoke(app, ["evaluate", str(root / "model"), str(root / "test"), "-t", "ner",
                                      "-o", str(tmp_path / "a-file" / "m.json")])
    output = " ".join(result.output.split())
    assert result.exit_code == 1 and f"cannot write {tmp_path / 'a-file' / 'm.json'}: {tmp_path / 'a-file'} is a file" in output
    assert "Traceback" not in output and "58.33" not in output  # failed before the evaluation


def test_a_failed_write_after_the_work_still_shows_the_scores(tmp_path, monkeypatch):
    import errno

    from dlfa_spacy import atomic

    root = ner_folder(tmp_path)

    def full_disk(path, data):
        raise OSError(errno.ENOSPC, f"cannot write {path}: No space left on device", str(path))

    monkeypatch.setattr(atomic, "write_atomic", full_disk)
    result = CliRunner().invoke(app, ["evaluate", str(root / "model"), str(root / "test"), "-t", "ner",
                                      "-o", str(tmp_path / "m.json")])
    output = " ".join(result.output.split())
    assert result.exit_code == 1 and "Traceback" not in output
    assert "de" in output and "58.33" in output  # the per-language table came first
    assert f"cannot write {tmp_path / 'm.json'}: No space left on device" in output


def test_verify_assets_names_each_file_that_differs_or_is_missing(tmp_path):
    import hashlib

    good, short, wrong = b"all of it", b"half", b"same size"
    (tmp_path / "a").mkdir()
    for name, data in (("a/good.zip", good), ("a/short.zip", short), ("a/wrong.zip", wrong)):
        (tmp_path / name).write_bytes(data)
    table = {"a/good.zip": {"bytes": len(good), "sha256": hashlib.sha256(good).hexdigest()},
             "a/short.zip": {"bytes": 1000, "sha256": "0" * 64},
             "a/wrong.zip": {"bytes": len(wrong), "sha256": "f" * 64},
             "a/absent.zip": {"bytes": 5, "sha256": "0" * 64}}
    sums = tmp_path / "sha256.json"
    sums.write_text(json.dumps(table))
    result = CliRunner().invoke(app, ["verify-assets", str(sums), "--root", str(tmp_path)])
    assert result.exit_code == 1
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.output)
    lines = [" ".join(line.split()) for line in plain.strip().split("✘") if line.strip()]
    assert lines == [
        "a/short.zip: found 4 bytes; expected 1,000 bytes",
        f"a/wrong.zip: found SHA-256 {hashlib.sha256(wrong).hexdigest()}; expected SHA-256 {'f' * 64}",
        "a/absent.zip: found no such file; expected 5 bytes",
    ]
    del table["a/short.zip"], table["a/wrong.zip"], table["a/absent.zip"]
    sums.write_text(json.dumps(table))
    ok = CliRunner().invoke(app, ["verify-assets", str(sums), "--root", str(tmp_path)])
    assert ok.exit_code == 0 and "1 assets match" in ok.output
    sums.write_text(json.dumps({"a/good.zip": {"bytes": "9"}}))
    bad = CliRunner().invoke(app, ["verify-assets", str(sums), "--root", str(tmp_path)])
    assert bad.exit_code == 1 and "entry 'a/good.zip' must hold \"bytes\" (an integer)" in bad.output


@pytest.mark.parametrize("task", ["ner", "pos", "xnli", "pawsx", "sts"])
def test_package_meta_names_licence_sources_and_the_method(task):
    from dlfa_spacy.packaging import DATA_SOURCES, package_meta

    meta = package_meta(task, "bert-base-multilingual-cased", 8)
    assert meta["license"] == "MIT (code); the weights are also bound by the licences of the sources"
    assert meta["sources"][:-1] == DATA_SOURCES[task] and all(s["name"] and s["license"] for s in meta["sources"])
    assert meta["sources"][-1] == {"name": "encoder: bert-base-multilingual-cased", "license": "Apache-2.0",
                                   "url": "https://huggingface.co/bert-base-multilingual-cased"}
    assert "DLFA" in meta["description"] and "layer 8" in meta["description"] and "arXiv 2205.08497" in meta["description"]
    assert "a learned mix of the lower layers" in package_meta(task, "/models/x", "auto")["description"]

"""The spaCy project: project.yml is valid and current; the offline demo runs end to end and
its wheels install into a fresh virtual environment, where spacy.load finds them by name."""
import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List, Tuple

import pytest
import spacy
from spacy.tokens import DocBin
from helpers import code_blocks

ROOT = Path(__file__).resolve().parents[1]
TASKS = ("ner", "pos", "xnli", "pawsx", "sts")


def test_project_yml_is_what_the_generator_writes():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_project_yml.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_project_config_is_valid_and_every_workflow_step_exists():
    from weasel.util import load_project_config

    config = load_project_config(ROOT)
    names = {c["name"] for c in config["commands"]}
    for workflow, steps in config["workflows"].items():
        assert set(steps) <= names
        # A step that two experiments share runs once.
        assert len(steps) == len(set(steps)), workflow
    by_name = {c["name"]: c for c in config["commands"]}
    # The demos read nothing that the repository or an earlier step of theirs does not provide.
    for workflow in ("demo", "demo-sweep", "demo-research", "demo-compare-encoders"):
        produced = set()
        for command in (by_name[n] for n in config["workflows"][workflow]):
            for dep in command.get("deps", []):
                assert dep in produced or (ROOT / dep).exists(), (workflow, command["name"], dep)
            produced.update(command.get("outputs", []) + command.get("outputs_no_cache", []))
            # Offline: no hub encoder, nothing from the full run's variables.
            script = " ".join(command["script"])
            assert not any(hub in script for hub in ("${vars.transformer}", "${vars.encoder_", "multilingual")), script
    demo = [by_name[n] for n in config["workflows"]["demo"]]
    # The demo never names the model hub's encoder.
    assert all("bert-base-multilingual" not in " ".join(c["script"]) for c in demo)
    # Baseline and DLFA differ in the fusion layer only.
    for task in TASKS:
        by_name = {c["name"]: c["script"][0] for c in config["commands"]}
        dlfa, base = by_name[f"train-{task}"], by_name[f"train-{task}-baseline"]
        strip = lambda s: s.replace("/dlfa", "/X").replace("/baseline", "/X").rsplit(" ", 1)[0]
        assert strip(dlfa) == strip(base)
        assert base.endswith(" null")


@pytest.mark.parametrize("workflow", ["all", "sweep", "research", "compare-encoders"])
def test_full_workflow_needs_no_manual_step(workflow):
    from weasel.util import load_project_config

    config = load_project_config(ROOT)
    by_dest = {asset["dest"]: asset for asset in config["assets"]}
    # Every asset is downloaded by `spacy project assets` and states its size, except the
    # SemEval-2017 zips (served over http only) and STS2017-extended, whose sizes are not
    # published: those say so.
    unsized = ["assets/sts2017/sts2017.eval.v1.1.zip", "assets/sts2017/sts2017.gs.zip",
               "assets/sts2017/STS2017-extended.zip"]
    plain_http = {a["dest"] for a in config["assets"] if a["url"].startswith("http://alt.qcri.org/semeval2017/")}
    assert plain_http == set(unsized[:2])
    assert all(asset["url"].startswith("https://") for asset in config["assets"] if asset["dest"] not in plain_http)
    assert [a["dest"] for a in config["assets"] if " bytes" not in a["description"]] == unsized
    assert all("size is not published" in by_dest[d]["description"] or "size not published" in by_dest[d]["description"]
               for d in unsized)
    # stsb-multi-mt is pinned to a commit, so its MD5 sums are checked on download.
    stsb = [a for a in config["assets"] if a["dest"].startswith("assets/stsb/")]
    assert len(stsb) == 13 and all(len(a["checksum"]) == 32 for a in stsb)
    commands = {c["name"]: c for c in config["commands"]}
    steps = config["workflows"][workflow]
    assert steps[0] == "download" and commands["download"]["script"] == ["python -m spacy project assets ."]
    # Every file a step of `all` reads is an asset or the output of an earlier step.
    produced = set(by_dest)
    for name in steps:
        for dep in commands[name].get("deps", []):
            assert dep in produced or (ROOT / dep).exists(), (name, dep)
        produced.update(commands[name].get("outputs", []) + commands[name].get("outputs_no_cache", []))
    # XTREME's sources: UD 2.5, PAN-X as the Hugging Face loaders fetch it, MultiNLI from XNLI-MT.
    assert "11234/1-3105/ud-treebanks-v2.5.tgz" in by_dest["assets/ud/ud-treebanks-v2.5.tgz"]["url"]
    assert by_dest["assets/wikiann/panx_dataset.zip"]["url"].endswith("/wikiann/1.1.0/panx_dataset.zip")
    assert by_dest["assets/xnli/XNLI-MT-1.0.zip"]["url"].endswith("/XNLI/XNLI-MT-1.0.zip")


def test_sweep_workflows_cover_the_paper_and_the_demo():
    from weasel.util import load_project_config

    config = load_project_config(ROOT)
    commands = {c["name"]: " ".join(c["script"]) for c in config["commands"]}
    for task in TASKS:  # the paper's sweep: layers 1-11, three seeds, on a GPU per trial
        assert f"sweep-{task}" in config["workflows"]["sweep"]
        assert "--layers 1-11 --seeds 0,1,2 --auto" in commands[f"sweep-{task}"]
        assert "--gpu-id -1 --gpus-per-trial 1" in commands[f"sweep-{task}"]
    demo = config["workflows"]["demo-sweep"]
    assert demo[-1] == "demo-sweep-report" and [s for s in demo if s.startswith("demo-sweep-")][:2] == \
        ["demo-sweep-ner", "demo-sweep-xnli"]
    for step in demo:
        assert "bert-base-multilingual" not in commands[step]
    assert "--layers 1-3 --seeds 0,1" in commands["demo-sweep-ner"]


def _copy_project(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        src = ROOT / name
        if src.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(src.read_bytes())


@pytest.fixture(scope="module")
def demo_project(tmp_path_factory):
    """The repository copied to a temp dir, with `spacy project run demo` done in it.

    sweep_done and research_done run later workflows in this same directory."""
    project = tmp_path_factory.mktemp("project")
    _copy_project(project)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    result = subprocess.run([sys.executable, "-m", "spacy", "project", "run", "demo", "."], cwd=project,
                            env=env, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return project


@pytest.mark.slow
def test_demo_workflow_writes_metrics_report_and_wheels(demo_project):
    for task in TASKS:
        tests = sorted(p.stem for p in (demo_project / "demo" / "corpus" / task / "test").glob("*.spacy"))
        langs = ["de", "en", "es", "ru", "zh"] if task in ("ner", "pos") else ["de", "en", "es", "ru"]
        pair_sets = ["en-de", "es-en"] if task == "sts" else []
        assert tests == sorted(langs + pair_sets)
        layers = {"ner": 2, "pos": 3, "xnli": 3, "pawsx": 2, "sts": "auto"}
        for variant, layer in (("dlfa", layers[task]), ("baseline", None)):
            metrics = json.loads((demo_project / "demo" / "metrics" / f"{task}-{variant}.json").read_text())
            assert metrics["task"] == task
            assert metrics["smoke"] is True
            assert metrics["layer"] == layer
            assert sorted(metrics["languages"]) == langs
            assert sorted(metrics.get("pairs", {})) == pair_sets
            gold = DocBin().from_disk(demo_project / "demo" / "corpus" / task / "test" / "de.spacy")
            assert metrics["languages"]["de"]["n"] == len(gold)
    report = (demo_project / "demo" / "reports" / "results.md").read_text()
    assert "smoke run" in report
    for title in ("XNLI", "PAWS-X", "NER", "POS", "STS"):
        assert title in report
    # STS: Spearman per language, and the STS 2017-style pair sets apart.
    assert "STS: Spearman correlation." in report and "## STS\n\nScore: Spearman correlation." in report
    sts = report[report.index("## STS\n"):]
    assert [line.split(" |")[0] for line in sts.splitlines() if line.startswith("| ") and " | " in line][:9] == [
        "| Language", "| de", "| en", "| es", "| ru", "| **average**", "| **w/o en**", "| Pair set", "| en-de"]
    assert "| es-en | yes |" in sts and "| **cross-lingual average** |" in sts
    wheels = sorted(p.name for p in (demo_project / "demo" / "packages").glob("*/dist/*.whl"))
    assert wheels == [f"xx_dlfa_{t}-0.1.0-py3-none-any.whl" for t in sorted(TASKS)]
    assert [p.name for p in (demo_project / "packages" / "wheels").glob("*.whl")] == [
        "dlfa_spacy-0.1.0-py3-none-any.whl"]
    # Each package's meta names its licence and sources; setuptools' output is in a log, not the terminal.
    for task in TASKS:
        meta = json.loads(next((demo_project / "demo" / "packages").glob(f"xx_dlfa_{task}-0.1.0/meta.json")).read_text())
        assert meta["license"].startswith("MIT (code)") and "Feature Aggregation in Zero-Shot" in meta["description"]
        assert meta["sources"][-1] == {"name": "encoder: demo/encoder", "url": "demo/encoder",
                                       "license": "see the encoder's model card"}
        assert (demo_project / "demo" / "packages" / f"xx_dlfa_{task}-build.log").stat().st_size > 0


LOAD_SCRIPT = textwrap.dedent("""
    import json, sys
    import spacy
    from dlfa_spacy import pair_doc

    samples = json.loads(sys.argv[1])
    out = {}
    ner = spacy.load("xx_dlfa_ner")
    out["ner"] = {lang: [[e.label_ for e in ner(t).ents] for t in texts] for lang, texts in samples["ner"].items()}
    pos = spacy.load("xx_dlfa_pos")
    out["pos"] = [t.tag_ for t in pos(samples["pos"])]
    xnli = spacy.load("xx_dlfa_xnli")
    out["xnli"] = xnli(pair_doc(xnli, *samples["xnli"])).cats
    pawsx = spacy.load("xx_dlfa_pawsx")
    out["pawsx"] = pawsx(pair_doc(pawsx, *samples["pawsx"])).cats
    sts = spacy.load("xx_dlfa_sts")
    out["sts"] = [sts(pair_doc(sts, a, b))._.sts_score for a, b in samples["sts"]]
    out["module"] = sys.modules["dlfa_spacy"].__file__
    print(json.dumps(out))
""")


@pytest.mark.slow
def test_wheels_install_in_a_fresh_venv_and_load_by_name(demo_project, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    # torch pinned first, as the Makefile installs it, so that nothing pulls another build.
    subprocess.run(pip + ["torch==2.13.0"], check=True, timeout=1200)
    links = ["--find-links", str(demo_project / "packages" / "wheels")]
    for wheel_dir in sorted((demo_project / "demo" / "packages").glob("*/dist")):
        links += ["--find-links", str(wheel_dir)]
    subprocess.run(pip + links + [f"xx_dlfa_{t}" for t in TASKS], check=True, timeout=1200)

    samples = {"ner": {}}
    for lang in ("en", "de", "es", "ru", "zh"):
        lines = (ROOT / "assets" / "demo" / "wikiann" / lang / "test").read_text(encoding="utf-8").split("\n\n")
        sentences = [[row.split("\t")[0].split(":", 1)[1] for row in block.splitlines()] for block in lines[:5] if block]
        samples["ner"][lang] = ["".join(s) if lang == "zh" else " ".join(s) for s in sentences]
    samples["pos"] = "Maria lives in a small house ."
    samples["xnli"] = ["Anna is happy and lives in Berlin .", "Anna does not live in Berlin ."]
    samples["pawsx"] = ["Anna met Peter in Berlin .", "Peter met Anna in Berlin ."]
    samples["sts"] = [["Anna lives in Berlin.", "Anna lives in Berlin."], ["Anna lives in Berlin.", "Anna wohnt in Köln."]]
    # Run outside the repository so that only the installed packages can be imported.
    result = subprocess.run([str(venv / "bin" / "python"), "-c", LOAD_SCRIPT, json.dumps(samples)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=""))
    assert result.returncode == 0, result.stderr[-4000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["module"].startswith(str(venv))
    for lang, per_sentence in out["ner"].items():
        labels = [label for ents in per_sentence for label in ents]
        assert labels and set(labels) <= {"PER", "LOC", "ORG"}, lang
    assert len(out["pos"]) == 7 and all(out["pos"])
    assert set(out["xnli"]) == {"entailment", "neutral", "contradiction"}
    assert abs(sum(out["xnli"].values()) - 1.0) < 1e-5
    assert set(out["pawsx"]) == {"paraphrase", "not_paraphrase"}
    # The packaged regressor registers Doc._.sts_score itself and predicts in 0..5.
    assert len(out["sts"]) == 2 and all(isinstance(x, float) and 0.0 <= x <= 5.0 for x in out["sts"])

    # README's Python example, exactly as written, against the installed packages.
    example = readme_python_example()
    shown = subprocess.run([str(venv / "bin" / "python"), "-c", example], cwd=tmp_path, capture_output=True,
                           text=True, timeout=600, env=dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=""))
    assert shown.returncode == 0, shown.stderr[-4000:]
    entities, weights = [ast.literal_eval(line) for line in shown.stdout.strip().splitlines()]
    assert all(isinstance(text, str) and label in {"PER", "LOC", "ORG"} for text, label in entities)
    assert weights == {}  # the demo's NER pipeline fuses layer 2: no learned mix to show
    # Every other Python block of the docs, each as written, against the same packages.
    for where, block in docs_python_examples():
        ran = subprocess.run([str(venv / "bin" / "python"), "-c", block], cwd=tmp_path, capture_output=True,
                             text=True, timeout=600, env=dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=""))
        assert ran.returncode == 0, f"{where}: " + ran.stderr[-3000:]


def docs_python_examples() -> List[Tuple[str, str]]:
    """(page:line, block) of every Python block in docs/."""
    return code_blocks(sorted((ROOT / "docs").glob("*.md")), "python", ROOT)


def readme_python_example() -> str:
    """README's first Python block: the one that loads xx_dlfa_ner."""
    blocks = [text for _, text in code_blocks([ROOT / "README.md"], "python", ROOT)]
    assert blocks and 'spacy.load("xx_dlfa_ner")' in blocks[0]
    return blocks[0]


def _project_run(project: Path, workflow: str, without_ray: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if without_ray:
        # As in an environment with only the `project` extra: `import ray` fails in every
        # Python process the workflow starts.
        blocker = project / ".without-ray"
        blocker.mkdir(exist_ok=True)
        (blocker / "sitecustomize.py").write_text("import sys\nsys.modules['ray'] = None\n")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(blocker), env.get("PYTHONPATH")]))
    result = subprocess.run([sys.executable, "-m", "spacy", "project", "run", workflow, "."], cwd=project,
                            env=env, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result


# The workflows build on each other in one directory, each fixture on the state of the one before:
# demo_project (demo) -> sweep_done (+ demo-sweep) -> research_done (+ demo-research). A test asks
# for the state it reads, so each one runs alone (-k) too, and none relies on the tests run before it.
def headless(*args: str) -> subprocess.CompletedProcess:
    """Debian's chromium, headless, with its console messages on stderr."""
    command = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_results_html_renders_in_a_real_browser_with_entity_marks(demo_project, tmp_path):
    import shutil

    if shutil.which("chromium") is None:
        pytest.skip("no chromium: .ci/run installs Debian's (apt-get install chromium)")
    reports = demo_project / "demo" / "reports"
    pages = sorted(p.name for p in reports.glob("examples_*.html"))
    # one displaCy page per NER / POS variant (dlfa, baseline) and test language
    assert len(pages) == 2 * 2 * 5 and "examples_ner_DLFA-2_de.html" in pages
    for name in ("results.html", "examples_ner_DLFA-2_de.html", "examples_pos_DLFA-3_zh.html"):
        shown = headless("--dump-dom", (reports / name).as_uri())
        assert shown.returncode == 0, shown.stderr[-2000:]
        console = [line for line in shown.stderr.splitlines() if ":CONSOLE" in line]
        assert console == [], console  # no script error, no failed resource the page reports
        assert "<table>" in shown.stdout if name == "results.html" else "predicted" in shown.stdout
    ner = headless("--dump-dom", (reports / "examples_ner_DLFA-2_de.html").as_uri()).stdout
    assert ner.count('<mark class="entity"') >= 1  # the demo's gold German sentences hold entities
    shot = tmp_path / "results.png"
    taken = headless(f"--screenshot={shot}", "--window-size=1200,2000", (reports / "results.html").as_uri())
    assert taken.returncode == 0 and shot.read_bytes().startswith(b"\x89PNG"), taken.stderr[-2000:]


@pytest.fixture(scope="module")
def sweep_done(demo_project):
    """demo_project with `spacy project run demo-sweep` done in it, after the demo."""
    # After the demo: its encoder and corpora are reused, as a user's second workflow would.
    _project_run(demo_project, "demo-sweep")
    return demo_project


@pytest.fixture(scope="module")
def research_done(sweep_done):
    """demo_project with `spacy project run demo-research` done in it, after the demo and demo-sweep."""
    # It reads the demo's uncalibrated metrics; after demo-sweep, only the calibration steps
    # (and the encoder comparisons) are left to run.
    # Without Ray, as `pip install ".[project]"` leaves it.
    result = _project_run(sweep_done, "demo-research", without_ray=True)
    assert "one after another (Ray is not installed" in " ".join(result.stdout.split())
    return sweep_done


@pytest.mark.slow
def test_demo_sweep_writes_the_sweep_report_and_a_rerun_starts_no_trial(sweep_done):
    demo_project = sweep_done  # the demo, then demo-sweep, run in it
    for task in ("ner", "xnli"):
        trials = sorted(p.parent.name for p in (demo_project / "demo" / "sweeps" / task).glob("trials/*/metrics.json"))
        variants = ("baseline", "DLFA-1", "DLFA-2", "DLFA-3", "DLFA-auto", "DLFA-uniform", "scalar-mix")
        assert trials == sorted(f"{v}-s{s}" for v in variants for s in (0, 1))
        assert (demo_project / "demo" / "reports" / f"sweep_{task}_layer_weights.png").read_bytes()[:4] == b"\x89PNG"
        assert (demo_project / "demo" / "reports" / f"sweep_{task}_gain.png").read_bytes()[:4] == b"\x89PNG"
    report = (demo_project / "demo" / "reports" / "sweep.md").read_text(encoding="utf8")
    assert "| k | XNLI | NER | Average |" in report and "| k | XNLI (en dev) | NER (en dev) |" in report
    # The D_k and English dev tables (the calibration table further down has the same row names).
    tables = report.split("## Gain over the baseline", 1)[0]
    rows = [line for line in tables.splitlines() if line.startswith(("| baseline |", "| D_1 |", "| D_3 |", "| auto |"))]
    assert len(rows) == 8 and all(cell.count(" ± ") == 1 for row in rows for cell in row.strip("|").split("|")[1:])
    for title in ("XNLI", "NER"):
        section = report.split(f"### {title}\n", 1)[1].split("\n### ", 1)[0]
        assert "chosen on English dev" in section and "| Language | baseline | DLFA-" in section
        assert section.count("[") >= 4 and "| **average** |" in section  # the CIs per language and on average
        assert f"#### {title}: learned layer choice (auto)" in section and "| Language | baseline | DLFA-auto |" in section
        assert f"#### {title}: scalar mix of every layer (the rival)" in section
        assert "| Language | baseline | scalar-mix |" in section
        # auto beside its fixed uniform mix on the same seeds: what learning the weights adds
        uniform = section.split(f"#### {title}: fixed uniform mix (uniform)\n", 1)[1]
        assert "The learned mix (auto) minus this uniform one, seed by seed:" in uniform
        assert "| Language | baseline | DLFA-uniform |" in uniform
        # de, es, ru are the target languages: three steps of adding one.
        assert f"#### {title}: gain as target languages are added (DLFA-" in section
    assert "| scalar-mix |" in report.split("## D_k", 1)[1].split("## English dev", 1)[0]
    calibration = report.split("## Calibration by fusion layer", 1)[1]
    assert "### XNLI calibration" in calibration and "### NER calibration" not in calibration
    assert (demo_project / "demo" / "reports" / "sweep_xnli_calibration.png").read_bytes()[:4] == b"\x89PNG"
    logs = sorted((demo_project / "demo" / "sweeps").glob("*/trials/*/train.log"))
    assert len(logs) == 28  # 2 tasks x 2 seeds x (baseline, k = 1..3, auto, uniform, scalar-mix)
    mtimes = [p.stat().st_mtime_ns for p in logs]
    again = _project_run(demo_project, "demo-sweep")
    assert "% in " not in again.stdout  # no trial trained
    assert [p.stat().st_mtime_ns for p in logs] == mtimes


@pytest.mark.slow
def test_demo_research_calibrates_on_english_dev_and_reports_before_and_after(research_done):
    demo_project = research_done  # the demo, demo-sweep, then demo-research, run in it
    for task in ("xnli", "pawsx"):
        metrics = json.loads((demo_project / "demo" / "metrics" / "calibrated" / f"{task}-dlfa.json").read_text())
        uncalibrated = json.loads((demo_project / "demo" / "metrics" / f"{task}-dlfa.json").read_text())
        assert metrics["temperature"] > 0 and sorted(metrics["languages"]) == ["de", "en", "es", "ru"]
        for lang, scores in metrics["languages"].items():
            before = scores["calibration"]["before"]
            assert before["accuracy"] == scores["accuracy"] == uncalibrated["languages"][lang]["accuracy"]
            assert before["ece"] == pytest.approx(uncalibrated["languages"][lang]["ece"], abs=1e-9)
        loaded = spacy.load(demo_project / "demo" / "training" / task / "dlfa-calibrated")
        assert loaded.pipe_names[-1] == "temperature_scaling"
        assert loaded.get_pipe("temperature_scaling").temperature == metrics["temperature"]
    report = (demo_project / "demo" / "reports" / "calibrated" / "results.md").read_text(encoding="utf8")
    for title in ("XNLI", "PAWS-X"):
        assert f"### {title} temperature scaling (fitted on English dev; mean over languages)" in report
    # The encoder comparison: both tiny encoders on XNLI (baseline, k = 3, auto) and STS (baseline, auto).
    for key, variants in (("xnli", ["baseline", "DLFA-3", "DLFA-auto"]), ("sts", ["baseline", "DLFA-auto"])):
        for encoder in ("bert", "xlmr"):
            trials = demo_project / "demo" / "sweeps" / "encoders" / encoder / key / "trials"
            assert sorted(p.parent.name for p in trials.glob("*/metrics.json")) == sorted(f"{v}-s0" for v in variants)
    encoders = (demo_project / "demo" / "reports" / "encoders.md").read_text(encoding="utf8")
    assert "Encoders: tiny BERT, tiny XLM-R." in encoders
    xnli = encoders.split("## XNLI\n", 1)[1].split("## ", 1)[0]
    assert "| Encoder | baseline | D_3 | D_3 gain | D_3 95% CI | auto | auto gain | auto 95% CI |" in xnli
    assert "| tiny BERT |" in xnli and "| tiny XLM-R |" in xnli
    sts = encoders.split("## STS\n", 1)[1]
    assert "| Encoder | baseline | auto | auto gain | auto 95% CI |" in sts
    # Intermediate tasks: each tiny encoder plain, after POS and after parsing, on XNLI.
    for name in ("bert-pos", "bert-parser"):
        checkpoint = demo_project / "demo" / "encoders" / name
        assert (checkpoint / "config.json").is_file() and (checkpoint / "tokenizer_config.json").is_file()
    intermediate = (demo_project / "demo" / "reports" / "intermediate" / "encoders.md").read_text(encoding="utf8")
    # Lines starting "| " are the header and the rows (the alignment line starts "|:").
    rows = [line.split(" |")[0] for line in intermediate.split("## XNLI\n", 1)[1].splitlines() if line.startswith("| ")]
    assert rows == ["| Encoder", "| tiny BERT", "| tiny BERT + POS", "| tiny BERT + parser"]
    # research.md: all five sections, each filled from the trials' reports.
    research = (demo_project / "demo" / "reports" / "research.md").read_text(encoding="utf8")
    sections = research.split("\n## ")[1:]
    assert [sec.split("\n", 1)[0][:2] for sec in sections] == ["1.", "2.", "3.", "4.", "5."]
    assert all("| " in sec for sec in sections)  # every section holds a table of real numbers

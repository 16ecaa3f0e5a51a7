"""Write project.yml: the full replication (`all`) and the offline demo (`demo`) share one chain.

    python scripts/make_project_yml.py            # rewrites project.yml
    python scripts/make_project_yml.py --check    # exit 1 if project.yml is out of date

Weasel variables cannot differ per workflow, so the demo's commands are the same commands
written out again with the demo's paths and values.
"""
import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import yaml

from dlfa_spacy.tasks import TASK_NAMES as TASKS
from dlfa_spacy.tasks import TASKS as TASK_TABLE

ROOT = Path(__file__).resolve().parents[1]
# Task facts (components, the paper's layers, XTREME's epochs and languages) come from
# the one task table.
SOURCES = {name: task.sources for name, task in TASK_TABLE.items()}
DEMO_LAYER = {name: task.demo_layer for name, task in TASK_TABLE.items()}
DEMO_LANGS = {name: task.demo_langs for name, task in TASK_TABLE.items()}

# Sizes and SHA-256 sums as the Hugging Face dataset loaders record them (datasets'
# dataset_infos.json), kept once in assets/sha256.json; `spacy project assets` checks MD5 only,
# and no MD5 is published, so the `verify-assets` step checks them after the download.
# XTREME's scripts/download_data.sh names the same files.
SHA256 = json.loads((ROOT / "assets" / "sha256.json").read_text(encoding="utf8"))


def sums(dest: str) -> str:
    """'N bytes, SHA-256 X' of a large asset, from assets/sha256.json."""
    return f"{SHA256[dest]['bytes']:,} bytes, SHA-256 {SHA256[dest]['sha256']}"


ASSETS = [
    {"dest": "assets/wikiann/panx_dataset.zip",
     "url": "https://s3.amazonaws.com/datasets.huggingface.co/wikiann/1.1.0/panx_dataset.zip",
     "description": "WikiANN / PAN-X NER with the Rahimi et al. (2019) splits that XTREME uses: one "
                    f"lang.tar.gz (train, dev, test) per language; {sums('assets/wikiann/panx_dataset.zip')}. The archive the "
                    "Hugging Face wikiann and xtreme loaders download. If it is unavailable, save "
                    "XTREME's copy by hand from "
                    "https://www.amazon.com/clouddrive/share/d3KGCRCIYwhKJF0H3eWA26hjg2ZCRhjpEQtDL70FSBN "
                    "(it downloads as AmazonPhotos.zip: the same per-language archives) and save it as this dest."},
    {"dest": "assets/ud/ud-treebanks-v2.5.tgz",
     "url": "https://lindat.mff.cuni.cz/repository/xmlui/bitstream/handle/11234/1-3105/ud-treebanks-v2.5.tgz",
     "description": "Universal Dependencies 2.5, the release XTREME evaluates (LINDAT handle 11234/1-3105); "
                    f"{sums('assets/ud/ud-treebanks-v2.5.tgz')}."},
    {"dest": "assets/xnli/XNLI-MT-1.0.zip",
     "url": "https://dl.fbaipublicfiles.com/XNLI/XNLI-MT-1.0.zip",
     "description": "XNLI-MT 1.0: its multinli/multinli.train.en.tsv is the English MultiNLI training set "
                    f"XTREME trains on; {sums('assets/xnli/XNLI-MT-1.0.zip')}."},
    {"dest": "assets/xnli/XNLI-1.0.zip",
     "url": "https://dl.fbaipublicfiles.com/XNLI/XNLI-1.0.zip",
     "description": f"XNLI 1.0 dev and test sets in 15 languages; {sums('assets/xnli/XNLI-1.0.zip')}."},
    {"dest": "assets/pawsx/x-final.tar.gz",
     "url": "https://storage.googleapis.com/paws/pawsx/x-final.tar.gz",
     "description": "PAWS-X (x-final): English PAWS train/dev and test sets in 7 languages; "
                    f"{sums('assets/pawsx/x-final.tar.gz')}."},
]


# stsb-multi-mt at a fixed commit, so that the MD5 sums (of the files in that commit)
# stay true; rows per file: train 5,749, dev 1,500, test 1,379.
STSB_COMMIT = "30de0dec4ee199b7f42351d3f1a0b19592955385"
STSB_FILES = {  # file: (bytes, MD5)
    "stsb-en-train.csv": (708863, "21b3565f0d2d44475464fda8dc4b593e"),
    "stsb-en-dev.csv": (204675, "479c8c6b47814847bab462bf75decfe3"),
    "stsb-de-test.csv": (188602, "8acfb2cca282d68592c5db8d1b2ca158"),
    "stsb-en-test.csv": (158891, "c294b5cf44d2eedb739052f65cbddd99"),
    "stsb-es-test.csv": (189142, "8bb74502891c664ba8bc57b90349ff65"),
    "stsb-fr-test.csv": (195020, "9cfc4f27615d61cadcda8694f64981f1"),
    "stsb-it-test.csv": (186156, "bcc0390ad009468cf3632b9bc7d45382"),
    "stsb-ja-test.csv": (210014, "5f29da39a6df09901fc0ff0274650d7c"),
    "stsb-nl-test.csv": (177327, "7c664b108b2d794f29192c16c372f15b"),
    "stsb-pl-test.csv": (176382, "04469d4a06f400f6f996dba8deb09f4a"),
    "stsb-pt-test.csv": (183762, "baa32a1926c4d7e54b05f79ce407f719"),
    "stsb-ru-test.csv": (295513, "8e8f486fe257c055c0469dcdd5dd263e"),
    "stsb-zh-test.csv": (148541, "56eabd253513416957d1f466321c5cee"),
}
# No size or checksum is published for these three, and this machine cannot reach them,
# so their descriptions give what is known: the files inside and their pairs.
STS2017_URL = "http://alt.qcri.org/semeval2017/task1/data/uploads/"
ASSETS += [
    {"dest": f"assets/stsb/{name}",
     "url": f"https://raw.githubusercontent.com/PhilipMay/stsb-multi-mt/{STSB_COMMIT}/data/{name}",
     "checksum": md5,
     "description": f"stsb-multi-mt (STS Benchmark, English and DeepL translations), {name}: {size:,} bytes. "
                    "Licence: the STS Benchmark's (scores CC BY-SA 4.0, each text source its own), see README."}
    for name, (size, md5) in STSB_FILES.items()
]
ASSETS += [
    {"dest": "assets/sts2017/sts2017.eval.v1.1.zip", "url": STS2017_URL + "sts2017.eval.v1.1.zip",
     "description": "SemEval-2017 task 1 test inputs (STS2017.eval.v1.1/STS.input.track{N}.{l1}-{l2}.txt; 250 pairs "
                    "per track: ar-ar, ar-en, es-es, es-en (4a and 4b), en-en, tr-en). A small zip (text only); "
                    "its byte size is not published."},
    {"dest": "assets/sts2017/sts2017.gs.zip", "url": STS2017_URL + "sts2017.gs.zip",
     "description": "SemEval-2017 task 1 gold scores (STS2017.gs/STS.gs.track{N}.{l1}-{l2}.txt, one score per "
                    "pair); a small zip, byte size not published."},
    {"dest": "assets/sts2017/STS2017-extended.zip",
     "url": "https://public.ukp.informatik.tu-darmstadt.de/reimers/sentence-transformers/datasets/STS2017-extended.zip",
     "description": "sentence-transformers' STS2017-extended (STS.{l1}-{l2}.txt, sentence1<TAB>sentence2<TAB>score): "
                    "adds the cross-lingual en-de, fr-en, it-en and nl-en; byte size not published."},
]


def source_files(task: str) -> List[str]:
    """The asset files a task's sources are: each source, or for a folder (assets/stsb) its files."""
    files = []
    for source in SOURCES[task].split():
        inside = [a["dest"] for a in ASSETS if a["dest"].startswith(source + "/")]
        files += inside or [source]
    return files


def task_config(task: str) -> str:
    """A task's training config: in ${vars.configs} where configs/spacy has the task (spaCy's heads), else configs/."""
    return f"${{vars.configs}}/{task}.cfg" if (ROOT / "configs" / "spacy" / f"{task}.cfg").is_file() else \
        f"configs/{task}.cfg"


def variables() -> Dict:
    out: Dict = {"gpu_id": -1, "transformer": "bert-base-multilingual-cased", "version": "0.1.0",
                 # XTREME's heads (configs/); --vars.configs configs/spacy trains spaCy's own NER, tagger and
                 # textcat on the encoder instead (STS has one config in configs/ only).
                 "configs": "configs"}
    for task in TASKS:
        spec = TASK_TABLE[task]
        out[f"{task}_layer"], out[f"{task}_epochs"] = spec.default_layer, spec.epochs
        out[f"{task}_langs"] = ",".join(spec.languages + spec.pair_sets)
    # The paper's sweep: every lower layer of a 12-layer encoder; seeds as the sweep issue.
    out.update({"sweep_layers": "1-11", "sweep_seeds": "0,1,2", "sweep_gpus_per_trial": 1})
    out.update({"demo_transformer": "demo/encoder", "demo_epochs": 15, "demo_learn_rate": 0.001,
                "demo_version": "0.1.0"})
    for task in TASKS:
        out[f"demo_{task}_layer"] = DEMO_LAYER[task]
        out[f"demo_{task}_langs"] = DEMO_LANGS[task]
    out.update({"demo_sweep_layers": "1-3", "demo_sweep_seeds": "0,1"})
    # The encoder comparison's other encoders (hub ids or local folders, e.g. an unzipped mSimCSE).
    out.update({"encoder_xlmr": "xlm-roberta-base", "encoder_labse": "setu4993/LaBSE", "demo_encoder_seeds": "0",
                # The research demo's trainings are shorter than the demo's, to keep it within ~15 minutes;
                # 5 epochs of ~10 steps: evaluated every 10 steps, so that model-best is not the first step's.
                "demo_research_epochs": 5, "demo_research_eval_frequency": 10})
    return out


def training_overrides(task: str, demo: bool, encoder: Optional[str] = None, research: bool = False) -> str:
    """The config overrides every training of a task gets: encoder and epochs (and the demo's rate and eval steps)."""
    if not demo:
        return f"--encoder.name {encoder or '${vars.transformer}'} --training.max_epochs ${{vars.{task}_epochs}}"
    epochs, every = ("${vars.demo_research_epochs}", "${vars.demo_research_eval_frequency}") if research else \
        ("${vars.demo_epochs}", "50")
    return (f"--encoder.name {encoder or '${vars.demo_transformer}'} --training.max_epochs {epochs} "
            f"--training.optimizer.learn_rate.initial_rate ${{vars.demo_learn_rate}} --training.eval_frequency {every}")


def chain(task: str, demo: bool) -> List[Dict]:
    """convert, train, train-baseline, evaluate and package commands of one task."""
    p = "demo-" if demo else ""
    v = "demo_" if demo else ""
    root = "demo/" if demo else ""
    comp = TASK_TABLE[task].component
    corpus, training, metrics = f"{root}corpus/{task}", f"{root}training/{task}", f"{root}metrics"
    packages = f"{root}packages"
    source = "assets/demo" if demo else SOURCES[task]
    sources = " ".join(f"--source {path}" for path in source.split())
    prepare = (f"python -m dlfa_spacy prepare {task} {corpus} {sources} --langs ${{vars.{v}{task}_langs}}"
               + (TASK_TABLE[task].demo_prepare if demo else ""))
    train = (f"python -m spacy train {task_config(task)} --paths.train {corpus}/train.spacy "
             f"--paths.dev {corpus}/dev.spacy {training_overrides(task, demo)} --gpu-id ${{vars.gpu_id}}")
    layer = f"--components.{comp}.model.tok2vec.layer"
    train_deps = [task_config(task), f"{corpus}/train.spacy", f"{corpus}/dev.spacy"] + (["demo/encoder"] if demo else [])
    evaluate = f"python -m dlfa_spacy evaluate {training}/{{}}/model-best {corpus}/test --task {task} --output {metrics}/{task}-{{}}.json"
    # On the GPU in the full run, as README says; the demo runs on the CPU.
    evaluate += " --smoke" if demo else " --gpu-id ${{vars.gpu_id}}"
    name = f"dlfa_{task}"
    version = "${vars.demo_version}" if demo else "${vars.version}"
    encoder = "${vars.demo_transformer}" if demo else "${vars.transformer}"
    return [
        {"name": f"{p}convert-{task}",
         "help": f"Convert the {task} data: English train/dev and a test set per language.",
         "script": [prepare],
         "deps": ["assets/demo"] if demo else source_files(task),
         "outputs": [f"{corpus}/train.spacy", f"{corpus}/dev.spacy", f"{corpus}/test"]},
        {"name": f"{p}train-{task}",
         "help": f"Train {comp} on English with DLFA (fusion of the last layer and layer ${{vars.{v}{task}_layer}}"
                 + ("; auto: a learned mix of the lower layers, as the paper has no layer for this task)."
                    if TASK_TABLE[task].paper_layer is None else ")."),
         "script": [f"{train} --output {training}/dlfa {layer} ${{vars.{v}{task}_layer}}"],
         "deps": train_deps, "outputs": [f"{training}/dlfa/model-best"]},
        {"name": f"{p}train-{task}-baseline",
         "help": f"Train the same {comp} on the last layer only (layer null: nothing else differs).",
         "script": [f"{train} --output {training}/baseline {layer} null"],
         "deps": train_deps, "outputs": [f"{training}/baseline/model-best"]},
        {"name": f"{p}evaluate-{task}",
         "help": "Evaluate DLFA and baseline zero-shot on every test language.",
         "script": [evaluate.format("dlfa", "dlfa"), evaluate.format("baseline", "baseline")],
         "deps": [f"{training}/dlfa/model-best", f"{training}/baseline/model-best", f"{corpus}/test"],
         "outputs": [f"{metrics}/{task}-dlfa.json", f"{metrics}/{task}-baseline.json"]},
        {"name": f"{p}package-{task}",
         "help": f"Package the DLFA {task} pipeline as a wheel: xx_{name}, its meta naming the licence and sources "
                 "(setuptools' output goes to a build log beside it).",
         "script": [f"python -c \"import pathlib; pathlib.Path('{packages}').mkdir(parents=True, exist_ok=True)\"",
                    f"python -m dlfa_spacy package {training}/dlfa/model-best {packages} --task {task} --name {name} "
                    f"--version {version} --encoder {encoder}"],
         "deps": [f"{training}/dlfa/model-best"],
         "outputs_no_cache": [f"{packages}/xx_{name}-{version}/dist/xx_{name}-{version}-py3-none-any.whl"]},
    ]


# The offline sweep: the demo encoder's lower layers 1-3 (it has 4), two seeds, one
# tagging and one classification task, plus "auto", its fixed uniform mix and the scalar-mix
# rival; 28 trials of ~20 s each on 2 CPU cores.
DEMO_SWEEP_TASKS = ["ner", "xnli"]


def sweep_command(task: str, demo: bool) -> Dict:
    """One task's layer sweep (baseline + each k, times each seed) as Ray trials."""
    p, v, root = ("demo-", "demo_", "demo/") if demo else ("", "", "")
    corpus, out = f"{root}corpus/{task}", f"{root}sweeps/{task}"
    script = (f"python -m dlfa_spacy sweep {task_config(task)} --train {corpus}/train.spacy --dev {corpus}/dev.spacy "
              f"--test-dir {corpus}/test --task {task} --layers ${{vars.{v}sweep_layers}} "
              f"--seeds ${{vars.{v}sweep_seeds}} --auto --uniform --scalar-mix --output {out}")
    if demo:
        script += " --num-cpus 2 --cpus-per-trial 1"
    else:
        script += " --gpu-id ${vars.gpu_id} --gpus-per-trial ${vars.sweep_gpus_per_trial}"
    script += f" -- {training_overrides(task, demo)}"
    return {"name": f"{p}sweep-{task}",
            "help": f"Layer sweep of {task}: the baseline, DLFA with each layer k, with layer auto and with its fixed uniform mix, and the scalar-mix rival, for each seed, as Ray tasks "
                    "(finished trials are skipped, so a rerun resumes).",
            "script": [script],
            "deps": [task_config(task), f"{corpus}/train.spacy", f"{corpus}/dev.spacy", f"{corpus}/test"]
            + (["demo/encoder"] if demo else []),
            "outputs_no_cache": [f"{out}/trials"]}


def sweep_report(tasks: List[str], demo: bool) -> Dict:
    root = "demo/" if demo else ""
    sweeps = " ".join(f"{root}sweeps/{t}" for t in tasks)
    return {"name": ("demo-" if demo else "") + "sweep-report",
            "help": "The sweep report: D_k mean ± std over seeds, gain heatmaps, best k on English dev, bootstrap CIs, "
                    "scalar mix, calibration by layer, gains as target languages are added.",
            "script": [f"python -m dlfa_spacy report sweep {sweeps} --output {root}reports"],
            "deps": [f"{root}sweeps/{t}/trials" for t in tasks], "outputs": [f"{root}reports/sweep.md"]}


# Encoders compared on XNLI and STS: baseline, DLFA at XNLI's paper layer (the best k of
# mBERT; STS has none) and auto. Any hub id or local folder fits the variables.
ENCODERS = {"mbert": ("mBERT", "${vars.transformer}"), "xlmr": ("XLM-R", "${vars.encoder_xlmr}"),
            "labse": ("LaBSE", "${vars.encoder_labse}")}
DEMO_ENCODERS = {"bert": ("tiny BERT", "demo/encoder"), "xlmr": ("tiny XLM-R", "demo/encoder-xlmr")}
ENCODER_TASKS = ["xnli", "sts"]


def encoder_sweep(key: str, task: str, demo: bool, encoder: Optional[str] = None, title: Optional[str] = None) -> Dict:
    """One encoder's sweep of one task: baseline, the task's k (if the paper has one) and auto."""
    p, v, root = ("demo-", "demo_", "demo/") if demo else ("", "", "")
    if encoder is None:
        title, encoder = (DEMO_ENCODERS if demo else ENCODERS)[key]
    corpus, out = f"{root}corpus/{task}", f"{root}sweeps/encoders/{key}/{task}"
    layers = f" --layers ${{vars.{v}{task}_layer}}" if TASK_TABLE[task].paper_layer is not None else ""
    seeds = "${vars.demo_encoder_seeds}" if demo else "${vars.sweep_seeds}"
    # Encoders are compared under XTREME's recipe (configs/): the pair head follows the encoder (head = "auto").
    script = (f"python -m dlfa_spacy sweep configs/{task}.cfg --train {corpus}/train.spacy --dev {corpus}/dev.spacy "
              f"--test-dir {corpus}/test --task {task}{layers} --seeds {seeds} --auto --output {out}")
    script += (" --num-cpus 2 --cpus-per-trial 1" if demo
               else " --gpu-id ${vars.gpu_id} --gpus-per-trial ${vars.sweep_gpus_per_trial}")
    script += f" -- {training_overrides(task, demo, encoder, research=True)}"
    return {"name": f"{p}compare-{key}-{task}",
            "help": f"{title} on {task}: baseline, DLFA and auto, for each seed (finished trials are skipped).",
            "script": [script],
            "deps": [f"configs/{task}.cfg", f"{corpus}/train.spacy", f"{corpus}/dev.spacy", f"{corpus}/test"]
            + ([encoder] if demo else []),
            "outputs_no_cache": [f"{out}/trials"]}


def named_sweeps(demo: bool, rows: Dict[str, str], tasks: Sequence[str]) -> List[str]:
    """The quoted "TITLE=FOLDER" arguments of encoder sweeps `rows` ({key: title}) of `tasks`."""
    root = "demo/" if demo else ""
    return [f"\"{title}={root}sweeps/encoders/{key}/{task}\"" for key, title in rows.items() for task in tasks]


def encoder_report(demo: bool, rows: Optional[Dict[str, str]] = None, tasks: Sequence[str] = ENCODER_TASKS,
                   name: str = "compare-encoders-report", folder: str = "reports") -> Dict:
    """encoders.md from the encoder sweeps `rows` ({key: title}, default the compared encoders) of `tasks`."""
    root = "demo/" if demo else ""
    if rows is None:
        rows = {key: title for key, (title, _) in (DEMO_ENCODERS if demo else ENCODERS).items()}
    named = " ".join(named_sweeps(demo, rows, tasks))
    return {"name": ("demo-" if demo else "") + name,
            "help": "encoders.md: each encoder's baseline, DLFA and auto side by side, with bootstrap CIs of the gains.",
            "script": [f"python -m dlfa_spacy report encoders {named} --output {root}{folder}"],
            "deps": [f"{root}sweeps/encoders/{key}/{task}/trials" for key in rows for task in tasks],
            "outputs": [f"{root}{folder}/encoders.md"]}


# Intermediate tasks (English, before the target task): POS (easy) and UD parsing (hard),
# for mBERT and XLM-R; the target tasks then train from the exported encoder.
INTERMEDIATE = {"pos": "POS", "parser": "parser"}
INTERMEDIATE_ENCODERS = ["mbert", "xlmr"]
INTERMEDIATE_TARGETS = ["xnli", "pawsx"]
DEMO_INTERMEDIATE_TARGETS = ["xnli"]


def intermediate_commands(demo: bool) -> List[Dict]:
    """Convert the parser data; per encoder and intermediate task: train, export, and sweep the targets from it."""
    p, root = ("demo-", "demo/") if demo else ("", "")
    encoders = {"bert": DEMO_ENCODERS["bert"]} if demo else {k: ENCODERS[k] for k in INTERMEDIATE_ENCODERS}
    source = "assets/demo" if demo else SOURCES["pos"]
    treebank = "en_demo" if demo else "en_ewt"
    commands = [{"name": f"{p}convert-parser",
                 "help": "English UD with syntactic words and their dependency trees, for the parser.",
                 "script": [f"python -m dlfa_spacy prepare pos {root}corpus/parser --source {source} --langs en "
                            f"--ud-tokens words --train-treebank {treebank}"],
                 "deps": ["assets/demo"] if demo else source_files("pos"),
                 "outputs": [f"{root}corpus/parser/train.spacy", f"{root}corpus/parser/dev.spacy"]}]
    targets = DEMO_INTERMEDIATE_TARGETS if demo else INTERMEDIATE_TARGETS
    for key, (title, encoder) in encoders.items():
        for itask, ititle in INTERMEDIATE.items():
            model, exported = f"{root}training/intermediate/{key}-{itask}", f"{root}encoders/{key}-{itask}"
            corpus = f"{root}corpus/{itask}"
            # The encoder is what carries over: the intermediate head reads the last layer only.
            component = TASK_TABLE[itask].component if itask in TASK_TABLE else itask
            train = (f"python -m spacy train configs/{itask}.cfg --paths.train {corpus}/train.spacy --paths.dev "
                     f"{corpus}/dev.spacy {training_overrides('pos', demo, encoder, research=True)} "
                     f"--gpu-id ${{vars.gpu_id}} --output {model} --components.{component}.model.tok2vec.layer null")
            commands.append({
                "name": f"{p}intermediate-{key}-{itask}",
                "help": f"{title} fine-tuned on English {ititle} (the intermediate task), its encoder exported.",
                "script": [train, f"python -m dlfa_spacy export-encoder {model}/model-best {exported}"],
                "deps": [f"configs/{itask}.cfg", f"{corpus}/train.spacy", f"{corpus}/dev.spacy"]
                + ([encoder] if demo else []),
                "outputs": [f"{model}/model-best", exported]})
            commands += [encoder_sweep(f"{key}-{itask}", task, demo, exported, f"{title} + {ititle}") for task in targets]
    commands.append(encoder_report(demo, intermediate_rows(demo), targets, "intermediate-report",
                                   "reports/intermediate"))
    return commands


def intermediate_rows(demo: bool) -> Dict[str, str]:
    """{sweep key: encoder title} of the intermediate experiment: each plain encoder and each fine-tuned one."""
    encoders = {"bert": DEMO_ENCODERS["bert"]} if demo else {k: ENCODERS[k] for k in INTERMEDIATE_ENCODERS}
    rows = {}
    for key, (title, _) in encoders.items():
        rows[key] = title
        rows.update({f"{key}-{itask}": f"{title} + {ititle}" for itask, ititle in INTERMEDIATE.items()})
    return rows


def intermediate_steps(demo: bool) -> List[str]:
    """The workflow steps of the intermediate-task experiment."""
    p = "demo-" if demo else ""
    # The demo: the tiny BERT only, to keep demo-research (and the slow tests) within their time budget;
    # the full workflow runs mBERT and XLM-R, and a fast test trains from an exported XLM-R encoder.
    encoders = {"bert": DEMO_ENCODERS["bert"]} if demo else {k: ENCODERS[k] for k in INTERMEDIATE_ENCODERS}
    targets = DEMO_INTERMEDIATE_TARGETS if demo else INTERMEDIATE_TARGETS
    steps = [f"{p}convert-pos", f"{p}convert-parser"]
    steps += [f"{p}compare-{key}-{t}" for key in encoders for t in targets]
    for key in encoders:
        for itask in INTERMEDIATE:
            steps += [f"{p}intermediate-{key}-{itask}"] + [f"{p}compare-{key}-{itask}-{t}" for t in targets]
    return steps + [f"{p}intermediate-report"]


# Temperature scaling: the classification tasks' DLFA pipelines of `all` / `demo`.
CALIBRATED_TASKS = ["xnli", "pawsx"]


def calibrate_command(task: str, demo: bool) -> Dict:
    """Fit the DLFA pipeline's temperature on English dev only, then evaluate the calibrated pipeline."""
    p, root = ("demo-", "demo/") if demo else ("", "")
    model, out = f"{root}training/{task}/dlfa/model-best", f"{root}training/{task}/dlfa-calibrated"
    metrics = f"{root}metrics/calibrated/{task}-dlfa.json"
    evaluate = (f"python -m dlfa_spacy evaluate {out} {root}corpus/{task}/test --task {task} --output {metrics}"
                + (" --smoke" if demo else " --gpu-id ${vars.gpu_id}"))
    return {"name": f"{p}calibrate-{task}",
            "help": f"Temperature scaling of the DLFA {task} pipeline, fitted on English dev only; evaluated per language "
                    "with ECE / NLL / Brier before and after.",
            "script": [f"python -m dlfa_spacy calibrate {model} {root}corpus/{task}/dev.spacy {out}", evaluate],
            "deps": [model, f"{root}corpus/{task}/dev.spacy", f"{root}corpus/{task}/test"],
            "outputs": [out, metrics]}


def calibration_report(demo: bool) -> Dict:
    root = "demo/" if demo else ""
    files = [f"{root}metrics/calibrated/{t}-dlfa.json" for t in CALIBRATED_TASKS]
    return {"name": ("demo-" if demo else "") + "calibration-report",
            "help": "The calibrated pipelines' report: temperature, ECE / NLL / Brier before and after scaling.",
            "script": [f"python -m dlfa_spacy report results {' '.join(files)} --output {root}reports/calibrated"],
            "deps": files, "outputs": [f"{root}reports/calibrated/results.md"]}


def research_report(demo: bool) -> Dict:
    """research.md from the data of the research experiments: sweeps, calibrated metrics, encoder sweeps."""
    root = "demo/" if demo else ""
    sweeps = [f"{root}sweeps/{t}" for t in (DEMO_SWEEP_TASKS if demo else TASKS)]
    calibrated = calibration_report(demo)["deps"]
    encoders = named_sweeps(demo, {key: title for key, (title, _) in (DEMO_ENCODERS if demo else ENCODERS).items()},
                            ENCODER_TASKS)
    targets = DEMO_INTERMEDIATE_TARGETS if demo else INTERMEDIATE_TARGETS
    intermediate = named_sweeps(demo, intermediate_rows(demo), targets)
    inputs = " ".join([f"--sweep {s}" for s in sweeps] + [f"--calibrated {c}" for c in calibrated]
                      + [f"--encoder {n}" for n in encoders] + [f"--intermediate {n}" for n in intermediate])
    return {"name": ("demo-" if demo else "") + "research-report",
            "help": "research.md: the five research questions, each computed from the experiments' results.",
            "script": [f"python -m dlfa_spacy report research {inputs} --output {root}reports"],
            "deps": [f"{s}/trials" for s in sweeps] + calibrated,
            "outputs": [f"{root}reports/research.md"]}


def report(demo: bool) -> Dict:
    root = "demo/" if demo else ""
    files = [f"{root}metrics/{t}-{m}.json" for t in TASKS for m in ("dlfa", "baseline")]
    return {"name": ("demo-" if demo else "") + "report",
            "help": "Tables and plots: baseline vs DLFA per task and language.",
            "script": [f"python -m dlfa_spacy report results {' '.join(files)} --output {root}reports"],
            "deps": files, "outputs": [f"{root}reports/results.md"]}


def project() -> Dict:
    commands: List[Dict] = [
        {"name": "download", "help": "Download the public data sets (about 1.1 GB: PAN-X, UD 2.5, XNLI-MT, XNLI, PAWS-X, "
                                     "stsb-multi-mt, STS 2017).",
         "script": ["python -m spacy project assets ."]},
        {"name": "verify-assets",
         "help": "Check the large downloads against their published sizes and SHA-256 sums (assets/sha256.json); "
                 "each file that differs is named.",
         "script": ["python -m dlfa_spacy verify-assets assets/sha256.json"],
         "deps": list(SHA256)},
        {"name": "wheel", "help": "Build the dlfa-spacy wheel that the packaged pipelines require.",
         "script": ["python -m pip wheel --no-deps --wheel-dir packages/wheels ."],
         "deps": ["setup.cfg", "dlfa_spacy"], "outputs_no_cache": ["packages/wheels"]},
        {"name": "demo-encoder",
         "help": "Build a tiny BERT locally: WordPiece vocabulary from the demo texts, random weights (no download).",
         "script": ["python -m dlfa_spacy.testing local-bert demo/encoder --texts assets/demo/text/vocab_corpus.txt "
                    "--layers 4 --width 64 --heads 4 --vocab-size 3000"],
         "deps": ["assets/demo/text/vocab_corpus.txt"], "outputs": ["demo/encoder"]},
    ]
    for demo in (False, True):
        for task in TASKS:
            commands.extend(chain(task, demo))
        commands.append(report(demo))
    commands += [sweep_command(task, False) for task in TASKS] + [sweep_report(TASKS, False)]
    commands += [sweep_command(task, True) for task in DEMO_SWEEP_TASKS] + [sweep_report(DEMO_SWEEP_TASKS, True)]
    for demo in (False, True):
        commands += [calibrate_command(task, demo) for task in CALIBRATED_TASKS] + [calibration_report(demo)]
        commands += [encoder_sweep(key, task, demo) for key in (DEMO_ENCODERS if demo else ENCODERS)
                     for task in ENCODER_TASKS] + [encoder_report(demo)]
        # The plain encoders on the intermediate experiment's targets that ENCODER_TASKS lacks.
        commands += [encoder_sweep(key, task, demo) for key in (DEMO_ENCODERS if demo else INTERMEDIATE_ENCODERS)
                     for task in (DEMO_INTERMEDIATE_TARGETS if demo else INTERMEDIATE_TARGETS)
                     if task not in ENCODER_TASKS]
        commands += intermediate_commands(demo)
    commands += [research_report(demo) for demo in (False, True)]
    commands.append(
        {"name": "demo-encoder-xlmr",
         "help": "Build a tiny XLM-R locally: sentencepiece vocabulary from the demo texts, random weights (no download).",
         "script": ["python -m dlfa_spacy.testing local-xlmr demo/encoder-xlmr --texts assets/demo/text/vocab_corpus.txt "
                    "--layers 4 --width 64 --heads 4 --vocab-size 3000"],
         "deps": ["assets/demo/text/vocab_corpus.txt"], "outputs": ["demo/encoder-xlmr"]})
    names = [c["name"] for c in commands]
    order = ["convert", "train", "train-{}-baseline", "evaluate"]

    def flow(prefix: str) -> List[str]:
        steps = []
        for task in TASKS:
            steps += [f"{prefix}{s.format(task) if '{}' in s else s + '-' + task}" for s in order]
        steps.append(f"{prefix}report")
        steps += [f"{prefix}package-{t}" for t in TASKS]
        return steps

    workflows = {
        "all": ["download", "verify-assets", "wheel"] + flow(""),
        "demo": ["demo-encoder", "wheel"] + flow("demo-"),
        "sweep": ["download", "verify-assets"] + [f"convert-{t}" for t in TASKS] + [f"sweep-{t}" for t in TASKS] + ["sweep-report"],
        "demo-sweep": ["demo-encoder"] + [f"demo-convert-{t}" for t in DEMO_SWEEP_TASKS]
        + [f"demo-sweep-{t}" for t in DEMO_SWEEP_TASKS] + ["demo-sweep-report"],
    }
    # The five research questions: the sweep (with the scalar-mix rival, calibration by layer and
    # gains by number of target languages in its report), temperature scaling, the encoders and
    # the intermediate tasks. A step two experiments share runs once.
    workflows["research"] = workflows["sweep"] + [
        step for t in CALIBRATED_TASKS for step in (f"train-{t}", f"calibrate-{t}")] + ["calibration-report"] + [
        f"compare-{key}-{t}" for key in ENCODERS for t in ENCODER_TASKS] + ["compare-encoders-report"]
    workflows["research"] += [s for s in intermediate_steps(False) if s not in workflows["research"]]
    workflows["demo-research"] = workflows["demo-sweep"] + ["demo-convert-pawsx"] + [
        step for t in CALIBRATED_TASKS for step in (f"demo-train-{t}", f"demo-calibrate-{t}")] + [
        "demo-calibration-report", "demo-encoder-xlmr", "demo-convert-sts"] + [
        f"demo-compare-{key}-{t}" for key in DEMO_ENCODERS for t in ENCODER_TASKS] + ["demo-compare-encoders-report"]
    workflows["demo-research"] += [s for s in intermediate_steps(True) if s not in workflows["demo-research"]]
    # The encoder comparison on its own: each encoder's baseline, DLFA and auto on XNLI and STS.
    workflows["compare-encoders"] = ["download", "verify-assets"] + [f"convert-{t}" for t in ENCODER_TASKS] + [
        f"compare-{key}-{t}" for key in ENCODERS for t in ENCODER_TASKS] + ["compare-encoders-report"]
    workflows["demo-compare-encoders"] = ["demo-encoder", "demo-encoder-xlmr"] + [
        f"demo-convert-{t}" for t in ENCODER_TASKS] + [
        f"demo-compare-{key}-{t}" for key in DEMO_ENCODERS for t in ENCODER_TASKS] + ["demo-compare-encoders-report"]
    workflows["research"].append("research-report")
    workflows["demo-research"].append("demo-research-report")
    assert all(step in names for steps in workflows.values() for step in steps)
    return {
        "title": "DLFA: feature aggregation for zero-shot cross-lingual transfer (spaCy)",
        "description": (
            "Fine-tunes a multilingual encoder on English only and evaluates zero-shot on WikiANN NER, "
            "UD POS, XNLI, PAWS-X and STS (stsb-multi-mt, STS 2017) in every language, with DLFA (fusion of "
            "the last layer and one lower layer, or a learned mix of them) and the last-layer baseline. `demo` (the default) runs the same chain offline on small "
            "bundled data and a tiny locally built BERT: its numbers are a smoke test of the machinery, not "
            "results. `all` is the full replication (downloads mBERT and the data; use a GPU). `sweep` trains the "
            "baseline and every fusion layer k over three seeds on Ray; `demo-sweep` is its offline miniature."
        ),
        "vars": variables(),
        "directories": ["assets", "configs", "corpus", "training", "metrics", "reports", "packages", "sweeps", "demo"],
        "assets": ASSETS,
        "workflows": workflows,
        "commands": commands,
    }


def render() -> str:
    header = ("# Generated by scripts/make_project_yml.py: edit that script, then run it.\n"
              "# `spacy project run demo` (offline, CPU) / `spacy project run all --vars.gpu_id 0`\n")
    return header + yaml.safe_dump(project(), sort_keys=False, allow_unicode=True, width=1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    path = ROOT / "project.yml"
    text = render()
    if args.check:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            print("project.yml is out of date: run python scripts/make_project_yml.py", file=sys.stderr)
            sys.exit(1)
        return
    tmp = path.with_suffix(".yml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


if __name__ == "__main__":
    main()

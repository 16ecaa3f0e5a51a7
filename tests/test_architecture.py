"""The package's shape: no import cycle, light results and command line, the results contract in one place."""
import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set

import pytest

from dlfa_spacy.results import (
    AUTO,
    BASELINE,
    SCALAR_MIX,
    layer_label,
    layer_of_variant,
    trial_name,
    variant_name,
    variant_order,
)
from dlfa_spacy.tasks import TASKS

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "dlfa_spacy"
HEAVY = ("spacy", "thinc", "torch", "transformers", "spacy_transformers", "ray", "matplotlib")


def module_name(path: Path) -> str:
    """dlfa_spacy/report/sweep.py -> dlfa_spacy.report.sweep (a package's __init__ is the package)."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> Set[str]:
    """Every dlfa_spacy module a file imports, at the top or inside a function."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.add(module)
            # `from . import ner` imports the module ner, not a name of the package.
            found.update(f"{module}.{alias.name}" for alias in node.names)
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    return {m for m in found if m in modules and m != name}


def import_graph() -> Dict[str, Set[str]]:
    """{module: the dlfa_spacy modules it imports}, parent packages left out (importing a.b always runs a)."""
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        graph[name] = {m for m in imported_modules(path) if not name.startswith(m + ".")}
    return graph


def find_cycle(graph: Dict[str, Set[str]]) -> List[str]:
    """One import cycle as a list of modules (first repeated last), or [] if there is none."""
    state: Dict[str, int] = {}
    stack: List[str] = []

    def visit(node: str) -> List[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        state[node] = 2
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return []


def loaded_after(code: str) -> List[str]:
    """The heavy packages loaded after running `code` in a fresh interpreter."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_walker_sees_a_cycle_and_imports_inside_functions():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []
    # evaluate imports tqdm at the top and nothing inside; the sweep imports ray inside a function.
    assert "dlfa_spacy.experiments.pipeline_io" in imported_modules(PACKAGE / "experiments" / "evaluate.py")
    assert "dlfa_spacy.experiments.evaluate" in imported_modules(PACKAGE / "cli" / "evaluate.py")  # deferred


def test_no_import_cycle_even_through_imports_inside_functions():
    assert find_cycle(import_graph()) == []


def test_report_and_results_never_import_the_model_stack():
    graph = import_graph()
    for name, imports in graph.items():
        if name.startswith(("dlfa_spacy.report", "dlfa_spacy.results", "dlfa_spacy.tasks", "dlfa_spacy.metrics")):
            assert not {m for m in imports if m.startswith(("dlfa_spacy.layers", "dlfa_spacy.experiments",
                                                            "dlfa_spacy.pipeline", "dlfa_spacy.corpora"))}, name


@pytest.mark.parametrize("code", [
    "import dlfa_spacy.report, dlfa_spacy.report.sweep, dlfa_spacy.report.encoders, dlfa_spacy.report.research",
    "import dlfa_spacy.results, dlfa_spacy.tasks, dlfa_spacy.metrics, dlfa_spacy.metrics.bootstrap",
])
def test_reading_results_loads_no_model_stack(code):
    assert loaded_after(code) == []


@pytest.mark.parametrize("argv", [
    [], ["convert"], ["prepare"], ["evaluate"], ["calibrate"], ["export-encoder"], ["sweep"],
    ["report"], ["report", "results"], ["report", "sweep"], ["report", "encoders"], ["report", "research"],
])
def test_help_loads_no_command_dependencies(argv):
    # What makes --help cost what typer costs: spaCy alone takes about 1.5 s of CPU here.
    code = ("from dlfa_spacy.cli import main\n"
            f"try:\n    main({argv + ['--help']!r})\nexcept SystemExit as err:\n    assert err.code == 0, err.code")
    assert loaded_after(code) == []


def test_variant_names_order_and_labels_round_trip():
    layers = [SCALAR_MIX, AUTO, 11, None, 2]
    names = [variant_name(layer) for layer in layers]
    assert names == [SCALAR_MIX, "DLFA-auto", "DLFA-11", BASELINE, "DLFA-2"]
    assert [layer_of_variant(n) for n in names] == layers
    assert sorted(layers, key=variant_order) == [None, 2, 11, AUTO, SCALAR_MIX]
    assert [layer_label(layer) for layer in (None, 2, AUTO, SCALAR_MIX)] == [BASELINE, "D_2", AUTO, SCALAR_MIX]
    assert trial_name(AUTO, 3) == "DLFA-auto-s3"
    with pytest.raises(ValueError, match="unknown variant 'DLFA-x'"):
        layer_of_variant("DLFA-x")


def test_every_task_is_one_module_of_the_table():
    modules = {p.stem for p in (PACKAGE / "tasks").glob("*.py")} - {"__init__", "base", "pair_classification"}
    assert modules == set(TASKS)
    for name, task in TASKS.items():
        assert (REPO / "configs" / f"{name}.cfg").is_file()
        assert callable(task.load_reader())
        assert task.layout.train and task.layout.test


def test_no_code_outside_tasks_branches_on_a_task_name():
    # A sixth task must not need edits elsewhere: nothing compares a task to a name.
    offenders = []
    for path in list(PACKAGE.rglob("*.py")) + [REPO / "scripts" / "make_project_yml.py"]:
        if "tasks" in path.relative_to(REPO).parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf8").splitlines(), 1):
            for quote in ('"', "'"):
                for name in TASKS:
                    if f"== {quote}{name}{quote}" in line or f"{quote}{name}{quote} ==" in line:
                        offenders.append(f"{path.relative_to(REPO)}:{number}")
    assert offenders == []


def test_the_layout_page_names_every_module():
    layout = (REPO / "docs" / "layout.md").read_text(encoding="utf8")
    missing = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
               if p.name not in ("__init__.py", "__main__.py") and p.parent.name != "cli" and f"`{p.name}`" not in layout
               and f"`{p.relative_to(PACKAGE)}`" not in layout and f"`dlfa_spacy/{p.relative_to(PACKAGE)}`" not in layout]
    assert missing == []

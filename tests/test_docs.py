"""README and docs/: every ini block works when pasted into a config, every link and picture exists, the front door is short."""
import re
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest
from thinc.api import Config
from helpers import code_blocks

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
# Components a block may configure without naming a factory: the factory, and the model a
# config around it would give when the block leaves the model's architecture out.
FACTORIES = {
    "ner": ("ner", '@architectures = "spacy.TransitionBasedParser.v2"\nstate_type = "ner"\n'
                   'extra_state_tokens = false\nhidden_width = 64\nmaxout_pieces = 2\nuse_upper = true'),
    "tagger": ("tagger", '@architectures = "spacy.Tagger.v2"'),
    "textcat": ("textcat", '@architectures = "spacy.TextCatReduce.v1"\nexclusive_classes = true\n'
                           'use_reduce_first = false\nuse_reduce_last = false\nuse_reduce_max = false\n'
                           'use_reduce_mean = true'),
}


def ini_blocks() -> List[Tuple[str, str]]:
    """(page:line, text) of every ```ini block of the pages."""
    return code_blocks(PAGES, "ini", REPO)


def sections(text: str) -> List[Tuple[str, List[str]]]:
    """(section name, its lines) of a config text, in order."""
    out: List[Tuple[str, List[str]]] = []
    for line in text.splitlines():
        header = re.fullmatch(r"\[([^\]]+)\]\s*", line)
        if header:
            out.append((header.group(1), []))
        elif out:
            out[-1][1].append(line)
    return out


def pasted(block: str, encoder: Path) -> str:
    """A whole config: a transformer pipeline around the block, the block's sections replacing its own."""
    names = sorted({name.split(".")[1] for name, _ in sections(block)
                    if name.startswith("components.") and name.split(".")[1] != "transformer"})
    base = f"""[nlp]
lang = "xx"
pipeline = {["transformer", *names]!r}

[components]

[components.transformer]
factory = "transformer"

[components.transformer.model]
@architectures = "dlfa_spacy.TransformerModel.v1"
name = "{encoder}"

[components.transformer.model.get_spans]
@span_getters = "spacy-transformers.doc_spans.v1"
""".replace("'", '"')
    given = {name for name, _ in sections(block)}
    for name in names:
        factory, model = FACTORIES.get(name, (None, None))
        if f"components.{name}" not in given:
            assert factory, f"component {name!r}: give it a [components.{name}] section with its factory"
            base += f'\n[components.{name}]\nfactory = "{factory}"\n'
        if f"components.{name}.model" not in given and model:
            base += f"\n[components.{name}.model]\n{model}\n"
    # A section in both: the block's keys replace the base's, as pasting them would.
    merged = dict(sections(base))
    for name, lines in sections(block):
        keys = {line.split("=", 1)[0].strip() for line in lines if "=" in line}
        kept = [line for line in merged.get(name, []) if "=" not in line or line.split("=", 1)[0].strip() not in keys]
        merged[name] = kept + lines
    return "\n".join(f"[{name}]\n" + "\n".join(lines) for name, lines in merged.items()) + "\n"


@pytest.mark.parametrize("where, text", ini_blocks(), ids=[w for w, _ in ini_blocks()])
def test_every_ini_block_works_when_pasted_into_a_config(where, text, tiny_bert, tmp_path):
    assert not [line for line in text.splitlines() if re.search(r"\S\s+#", line)], \
        f"{where}: confection reads no comment after a value; put it on a line of its own"
    source = tmp_path / "pasted.cfg"
    source.write_text(pasted(text, tiny_bert), encoding="utf8")
    Config().from_disk(source, interpolate=False)  # parses as one config
    # What `spacy init fill-config pasted.cfg full.cfg` runs, in this process (a subprocess each took 4 s).
    from spacy.cli.init_config import fill_config

    filled, _ = fill_config(tmp_path / "full.cfg", source, silent=True)
    assert (tmp_path / "full.cfg").exists(), where
    assert filled["components"]["transformer"]["model"]["@architectures"] == "dlfa_spacy.TransformerModel.v1"


def test_the_readme_is_a_front_door():
    readme = (REPO / "README.md").read_text(encoding="utf8")
    assert len(readme.splitlines()) <= 200
    # the two set-up commands, and the Python example early on
    assert "make demo" in readme and "make test" in readme
    assert readme.index("```python") < readme.index("## Use it in your own config")


def test_links_and_pictures_exist_and_the_diagram_is_current():
    missing = []
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#\s]+)", page.read_text(encoding="utf8")):
            if "://" not in target and not (page.parent / target).exists():
                missing.append(f"{page.relative_to(REPO)} -> {target}")
    assert missing == []
    check = subprocess.run([sys.executable, str(REPO / "scripts" / "draw_diagram.py"), "--check"],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr


def command_lines() -> List[Tuple[str, str]]:
    """(page:line, command) of every `python -m dlfa_spacy` and `python -m spacy project run` line in
    the pages' bash blocks and indented code, with backslash continuations joined."""
    found = []
    for page in PAGES:
        lines = page.read_text(encoding="utf8").splitlines()
        in_bash = False
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("```"):
                in_bash = line.strip() == "```bash" and not in_bash
            code = line.strip() if in_bash or line.startswith("    ") else ""
            start = i
            while code.endswith("\\") and i + 1 < len(lines):
                i += 1
                code = code[:-1] + " " + lines[i].strip()
            code = code.split("  #", 1)[0].strip()
            if "python -m dlfa_spacy " in code or "python -m spacy project run " in code:
                found.append((f"{page.relative_to(REPO)}:{start + 1}", code))
            i += 1
    return found


def test_the_pages_show_commands():
    commands = [c for _, c in command_lines()]
    assert len(commands) >= 20
    assert any("project run all --vars.gpu_id 0" in c for c in commands)


@pytest.mark.parametrize("where, command", command_lines(), ids=[w for w, _ in command_lines()])
def test_every_command_line_names_a_real_workflow_command_and_option(where, command):
    """The commands the pages show cannot run here (downloads, a GPU), so each name is checked instead."""
    import typer.main
    import yaml

    from dlfa_spacy.cli import app

    words = command.split()
    if "spacy" in words and "project" in words:
        project = yaml.safe_load((REPO / "project.yml").read_text(encoding="utf8"))
        name = words[words.index("run") + 1]
        known = set(project["workflows"]) | {c["name"] for c in project["commands"]}
        assert name in known, f"{where}: no workflow or command {name!r} in project.yml"
        for word in words:
            if word.startswith("--vars."):
                assert word[len("--vars."):] in project["vars"], f"{where}: no variable {word!r} in project.yml"
        return
    group = typer.main.get_command(app)
    args = words[words.index("dlfa_spacy") + 1:]
    command_obj = group.commands.get(args[0])
    assert command_obj is not None, f"{where}: no command {args[0]!r}"
    rest = args[1:]
    if hasattr(command_obj, "commands"):  # a group such as `report`
        command_obj = command_obj.commands.get(rest[0])
        assert command_obj is not None, f"{where}: no subcommand {rest[0]!r} of {args[0]}"
        rest = rest[1:]
    options = {opt for param in command_obj.params for opt in [*param.opts, *param.secondary_opts]}
    overrides_allowed = bool(command_obj.context_settings.get("allow_extra_args"))
    for word in rest:
        if word == "--":
            break
        if word.startswith("-") and word != "...":
            name = word.split("=", 1)[0]
            if overrides_allowed and "." in name:
                continue  # a config override such as --training.max_epochs
            assert name in options, f"{where}: {args[0]} has no option {name!r} (it has {sorted(options)})"

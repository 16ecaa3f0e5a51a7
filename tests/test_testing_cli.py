"""The developer commands, `python -m dlfa_spacy.testing local-bert|local-xlmr`, apart from the user CLI."""
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEXTS = ["Anna lives in Berlin and works at Google.", "Peter met Maria in Madrid on Monday.",
         "The city lies on a river.", "Berlin is a large city."]


def run_module(module: str, *args: str) -> subprocess.CompletedProcess:
    """`python -m MODULE ARGS` in a new process, from the repository."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=300)


def test_local_bert_builds_a_folder_transformers_loads(tmp_path):
    from transformers import AutoConfig, AutoTokenizer

    texts = tmp_path / "texts.txt"
    texts.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    out = tmp_path / "bert"
    result = run_module("dlfa_spacy.testing", "local-bert", str(out), "--texts", str(texts),
                        "--vocab-size", "60", "--layers", "2", "--width", "8", "--heads", "2")
    assert result.returncode == 0, result.stderr
    assert "Wrote a randomly initialised BERT" in result.stdout
    config = AutoConfig.from_pretrained(out)
    assert config.num_hidden_layers == 2
    assert config.hidden_size == 8
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert len(tokenizer) == config.vocab_size <= 60
    ids = tokenizer("Berlin")["input_ids"]
    assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id
    assert tokenizer.unk_token_id not in ids


def test_the_developer_cli_defers_heavy_imports():
    # Beyond what `import dlfa_spacy` itself loads: torch, transformers and spaCy wait for a command.
    script = ("import sys, dlfa_spacy; before = set(sys.modules); import dlfa_spacy.testing.cli; "
              "print(sorted(m for m in ('torch', 'transformers', 'spacy', 'sentencepiece', 'tokenizers') "
              "if m in sys.modules and m not in before))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_bad_input_is_one_red_line_and_exit_1(tmp_path):
    result = run_module("dlfa_spacy.testing", "local-bert", str(tmp_path / "bert"), "--texts",
                        str(tmp_path / "missing.txt"))
    assert result.returncode == 1
    assert "No such text file" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_the_developer_commands_are_not_user_commands():
    user = run_module("dlfa_spacy", "--help")
    assert user.returncode == 0, user.stderr
    assert "local-bert" not in user.stdout and "local-xlmr" not in user.stdout
    dev = run_module("dlfa_spacy.testing", "--help")
    assert dev.returncode == 0, dev.stderr
    assert "local-bert" in dev.stdout and "local-xlmr" in dev.stdout

"""`prepare`: a task's published distribution to English train/dev and a test set per language."""
from pathlib import Path
from typing import List, Optional

from ..tasks import TASK_NAMES
from ._util import Arg, Opt, app, input_errors, msg, split_list
from .convert import print_summaries


@app.command("prepare")
@input_errors
def prepare_cli(
    # fmt: off
    task: str = Arg(..., help=f"Task: {', '.join(TASK_NAMES)}"),
    output_dir: Path = Arg(..., help="Folder for train.spacy, dev.spacy and test/{lang}.spacy", file_okay=False),
    sources: List[Path] = Opt(..., "--source", "-s", help="A downloaded archive or folder of the task; repeat for several (XNLI: MultiNLI and XNLI)"),
    langs: str = Opt(..., "--langs", "-l", help="Test languages, comma-separated (e.g. de,es,ru)"),
    ud_tokens: str = Opt("fused", "--ud-tokens", help="pos: fused = XTREME's tokens (a multiword token stays one token tagged as its span head; sentences without text left out; U+200C and spaces removed from forms), words = syntactic words (del -> de el)"),
    train_treebank: Optional[str] = Opt(None, "--train-treebank", help="pos: English treebank(s) for train/dev, a name or glob (en_ewt, 'en_*'); default: every English treebank with fused (as XTREME), en_ewt with words"),
    limit: Optional[int] = Opt(None, "--limit", "-n", help="At most this many training docs", min=1),
    # fmt: on
) -> None:
    """Convert a task's distribution into a corpus folder: English train/dev, test per language.

    Archives (.zip, .tar.gz, .tgz, .tar) are unpacked beside themselves once. Every
    input file is found before anything is written, so a missing language fails fast.
    """
    from ..corpora.prepare import prepare_task

    languages = split_list(langs)
    msg.info(f"Preparing {task} into {output_dir}: train, dev and {len(languages)} test languages")
    summaries = prepare_task(
        task, sources, output_dir, languages, train_treebank=train_treebank, limit=limit, ud_tokens=ud_tokens,
        on_file=lambda summary: msg.text(f"  {summary.output_path}: {summary.docs} docs"),
    )
    print_summaries(summaries)

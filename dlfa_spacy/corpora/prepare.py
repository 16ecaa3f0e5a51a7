"""Turn a benchmark's published distribution into corpus/{task}/train.spacy, dev.spacy and test/{lang}.spacy."""
import shutil
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Union

from ..tasks import TASK_NAMES, TASKS
from .convert import ConversionSummary, convert_files


@dataclass(frozen=True)
class Layout:
    """Where one task's files sit inside its distribution (glob patterns, searched recursively)."""

    train: str
    dev: str
    test: str  # "{lang}" is replaced by the language code
    dev_lang: Optional[str] = None  # files holding all languages need one picked
    test_lang: bool = False
    many_tests: bool = False  # several test files per language are merged (UD treebanks)


# English training data only; every language's test set is evaluated zero-shot. The same
# patterns fit the full downloads and the bundled demo files, which mirror their layout.
LAYOUTS: Dict[str, Layout] = {
    "ner": Layout("en/train", "en/dev", "{lang}/test"),
    "pos": Layout("{train_treebank}-ud-train.conllu", "{train_treebank}-ud-dev.conllu",
                  "{lang}_*-ud-test.conllu", many_tests=True),
    "xnli": Layout("multinli_1.0_train.txt", "xnli.dev.tsv", "xnli.test.tsv",
                   dev_lang="en", test_lang=True),
    "pawsx": Layout("en/train.tsv", "en/dev_2k.tsv", "{lang}/test_2k.tsv"),
}
_ARCHIVES = (".zip", ".tar.gz", ".tgz", ".tar")


def unpack(source: Path) -> Path:
    """Return a directory holding `source`'s files: itself, or the archive unpacked beside it (once)."""
    if source.is_dir():
        return source
    if not source.is_file():
        raise FileNotFoundError(f"{source}: no such file or directory")
    suffix = next((s for s in _ARCHIVES if source.name.endswith(s)), None)
    if suffix is None:
        raise ValueError(f"{source}: found a file that is not an archive; expected a directory or one of {', '.join(_ARCHIVES)}")
    target = source.with_name(source.name[: -len(suffix)] + ".unpacked")
    if (target / ".complete").exists():
        return target
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    _extract(source, tmp)
    # WikiANN's archive holds one archive per language: unpack those in place too.
    for inner in sorted(tmp.rglob("*")):
        inner_suffix = next((s for s in _ARCHIVES if inner.name.endswith(s)), None)
        if inner.is_file() and inner_suffix:
            _extract(inner, inner.with_name(inner.name[: -len(inner_suffix)]))
    (tmp / ".complete").touch()
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def _extract(archive: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(dest)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(dest, filter="data")


def find(roots: Sequence[Path], pattern: str, many: bool = False) -> List[Path]:
    """Files matching `pattern` at any depth under the roots: exactly one, or one or more if `many`."""
    found = sorted({p for root in roots for p in root.rglob(pattern) if p.is_file()})
    where = ", ".join(str(r) for r in roots)
    if not found:
        raise FileNotFoundError(f"found no file matching '**/{pattern}' in {where}")
    if len(found) > 1 and not many:
        listed = ", ".join(str(p) for p in found[:5])
        raise ValueError(f"found {len(found)} files matching '**/{pattern}' in {where} ({listed}); expected one")
    return found


def prepare_task(
    task: str,
    sources: Sequence[Union[str, Path]],
    output_dir: Union[str, Path],
    langs: Sequence[str],
    train_treebank: str = "en_ewt",
    limit: Optional[int] = None,
    on_file: Optional[Callable[[ConversionSummary], None]] = None,
) -> List[ConversionSummary]:
    """Convert a task's English train/dev files and each language's test file into output_dir.

    on_file: called with each conversion's summary as soon as its file is written.
    """
    if task not in LAYOUTS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASK_NAMES)}")
    if not langs:
        raise ValueError("no test languages given")
    layout = LAYOUTS[task]
    roots = [unpack(Path(s)) for s in sources]
    output_dir = Path(output_dir)
    fill = {"train_treebank": train_treebank}
    # Find every input first, so that a missing language fails before anything is written.
    jobs = [
        (find(roots, layout.train.format(**fill)), output_dir / "train.spacy", None, limit),
        (find(roots, layout.dev.format(**fill)), output_dir / "dev.spacy", layout.dev_lang, None),
    ]
    for lang in langs:
        files = find(roots, layout.test.format(lang=lang, **fill), many=layout.many_tests)
        jobs.append((files, output_dir / "test" / f"{lang}.spacy", lang if layout.test_lang else None, None))
    summaries = []
    for files, output, lang, job_limit in jobs:
        summaries.append(convert_files(TASKS[task].format, files, output, lang=lang, limit=job_limit))
        if on_file is not None:
            on_file(summaries[-1])
    return summaries

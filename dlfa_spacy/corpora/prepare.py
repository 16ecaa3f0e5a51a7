"""Turn a benchmark's published distribution into corpus/{task}/train.spacy, dev.spacy and test/{lang}.spacy."""
import tarfile
import zipfile
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Union

from ..atomic import replace_folder
from ..tasks import get_task, is_pair_set
from .convert import ConversionSummary, convert_files
from .ud import check_ud_tokens


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
    with replace_folder(target) as tmp:
        _extract(source, tmp)
        # WikiANN's archive holds one archive per language: unpack those in place too.
        for inner in sorted(tmp.rglob("*")):
            inner_suffix = next((s for s in _ARCHIVES if inner.name.endswith(s)), None)
            if inner.is_file() and inner_suffix:
                _extract(inner, inner.with_name(inner.name[: -len(inner_suffix)]))
        (tmp / ".complete").touch()
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
    """Files matching `pattern` at any depth under the roots: exactly one, or one or more if `many`.

    A pattern "a|b" means a, or else b where a matches nothing.
    """
    where = ", ".join(str(r) for r in roots)
    alternatives = pattern.split("|")
    for alternative in alternatives:
        found = sorted({p for root in roots for p in root.rglob(alternative) if p.is_file()})
        if found:
            break
    if not found:
        wanted = " or ".join(f"'**/{a}'" for a in alternatives)
        raise FileNotFoundError(f"found no file matching {wanted} in {where}")
    if len(found) > 1 and not many:
        listed = ", ".join(str(p) for p in found[:5])
        raise ValueError(f"found {len(found)} files matching '**/{alternative}' in {where} ({listed}); expected one")
    return found


def prepare_task(
    task: str,
    sources: Sequence[Union[str, Path]],
    output_dir: Union[str, Path],
    langs: Sequence[str],
    train_treebank: Optional[str] = None,
    limit: Optional[int] = None,
    on_file: Optional[Callable[[ConversionSummary], None]] = None,
    ud_tokens: str = "fused",
) -> List[ConversionSummary]:
    """Convert a task's English train/dev files and each language's test file into output_dir.

    ud_tokens (pos): "fused" follows XTREME (multiword tokens kept whole, sentences
    without text left out, forms cleaned); "words" reads syntactic words.
    train_treebank (pos): the English treebank(s) for train/dev, a name or glob such as
    "en_ewt"; by default every English treebank with "fused" (as XTREME), "en_ewt" with "words".
    on_file: called with each conversion's summary as soon as its file is written.
    langs (sts): language codes and STS 2017 pair sets such as "ar-en", each written to
    test/{lang}.spacy.
    """
    spec = get_task(task)
    if not langs:
        raise ValueError("no test languages given")
    check_ud_tokens(ud_tokens)
    layout = spec.layout
    roots = [unpack(Path(s)) for s in sources]
    output_dir = Path(output_dir)
    fill = {"train_treebank": train_treebank or ("en_*" if ud_tokens == "fused" else "en_ewt")}
    # Find every input first, so that a missing language fails before anything is written.
    jobs = [
        (find(roots, layout.train.format(**fill), many=layout.many), output_dir / "train.spacy", None, limit),
        (find(roots, layout.dev.format(**fill), many=layout.many), output_dir / "dev.spacy", layout.dev_lang, None),
    ]
    for lang in langs:
        pattern = layout.pair_test if layout.pair_test and is_pair_set(lang) else layout.test
        files = find(roots, pattern.format(lang=lang, **fill), many=layout.many)
        jobs.append((files, output_dir / "test" / f"{lang}.spacy", lang if layout.test_lang else None, None))
    summaries = []
    for files, output, lang, job_limit in jobs:
        summaries.append(convert_files(spec.format, files, output, lang=lang, limit=job_limit,
                                       ud_tokens=ud_tokens, sts_gold_dirs=roots))
        if on_file is not None:
            on_file(summaries[-1])
    return summaries

"""Convert benchmark files to one .spacy DocBin, with a summary of what was read and left out."""
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

from ..atomic import write_atomic
from ..tasks import FORMATS, task_of_format
from .docbin import LangDocBin
from .lines import LANG_KEY, ReadStats, xtreme_file_lang
from .ud import check_ud_tokens


@dataclass
class ConversionSummary:
    """Counts of one conversion; `str()` gives a one-line report."""

    format: str
    variant: str
    input_paths: List[Path]
    output_path: Path
    docs: int = 0
    tokens: int = 0
    label_kind: str = "labels"
    labels: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    other_languages: Counter = field(default_factory=Counter)

    @property
    def skipped_rows(self) -> int:
        """Total rows left out because they carry no usable annotation."""
        return sum(self.skipped.values())

    def __str__(self) -> str:
        labels = " ".join(f"{label}={n}" for label, n in sorted(self.labels.items())) or "none"
        reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items()))
        text = (
            f"{'+'.join(p.name for p in self.input_paths)} -> {self.output_path} [{self.format}, {self.variant}]: "
            f"{self.docs} docs, {self.tokens} tokens, {self.label_kind}: {labels}; "
            f"skipped rows: {self.skipped_rows}" + (f" ({reasons})" if reasons else "")
        )
        if self.other_languages:
            text += f"; rows of other languages left out: {sum(self.other_languages.values())}"
        if len(self.languages) == 1:
            text += f"; lang {next(iter(self.languages))}"
        elif self.languages:
            text += f"; {len(self.languages)} languages"
        return text


def _empty_message(path: Path, lang: Optional[str], stats: ReadStats) -> str:
    """Explain why a conversion found no docs."""
    if stats.other_languages:
        found = ", ".join(sorted(stats.other_languages))
        return f"{path}: found no rows for language {lang!r}; expected one of the file's languages: {found}"
    if set(stats.skipped) == {"without gold label"}:
        count = sum(stats.skipped.values())
        return f"{path}: found only rows without gold label ({count}); expected labelled rows"
    if stats.skipped:
        reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(stats.skipped.items()))
        return f"{path}: found only input that is left out ({reasons}); expected at least one doc"
    return f"{path}: found no sentences or rows; expected at least one"


def convert_file(
    fmt: str,
    input_path: Union[str, Path],
    output_path: Union[str, Path],
    lang: Optional[str] = None,
    limit: Optional[int] = None,
    progress: bool = True,
    ud_tokens: str = "words",
) -> ConversionSummary:
    """Convert one benchmark file of format `fmt` to a .spacy DocBin and summarise it."""
    return convert_files(fmt, [input_path], output_path, lang=lang, limit=limit, progress=progress, ud_tokens=ud_tokens)


def convert_files(
    fmt: str,
    input_paths: Sequence[Union[str, Path]],
    output_path: Union[str, Path],
    lang: Optional[str] = None,
    limit: Optional[int] = None,
    progress: bool = True,
    ud_tokens: str = "words",
    sts_gold_dirs: Sequence[Union[str, Path]] = (),
) -> ConversionSummary:
    """Convert benchmark files of format `fmt` into one .spacy DocBin and summarise it.

    ud_tokens: how the `ud` format reads CoNLL-U, one of UD_TOKENS ("words": syntactic
    words; "fused": XTREME's tokens, filter and cleaning); other formats ignore it.
    sts_gold_dirs: for `sts`, more folders to find an STS 2017 track's STS.gs file in.
    """
    task = task_of_format(fmt)
    if task is None:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    check_ud_tokens(ud_tokens)
    # Each reader takes the options its task names.
    available: Dict[str, Any] = {"tokens": ud_tokens, "gold_dirs": [Path(d) for d in sts_gold_dirs]}
    options = {name: available[name] for name in task.reader_options}
    reader = task.load_reader()
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be a positive number of docs, not {limit}")
    paths, output_path = [Path(p) for p in input_paths], Path(output_path)
    if not paths:
        raise ValueError(f"{output_path}: no input files given")
    for input_path in paths:
        if not input_path.is_file():
            raise FileNotFoundError(f"{input_path}: no such file")
        if output_path.exists() and output_path.resolve() == input_path.resolve():
            raise ValueError(f"{output_path}: the output would overwrite the input")
    if output_path.is_dir():
        raise ValueError(f"{output_path}: found a directory; expected the path of a .spacy file")
    doc_bin = LangDocBin()
    summary = ConversionSummary(fmt, "", paths, output_path, label_kind=task.label_kind)
    variants = []
    for input_path in paths:
        stats = ReadStats()
        # XTREME's files hold one language each and say which only in their name.
        file_lang = lang or xtreme_file_lang(input_path)
        docs = reader(input_path, file_lang, stats=stats, progress=progress, **options)
        try:
            for doc in islice(docs, None if limit is None else limit - summary.docs):
                doc_bin.add(doc)
                summary.docs += 1
                summary.tokens += len(doc)
                summary.labels.update(task.summary_labels(doc))
                summary.languages[doc.user_data.get(LANG_KEY, "")] += 1
        finally:
            docs.close()  # with --limit the file is still open
        if stats.variant not in variants:
            variants.append(stats.variant)
        summary.skipped.update(stats.skipped)
        summary.other_languages.update(stats.other_languages)
        if limit is not None and summary.docs >= limit:
            break
    summary.languages.pop("", None)
    # Without any language or score there is no user data worth a field in the file.
    doc_bin.store_user_data = doc_bin.has_user_data
    summary.variant = ", ".join(variants)
    if not summary.docs:
        raise ValueError(_empty_message(paths[0], lang, stats))
    write_atomic(output_path, doc_bin.to_bytes())
    return summary

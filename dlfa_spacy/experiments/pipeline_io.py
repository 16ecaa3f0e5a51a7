"""Pipeline I/O: loading a pipeline, reading gold docs, and running a pipeline on the gold docs' words."""
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin

from ..pairs import find_separator, split_pair
from ..training.segments import split_doc


def load_model(model: Union[str, Path, Language]) -> Language:
    """Load a pipeline from a path or package name (or pass a loaded one through)."""
    if isinstance(model, Language):
        return model
    try:
        return spacy.load(model)
    except OSError as err:
        raise ValueError(f"Cannot load the model {str(model)!r}: {err}") from err
    except Exception as err:  # a truncated weight file fails deep inside (e.g. "Unpack failed: incomplete input")
        raise ValueError(f"Cannot load the model {str(model)!r}: {type(err).__name__}: {err} (is a file of it "
                         "truncated or from another version?)") from err


def language_files(data_dir: Path) -> Dict[str, Path]:
    """Return {lang: path} of the `.spacy` files in a folder, sorted by language."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ValueError(f"Data folder {str(data_dir)!r} does not exist or is not a folder")
    files = {p.stem: p for p in sorted(data_dir.glob("*.spacy")) if p.is_file()}
    if not files:
        raise ValueError(f"Data folder {str(data_dir)!r} holds no {{lang}}.spacy files")
    return dict(sorted(files.items()))


def read_docs(path: Path, nlp: Language) -> List[Doc]:
    """Read the gold docs of one DocBin; raise ValueError if unreadable or empty."""
    try:
        docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    except Exception as err:  # a truncated or foreign file fails in many ways
        raise ValueError(f"Cannot read DocBin {str(path)!r}: {err}") from err
    if not docs:
        raise ValueError(f"DocBin {str(path)!r} holds no docs")
    return docs


def transformer_tokenizer(nlp: Language) -> Optional[Tuple[Any, int]]:
    """(HF tokenizer, max length) of the pipeline's first "transformer" component, or None."""
    for name in nlp.pipe_names:
        if nlp.get_pipe_meta(name).factory != "transformer":
            continue
        tokenizer = nlp.get_pipe(name).model.tokenizer
        if tokenizer is None:
            raise ValueError(
                f"The transformer component {name!r} has no tokenizer; expected an initialized pipeline"
            )
        return tokenizer, int(tokenizer.model_max_length)
    return None


def n_truncated_pairs(nlp: Language, docs: Sequence[Doc]) -> int:
    """How many pair docs are longer than the encoder takes, so that it reads them cut longest-first."""
    encoder = transformer_tokenizer(nlp)
    if encoder is None:
        return 0
    tokenizer, limit = encoder
    pairs = [split_pair(doc) for doc in docs if find_separator(doc[:]) is not None]
    if not pairs:
        return 0
    ids = tokenizer([a for a, _ in pairs], [b for _, b in pairs], truncation=False)["input_ids"]
    return sum(len(row) > limit for row in ids)


def segment_predictions(
    nlp: Language,
    gold_docs: Sequence[Doc],
    progress: Any = None,
    batch_size: Optional[int] = None,
) -> Tuple[List[Doc], List[Doc], int]:
    """XTREME's scoring units of a token task: (gold segments, predicted segments, docs split in several).

    With a transformer, each doc is run as XTREME's wordpiece segments, and each segment is
    scored as its own sequence (run_tag.py scores the preprocessed segments): the gold doc
    is split at the same words, an entity crossing a boundary is cut in both. Without one,
    each doc is its own unit.
    """
    encoder = transformer_tokenizer(nlp)
    if encoder is None:
        return list(gold_docs), predict(nlp, gold_docs, progress, batch_size), 0
    gold_units = [split_doc(g, *encoder) or [g] for g in gold_docs]
    inputs = [[Doc(nlp.vocab, words=[t.text for t in s], spaces=[bool(t.whitespace_) for t in s]) for s in segs]
              for segs in gold_units]
    outputs = iter(nlp.pipe((s for segs in inputs for s in segs), batch_size=batch_size))
    preds = []
    for segs in inputs:
        preds += [next(outputs) for _ in segs]
        if progress is not None:
            progress.update(1)
    return [s for segs in gold_units for s in segs], preds, sum(len(segs) > 1 for segs in gold_units)


def predict(
    nlp: Language,
    gold_docs: Sequence[Doc],
    progress: Any = None,
    batch_size: Optional[int] = None,
) -> List[Doc]:
    """Run the pipeline on fresh docs with the gold docs' words and spaces (a token task: `segment_predictions`)."""
    # Building the input from gold tokens (not the text) keeps tokens aligned 1:1
    # and leaves no gold annotation on the docs the model sees.
    inputs = [
        Doc(nlp.vocab, words=[t.text for t in g], spaces=[bool(t.whitespace_) for t in g])
        for g in gold_docs
    ]
    preds = []
    for doc in nlp.pipe(inputs, batch_size=batch_size):
        preds.append(doc)
        if progress is not None:
            progress.update(1)
    return preds

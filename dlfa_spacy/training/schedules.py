"""`dlfa_spacy.linear_decay.v1`: XTREME's learning rate, from its initial value down to 0 over the whole run.

XTREME (`run_tag.py`, `run_classify.py`) uses `get_linear_schedule_with_warmup` with no
warmup and t_total = the steps of all epochs. In a spaCy config the run's length is
`training.max_epochs` and the training corpus; this schedule counts the corpus's docs
(one example each; a sentence that XTREME's segmentation splits adds steps not counted
here, for which the rate stays at 0) and gives thinc's `warmup_linear` that total, whose
values step for step are those of the transformers schedule.
"""
import math
from pathlib import Path
from typing import Iterable, Optional, Union

from spacy.tokens import DocBin
from thinc.api import registry

WARMUP_LINEAR = "warmup_linear.v1"


def count_examples(corpus: Union[str, Path]) -> int:
    """The number of docs in a .spacy file, or in every .spacy file under a folder; ValueError naming it otherwise."""
    path = Path(corpus)
    files = sorted(path.rglob("*.spacy")) if path.is_dir() else [path]
    if not path.exists() or not files:
        raise ValueError(f"the corpus {str(path)!r} " + ("does not exist" if not path.exists() else "holds no .spacy files"))
    try:
        return sum(len(DocBin().from_disk(f)) for f in files)
    except Exception as err:  # a truncated or foreign file fails in many ways
        raise ValueError(f"cannot read the corpus {str(path)!r}: {err}") from err


def total_steps(n_examples: int, max_epochs: int, batch_size: int) -> int:
    """Optimizer steps of max_epochs epochs of n_examples in batches of batch_size (the last one smaller)."""
    return max_epochs * math.ceil(n_examples / batch_size)


@registry.schedules("dlfa_spacy.linear_decay.v1")
def linear_decay(initial_rate: float, corpus: Optional[str], max_epochs: int, batch_size: int,
                 max_steps: int = 0, warmup_steps: int = 0) -> Iterable[float]:
    """initial_rate decayed linearly to 0 over the run: max_epochs epochs of the corpus in batches, or max_steps."""
    if max_epochs == 0 and isinstance(max_steps, int) and max_steps > 0:
        # spaCy's max_epochs = 0 with max_steps: the run is max_steps long, whatever the corpus.
        return registry.schedules.get(WARMUP_LINEAR)(initial_rate=initial_rate, warmup_steps=warmup_steps,
                                                     total_steps=max_steps)
    if corpus is None:
        raise ValueError("dlfa_spacy.linear_decay.v1 needs the training corpus (corpus = ${paths.train}) to know "
                         "how many steps the run has; got null")
    if isinstance(max_epochs, bool) or not isinstance(max_epochs, int) or max_epochs < 1:
        raise ValueError(f"dlfa_spacy.linear_decay.v1 decays to 0 at the end of the run, so it needs "
                         f"training.max_epochs >= 1 (or 0 with training.max_steps > 0); got {max_epochs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"dlfa_spacy.linear_decay.v1: batch_size must be a positive number of docs; got {batch_size!r}")
    try:
        n_examples = count_examples(corpus)
    except ValueError as err:
        raise ValueError(f"dlfa_spacy.linear_decay.v1: {err}") from None
    steps = total_steps(n_examples, max_epochs, batch_size)
    if isinstance(max_steps, int) and max_steps > 0:
        steps = min(steps, max_steps)  # spaCy stops at whichever comes first
    return registry.schedules.get(WARMUP_LINEAR)(initial_rate=initial_rate, warmup_steps=warmup_steps,
                                                 total_steps=steps)

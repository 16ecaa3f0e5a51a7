"""`token_classifier`: XTREME's tagging component, one label per token from its first wordpiece.

Two schemes. "bio" (WikiANN NER): the labels are BIO tags, gold from the reference
`doc.ents`, predictions decoded into `doc.ents` as seqeval reads BIO (an `I-X` that does
not continue an `X` entity starts one). "upos" (UD POS): the labels are UPOS tags, gold from
the reference `token.pos_`, predictions written to `token.pos_` and `token.tag_`.

The loss is the cross-entropy of the softmax of the head's logits, averaged over the
tokens that have a gold label, as `BertForTokenClassification` averages over the first
wordpieces (label -100 elsewhere). A token without gold (misaligned, or no UPOS) is left out.
"""
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.scorer import Scorer
from spacy.tokens import Doc, Span
from spacy.training import Example, validate_examples, validate_get_examples
from thinc.api import Model, set_dropout_rate
from thinc.types import Floats2d

from ..metrics import pos_scores
from ..metrics.tagging import tag_entities

SCHEMES = ("bio", "upos")
OUTSIDE = "O"
DEFAULT_MODEL = {
    "@architectures": "dlfa_spacy.TokenClassifier.v1",
    "dropout": 0.1,
    "tok2vec": {"@architectures": "dlfa_spacy.DLFA.v1", "layer": None, "pooling": {"@layers": "reduce_first.v1"}},
}


@Language.factory(
    "token_classifier",
    default_config={"model": DEFAULT_MODEL, "scheme": "bio"},
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "pos_f1": None, "pos_acc": None},
)
def make_token_classifier(nlp: Language, name: str, model: Model, scheme: str) -> "TokenClassifier":
    """A token_classifier component: BIO entities ("bio") or UPOS tags ("upos") from each token's vector."""
    return TokenClassifier(nlp.vocab, model, name, scheme=scheme)


def check_scheme(scheme: str) -> None:
    """ValueError unless the scheme is known."""
    if scheme not in SCHEMES:
        raise ValueError(f"token_classifier: `scheme` must be one of {', '.join(SCHEMES)}; got {scheme!r}")


def biluo_to_bio(tag: Optional[str]) -> Optional[str]:
    """A BILUO tag (spaCy's aligned NER) as a BIO tag; None (no gold) stays None."""
    if tag is None or tag == "" or tag == "-":
        return None
    if tag == OUTSIDE:
        return OUTSIDE
    prefix, label = tag.split("-", 1)
    return ("B-" if prefix in ("B", "U") else "I-") + label


class TokenClassifier(TrainablePipe):
    """Predicts one label per token with a softmax over the head's logits: BIO entities or UPOS."""

    def __init__(self, vocab: Any, model: Model, name: str = "token_classifier", *, scheme: str = "bio"):
        check_scheme(scheme)
        self.vocab = vocab
        self.model = model
        self.name = name
        self.cfg: Dict[str, Any] = {"labels": [], "scheme": scheme}

    @property
    def scheme(self) -> str:
        """"bio" or "upos"."""
        return self.cfg["scheme"]

    @property
    def tag_labels(self) -> Tuple[str, ...]:
        """The labels the head predicts: BIO tags or UPOS tags, in output order."""
        return tuple(self.cfg["labels"])

    @property
    def labels(self) -> Tuple[str, ...]:
        """The entity types ("bio") or UPOS tags ("upos"): what `evaluate` checks gold data against."""
        if self.scheme == "bio":
            return tuple(sorted({tag[2:] for tag in self.tag_labels if tag != OUTSIDE}))
        return self.tag_labels

    def predict(self, docs: Iterable[Doc]) -> List[Floats2d]:
        """Per doc, (n_tokens, n_labels) logits."""
        docs = list(docs)
        if not any(len(doc) for doc in docs):
            n = len(self.tag_labels)
            return [self.model.ops.alloc2f(len(doc), n) for doc in docs]
        return self.model.predict(docs)

    def set_annotations(self, docs: Iterable[Doc], scores: List[Floats2d]) -> None:
        """Write each token's argmax label: decoded entities into doc.ents, or UPOS into pos_ and tag_."""
        for doc, doc_scores in zip(docs, scores):
            if not len(doc):
                continue
            tags = [self.tag_labels[i] for i in self.model.ops.to_numpy(doc_scores).argmax(axis=1).tolist()]
            if self.scheme == "bio":
                doc.ents = [Span(doc, start, end + 1, label=label) for label, start, end in tag_entities(tags)]
            else:
                for token, tag in zip(doc, tags):
                    token.pos_ = tag
                    token.tag_ = tag

    def gold_tags(self, example: Example) -> List[Optional[str]]:
        """Per predicted token, its gold label (None where there is none)."""
        if self.scheme == "bio":
            return [biluo_to_bio(tag) for tag in example.get_aligned_ner()]
        return [tag or None for tag in example.get_aligned("POS", as_string=True)]

    def get_loss(self, examples: Iterable[Example], scores: List[Floats2d]) -> Tuple[float, List[Floats2d]]:
        """Mean cross-entropy over the gold-labelled tokens, and its gradient with respect to the logits."""
        examples = list(examples)
        index = {tag: i for i, tag in enumerate(self.tag_labels)}
        ops = self.model.ops
        grads, total, count = [], 0.0, 0
        truths = []
        for example, logits in zip(examples, scores):
            tags = self.gold_tags(example)
            unknown = sorted({t for t in tags if t is not None and t not in index})
            if unknown:
                raise ValueError(f"{self.name}: gold labels {unknown} of {example.reference.text[:60]!r} are not "
                                 f"labels of the component {list(self.tag_labels)}; initialize it on this data")
            truths.append(tags)
            count += sum(t is not None for t in tags)
        for tags, logits in zip(truths, scores):
            probs = ops.softmax(logits, axis=-1)
            truth = np.zeros(probs.shape, dtype="float32")
            mask = np.zeros((probs.shape[0], 1), dtype="float32")
            for i, tag in enumerate(tags):
                if tag is not None:
                    truth[i, index[tag]] = 1.0
                    mask[i] = 1.0
            truth, mask = ops.asarray2f(truth), ops.asarray2f(mask)
            gold_probs = (probs * truth).sum(axis=1)
            # Tokens without gold have gold_probs 0: masked out of the log.
            total += float(-(ops.xp.log(ops.xp.maximum(gold_probs, 1e-30)) * mask[:, 0]).sum())
            grads.append((probs - truth) * mask / max(count, 1))
        return total / max(count, 1), grads

    def update(self, examples: Iterable[Example], *, drop: float = 0.0, sgd: Optional[Callable] = None,
               losses: Optional[Dict[str, float]] = None) -> Dict[str, float]:
        """One step on a batch: forward with dropout, the mean cross-entropy, backprop, and the optimizer."""
        losses = {} if losses is None else losses
        losses.setdefault(self.name, 0.0)
        examples = list(examples)
        validate_examples(examples, "TokenClassifier.update")
        if not any(len(eg.predicted) for eg in examples):
            return losses
        set_dropout_rate(self.model, drop)
        scores, backprop = self.model.begin_update([eg.predicted for eg in examples])
        loss, d_scores = self.get_loss(examples, scores)
        backprop(d_scores)
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += loss
        return losses

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Optional[Language] = None,
                   labels: Optional[Sequence[str]] = None) -> None:
        """Collect the labels from the training examples (or take `labels`), then initialize the model."""
        validate_get_examples(get_examples, "TokenClassifier.initialize")
        if labels is None:
            found = set()
            for example in get_examples():
                ref = example.reference
                if self.scheme == "bio":
                    for ent in ref.ents:
                        found.update({f"B-{ent.label_}", f"I-{ent.label_}"})
                else:
                    found.update(token.pos_ for token in ref if token.pos_)
            labels = ([OUTSIDE] if self.scheme == "bio" else []) + sorted(found - {OUTSIDE})
        if not labels or labels == [OUTSIDE]:
            raise ValueError(f"{self.name}: the training examples hold no "
                             + ("entities" if self.scheme == "bio" else "token.pos_ (UPOS)") + " to learn labels from")
        self.cfg["labels"] = list(labels)
        sample = [eg.predicted for eg in list(get_examples())[:10]]
        n = len(self.cfg["labels"])
        self.model.initialize(X=sample, Y=[self.model.ops.alloc2f(len(doc), n) for doc in sample])

    def score(self, examples: Iterable[Example], **kwargs: Any) -> Dict[str, Any]:
        """Entity P/R/F ("bio"), or UPOS accuracy and seqeval F1 as XTREME scores it ("upos")."""
        examples = list(examples)
        if self.scheme == "bio":
            return Scorer.score_spans(examples, "ents", **kwargs)
        scores = pos_scores([eg.reference for eg in examples], [eg.predicted for eg in examples])
        return {"pos_acc": scores["accuracy"], "pos_f1": scores["f1"]}


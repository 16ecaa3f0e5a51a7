"""Small config builders for test pipelines on a local tiny BERT."""
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import spacy
from spacy.language import Language
from thinc.api import Config

Layer = Optional[int]


def transformer_block(model_path: Path, arch: str = "dlfa_spacy.TransformerModel.v1",
                      spans: str = "doc") -> str:
    if spans == "doc":
        getter = '@span_getters = "spacy-transformers.doc_spans.v1"'
    else:
        getter = '@span_getters = "spacy-transformers.strided_spans.v1"\nwindow = 128\nstride = 96'
    return f"""
[components.transformer]
factory = "transformer"
max_batch_items = 4096
[components.transformer.model]
@architectures = "{arch}"
name = "{model_path}"
tokenizer_config = {{"use_fast": true}}
[components.transformer.model.get_spans]
{getter}
"""


def tok2vec_block(prefix: str, layer: Union[Layer, str]) -> str:
    if layer == "stock":
        return f"""
[{prefix}]
@architectures = "spacy-transformers.TransformerListener.v1"
[{prefix}.pooling]
@layers = "reduce_mean.v1"
"""
    if layer == "scalar-mix":
        return f"""
[{prefix}]
@architectures = "dlfa_spacy.ScalarMix.v1"
"""
    value = "null" if layer is None else str(layer)
    return f"""
[{prefix}]
@architectures = "dlfa_spacy.DLFA.v1"
layer = {value}
"""


def component_block(name: str, layer: Union[Layer, str]) -> str:
    if name == "ner":
        head = """
[components.ner]
factory = "ner"
[components.ner.model]
@architectures = "spacy.TransitionBasedParser.v2"
state_type = "ner"
extra_state_tokens = false
hidden_width = 64
maxout_pieces = 2
use_upper = false
"""
    elif name == "tagger":
        head = """
[components.tagger]
factory = "tagger"
[components.tagger.model]
@architectures = "spacy.Tagger.v2"
"""
    elif name == "textcat":
        head = """
[components.textcat]
factory = "textcat"
[components.textcat.model]
@architectures = "spacy.TextCatReduce.v1"
exclusive_classes = true
use_reduce_first = false
use_reduce_last = false
use_reduce_max = false
use_reduce_mean = true
"""
    elif name == "parser":
        head = """
[components.parser]
factory = "parser"
min_action_freq = 1
[components.parser.model]
@architectures = "spacy.TransitionBasedParser.v2"
state_type = "parser"
extra_state_tokens = false
hidden_width = 32
maxout_pieces = 2
use_upper = false
"""
    elif name == "morphologizer":
        head = """
[components.morphologizer]
factory = "morphologizer"
[components.morphologizer.model]
@architectures = "spacy.Tagger.v2"
"""
    elif name == "spancat":
        head = """
[components.spancat]
factory = "spancat"
spans_key = "sc"
[components.spancat.model]
@architectures = "spacy.SpanCategorizer.v1"
[components.spancat.model.reducer]
@layers = "spacy.mean_max_reducer.v1"
hidden_size = 32
[components.spancat.model.scorer]
@layers = "spacy.LinearLogistic.v1"
"""
    else:
        raise ValueError(name)
    return head + tok2vec_block(f"components.{name}.model.tok2vec", layer)


def make_nlp(model_path: Path, components: Dict[str, Union[Layer, str]],
             arch: str = "dlfa_spacy.TransformerModel.v1", spans: str = "doc",
             with_transformer: bool = True, lang: str = "xx") -> Language:
    """A pipeline: transformer (optional) then the given components with their fusion layer."""
    names = (["transformer"] if with_transformer else []) + list(components)
    text = f'[nlp]\nlang = "{lang}"\npipeline = {names!r}\n[components]\n'.replace("'", '"')
    if with_transformer:
        text += transformer_block(model_path, arch, spans)
    for name, layer in components.items():
        text += component_block(name, layer)
    return spacy.util.load_model_from_config(Config().from_str(text), auto_fill=True, validate=True)


def sts_docbin(path: Path, rows) -> Path:
    """A test set of pair docs (first, second, gold score) with Doc._.sts_score, as `convert sts` writes it."""
    from spacy.tokens import DocBin

    from dlfa_spacy import pair_doc
    from dlfa_spacy.pipeline.similarity import register_extension

    register_extension()
    nlp = spacy.blank("xx")
    docs = []
    for first, second, score in rows:
        doc = pair_doc(nlp, first, second)
        doc._.sts_score = score
        docs.append(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs, store_user_data=True).to_disk(path)
    return path


def silence_last_layer(hf) -> None:
    """Zero the last layer's output LayerNorm: it then passes no gradient down, so whatever
    reaches lower modules came straight through the layers a fusion reads."""
    import torch

    norm = hf.encoder.layer[-1].output.LayerNorm
    with torch.no_grad():
        norm.weight.zero_()
        norm.bias.zero_()


def update_by_hand(nlp, examples, names=("transformer", "tagger")) -> None:
    """One update applied in full now: nlp.update(sgd=...) applies the transformer's gradient
    only at the next step (its finish_update runs before the listeners backprop)."""
    from thinc.api import SGD

    nlp.update(examples, sgd=False)
    for name in names:
        nlp.get_pipe(name).finish_update(SGD(0.5, L2=0.0))


def code_blocks(pages: Sequence[Path], language: str, root: Path) -> List[Tuple[str, str]]:
    """(page:line, text) of every ```language block of the markdown pages, in order."""
    import re

    blocks = []
    for page in pages:
        text = page.read_text(encoding="utf8")
        for match in re.finditer(rf"^```{language}\n(.*?)^```", text, flags=re.S | re.M):
            line = text[:match.start()].count("\n") + 1
            blocks.append((f"{page.relative_to(root)}:{line}", match.group(1)))
    return blocks

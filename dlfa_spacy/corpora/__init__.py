"""Readers and converters for the published benchmark files (WikiANN/PAN-X, UD, XNLI/MultiNLI, PAWS-X, STS).

One module per benchmark reader (`wikiann`, `ud`, `xnli`, `pawsx`, `sts`); `lines` holds what
they share for reading files, `convert` writes DocBins and `prepare` turns a whole
distribution into a task's corpus.

Every format is read in its original published form and in the form XTREME's
preprocessing scripts write; the variant is recognised from the file's content,
not its name. Choices that a reader of the output needs to know:

* Language: `doc.user_data["lang"]` (LANG_KEY) holds the language of each doc whenever
  it is known: the `language` column/field of original XNLI files, WikiANN's `lang:`
  token prefix, or else the `lang` argument, or else the language in an XTREME file
  name (`test-de.tsv`); DocBins store that user data (and none
  when no doc has a language). With `lang`, files that hold several languages keep
  only that language's rows; an original WikiANN file of another language is an
  error. XNLI-MT's translate-test files (`xnli.dev.en.tsv`) keep the *source*
  language in that column, so their docs are English text recorded under it.
* Tokenizer: sentence pairs are tokenized by `spacy.blank("xx")` in every language, the
  tokenizer the training pipelines use, so that the docs never depend on which optional
  tokenizer packages (`ja`, `ko`, `th`, `vi`) are installed. The encoder reads the text.
* NER: WikiANN BIO tags become `doc.ents`. An `I-X` that does not continue an `X`
  entity (sentence start, after `O`, or after another type) starts a new entity,
  which is how seqeval reads such tags by default.
* UD, `tokens="words"` (read_ud's and convert's default): tokens are the syntactic
  words (integer IDs), as CoNLL UPOS scoring uses them. A multiword token (`2-3 del`)
  is not a token; its words are, separated by a space unless they spell the surface
  form (`did`+`n't` = `didn't`), and `SpaceAfter=No` on the range line applies to its
  last word. Empty nodes (`8.1`) are skipped. The last token of a sentence never gets
  a trailing space. `pos_` is the UPOS, `tag_` the XPOS where the file gives one.
* UD, `tokens="fused"` (prepare's default for pos): XTREME's tokens, see `ud_fused`.
  A multiword token is one token, its range form tagged with the UPOS and XPOS of its
  span head; sentences without text are left out and counted, as are the rare ones
  XTREME cannot convert; U+200C and spaces are removed from forms. Tokens are joined by
  one space each, whatever SpaceAfter says, as XTREME feeds words to its tokenizer.
* XTREME token files carry no spacing, so their tokens are joined by single spaces.
* Classification: `doc.cats` holds mutually exclusive labels, exactly one 1.0:
  XNLI_LABELS for NLI (XNLI-MT's `contradictory` is read as `contradiction`) and
  PAWSX_LABELS for PAWS-X (label 1 = `paraphrase`, 0 = `not_paraphrase`). NLI rows
  whose gold label is `-` (no annotator majority) are skipped and counted.
* Similarity: STS pairs (stsb-multi-mt, STS 2017 tracks and STS2017-extended, the STS
  Benchmark; see `sts`) keep their gold score, a float from 0 to 5, in
  `Doc._.sts_score` (`dlfa_spacy.similarity`), which DocBins store with the language;
  their cats are empty. Docs read back need `similarity.register_extension()` to
  access it. A cross-lingual STS 2017 pair records its pair code ("ar-en") as language.
* Bad input raises ValueError naming the file, the 1-based line, what was found and
  what was expected; nothing is written then, and an existing output is kept.
"""
from ..training.augmenters import upos_as_tag
from ..tasks import PAWSX_LABELS, UPOS_TAGS, WIKIANN_LABELS, XNLI_LABELS
from .convert import FORMATS, ConversionSummary, convert_file, convert_files
from .lines import LANG_KEY, ReadStats, blank_nlp
from .pawsx import read_pawsx
from .sts import read_sts, sts_file_lang
from .ud import UD_TOKENS, read_ud
from .wikiann import bio_spans, read_wikiann
from .xnli import read_xnli

__all__ = [
    "FORMATS", "LANG_KEY", "PAWSX_LABELS", "UD_TOKENS", "UPOS_TAGS", "WIKIANN_LABELS", "XNLI_LABELS",
    "ConversionSummary", "ReadStats", "bio_spans", "blank_nlp", "convert_file", "convert_files",
    "read_pawsx", "read_sts", "read_ud", "read_wikiann", "read_xnli", "sts_file_lang", "upos_as_tag",
]

"""NER sentences in the WikiANN original format (lang:token<TAB>tag, blank line after each)."""
import re

from .common import (
    CITIES,
    CLUBS,
    COUNTRIES,
    ORGS,
    load,
    person_name,
    ru_fix_prepositions,
    ru_form,
    sample_person,
)

_NER = load("ner")
NER_TEMPLATES = _NER["templates"]  # index-aligned; None = a sentence without entities
NER_NO_ENTITY = _NER["no_entity_sentences"]
NER_TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]  # the tag set written


def sample_ner_frame(rng):
    """Draw the language-independent content of one sentence."""
    per = sample_person(rng, last_prob=0.5)
    loc = rng.randrange(1000)
    loc2 = rng.randrange(1000)
    return {
        "t": rng.randrange(len(NER_TEMPLATES["en"])),
        "per": per,
        "per2": sample_person(rng, last_prob=0.3, other=per),
        "loc": loc,
        "loc2": loc2,
        "org": rng.randrange(1000),
        "club": rng.randrange(1000),
        "year": 1950 + rng.randrange(56),
        "noent": rng.randrange(1000),
    }


def ner_entity(lang, frame, slot):
    """Return (surface string, entity type) for a template slot."""
    name, _, case = slot.partition(".")
    case = case or "nom"
    cities = CITIES[lang]
    i_loc = frame["loc"] % len(cities)
    i_loc2 = frame["loc2"] % len(cities)
    if i_loc2 == i_loc:
        i_loc2 = (i_loc2 + 1) % len(cities)
    if name == "PER":
        return person_name(lang, frame["per"]), "PER"
    if name == "PER2":
        return person_name(lang, frame["per2"]), "PER"
    if name in ("LOC", "LOC2"):
        entry = cities[i_loc if name == "LOC" else i_loc2][0]
        return (ru_form(entry, case) if lang == "ru" else entry), "LOC"
    if name == "COUNTRY":
        entry = COUNTRIES[lang][cities[i_loc][1]]
        return (ru_form(entry, case) if lang == "ru" else entry), "LOC"
    if name == "ORG":
        entry = ORGS[lang][frame["org"] % len(ORGS[lang])]
        return (ru_form(entry, case) if lang == "ru" else entry), "ORG"
    if name == "CLUB":
        return CLUBS[lang][frame["club"] % len(CLUBS[lang])], "ORG"
    if name == "YEAR":
        return str(frame["year"]), None
    raise ValueError(slot)


def realize_ner(lang, frame):
    """Return [(token, tag)] for one sentence."""
    template = NER_TEMPLATES[lang][frame["t"]]
    if template is None:
        template = NER_NO_ENTITY[lang][frame["noent"] % len(NER_NO_ENTITY[lang])]
    pairs = []
    for piece in re.split(r"(\{[^}]+\})", template):
        if not piece:
            continue
        if piece.startswith("{"):
            slot = piece[1:-1]
            if slot.startswith("g:"):  # gender-dependent words
                masc, fem = slot[2:].split("|")
                text, etype = (masc if frame["per"][0] == "m" else fem), None
            else:
                text, etype = ner_entity(lang, frame, slot)
        else:
            text, etype = piece, None
        units = list(text.replace(" ", "")) if lang == "zh" else text.split()
        for k, unit in enumerate(units):
            tag = "O" if etype is None else ("B-" if k == 0 else "I-") + etype
            pairs.append((unit, tag))
    if lang == "ru":
        fixed = ru_fix_prepositions([t for t, _ in pairs])
        pairs = [(t, tag) for t, (_, tag) in zip(fixed, pairs)]
    return pairs


def ner_file(lang, sentences):
    """Serialize sentences as one WikiANN file."""
    lines = []
    for sent in sentences:
        lines.extend(f"{lang}:{tok}\t{tag}" for tok, tag in sent)
        lines.append("")
    return "\n".join(lines) + "\n"


def ner_sentence_text(lang, sent):
    """The sentence as plain text (Chinese without spaces)."""
    toks = [t for t, _ in sent]
    return "".join(toks) if lang == "zh" else " ".join(toks)

"""POS sentences in Universal Dependencies CoNLL-U."""
from .common import (
    capitalize_first,
    load,
    person_name,
    ru_fix_prepositions,
    sample_person,
)

# Phrase specs "form|lemma|UPOS|XPOS|head|deprel" and sentence patterns: the
# "_notes" entry of pos.json describes their format.
_POS = load("pos")
POS_SUBJ_NP = _POS["subjects"]
POS_PRON = _POS["pronouns"]
NAME_XPOS = _POS["name_xpos"]
POS_VERBS = _POS["verbs"]
POS_OBJ = _POS["objects"]
POS_LOC = _POS["locations"]
POS_GO = _POS["go"]
POS_DIR = _POS["directions"]
POS_RETURN = _POS["return"]
POS_FROM = _POS["sources"]
POS_THING = _POS["things"]
POS_ADJ = _POS["adjectives"]
ADJ_XPOS = _POS["adjective_xpos"]
POS_CITY = _POS["cities"]
POS_WORDS = _POS["function_words"]
POS_PATTERNS = _POS["patterns"]
POS_PATTERN_WEIGHTS = _POS["pattern_weights"]
# The 17 UD tags: every phrase spec is checked against them.
UPOS_TAGS = ["ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART",
             "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"]


def parse_phrase(spec):
    """Parse a phrase spec into token dicts (format: the "_notes" of pos.json)."""
    tokens, mwt = [], None
    for item in spec.split(" "):
        if item.startswith("["):
            mwt = item[1:-1]
            continue
        fields = item.split("|")
        if len(fields) == 5:
            fields.insert(3, "_")
        form, lemma, upos, xpos, head, rel = fields
        assert upos in UPOS_TAGS, item
        tokens.append({"form": form, "lemma": lemma, "upos": upos, "xpos": xpos,
                       "head": int(head), "rel": rel, "mwt": mwt})
        mwt = None
    assert sum(t["head"] == 0 for t in tokens) == 1, spec
    return tokens


def name_phrase(lang, person):
    """The phrase spec of a person's name (PROPN, surname attached as flat)."""
    xpos = NAME_XPOS.get(lang, "_")
    words = person_name(lang, person).split(" ")
    specs = [f"{words[0]}|{words[0]}|PROPN|{xpos}|0|_"]
    specs += [f"{w}|{w}|PROPN|{xpos}|1|flat" for w in words[1:]]
    return " ".join(specs)


def sample_pos_subject(rng, other=None):
    """Draw a subject (name, noun phrase or pronoun) different from `other`."""
    while True:
        r = rng.random()
        if r < 0.4:
            subj = ("name", sample_person(rng, last_prob=0.3))
        elif r < 0.8:
            subj = ("np", rng.randrange(len(POS_SUBJ_NP["en"])))
        else:
            subj = ("pron", rng.choice("mf"))
        if other is None or subject_key(subj) != subject_key(other):
            return subj


def subject_key(subj):
    """What makes two subjects the same (a name ignores its surname)."""
    kind, value = subj
    return (kind, value[:2] if kind == "name" else value)


def subject_spec(lang, subj):
    """The phrase spec of a subject in `lang`."""
    kind, value = subj
    if kind == "name":
        return name_phrase(lang, value)
    if kind == "np":
        return POS_SUBJ_NP[lang][value]
    return POS_PRON[lang][0 if value == "m" else 1]


def sample_pos_frame(rng):
    """Draw the language-independent content of one sentence."""
    names, weights = zip(*POS_PATTERN_WEIGHTS)
    subj = sample_pos_subject(rng)
    o = rng.randrange(len(POS_OBJ["en"]))
    return {
        "p": rng.choices(names, weights)[0],
        "s": subj,
        "s2": sample_pos_subject(rng, other=subj),
        "v": rng.randrange(len(POS_VERBS["en"])),
        "v2": rng.randrange(len(POS_VERBS["en"])),
        "o": o,
        "o2": (o + 1 + rng.randrange(len(POS_OBJ["en"]) - 1)) % len(POS_OBJ["en"]),
        "l": rng.randrange(len(POS_LOC["en"])),
        "d": rng.randrange(len(POS_DIR["en"])),
        "thing": rng.randrange(len(POS_THING["en"])),
        "adj": rng.randrange(len(POS_ADJ["en"])),
        "very": rng.random() < 0.5,
        "city": rng.randrange(len(POS_CITY["en"])),
        "neg": rng.random() < 0.5,
        "time": rng.randrange(2),
    }


def pos_slots(lang, frame):
    """The phrase spec of every slot a pattern may use (None = leave out)."""
    words = POS_WORDS[lang]
    slots = {
        "S": subject_spec(lang, frame["s"]),
        "S2": subject_spec(lang, frame["s2"]),
        "V": POS_VERBS[lang][frame["v"]],
        "V2": POS_VERBS[lang][frame["v2"]],
        "O": POS_OBJ[lang][frame["o"]],
        "O2": POS_OBJ[lang][frame["o2"]],
        "L": POS_LOC[lang][frame["l"]],
        "D": POS_DIR[lang][frame["d"]],
        "F": POS_FROM[lang][frame["d"]],
        "T": words["time"][frame["time"]],
        ".": words["."],
        ",": words.get(","),
        "and": words["and"],
        "that": words.get("that"),
        "back": words.get("back"),
        "very": words["very"] if frame["very"] else None,
        "cop": words.get("cop"),
        "not": words["not"] if frame["neg"] else None,
        "does": words.get("does") if frame["neg"] else None,
    }
    pattern = frame["p"]
    if pattern == "go":
        slots["V"] = POS_GO[lang]
    elif pattern == "return":
        slots["V"] = POS_RETURN[lang]
    elif pattern == "say":
        slots["V"] = words["say"]
    elif pattern == "copula":
        spec, gender = POS_THING[lang][frame["thing"]]
        masc, fem, lemma = POS_ADJ[lang][frame["adj"]]
        form = fem if gender == "f" else masc
        slots["S"] = spec
        slots["A"] = f"{form}|{lemma}|ADJ|{ADJ_XPOS.get(lang, '_')}|0|_"
    elif pattern == "live":
        slots["V"] = words["live_base"] if (lang == "en" and frame["neg"]) else words["live"]
        city = POS_CITY[lang][frame["city"]]
        form, _, lemma = city.partition("|")
        lemma = lemma or form
        prep = words["in"].split("|")
        xpos = NAME_XPOS.get(lang, "_")
        prep_spec = "|".join(prep[:3] + ([prep[3]] if len(prep) == 6 else []) + ["2", "case"])
        slots["C"] = f"{prep_spec} {form}|{lemma}|PROPN|{xpos}|0|_"
    return slots


def realize_pos(lang, frame):
    """Return token dicts with global ids/heads for one sentence."""
    pattern = POS_PATTERNS[frame["p"]]
    parts = (pattern.get(lang) or pattern["*"]).split()
    slots = pos_slots(lang, frame)
    chosen = []
    for part in parts:
        slot, _, rest = part.partition(":")
        rel, _, head_slot = rest.partition(">")
        spec = slots[slot]
        if spec is None:
            continue
        chosen.append((slot, parse_phrase(spec), rel, head_slot or None))
    head_id, offset = {}, 0
    for slot, toks, _, _ in chosen:
        head_id[slot] = offset + 1 + next(i for i, t in enumerate(toks) if t["head"] == 0)
        offset += len(toks)
    out, offset = [], 0
    for slot, toks, rel, head_slot in chosen:
        for t in toks:
            t = dict(t)
            if t["head"] == 0:
                t["rel"] = t["rel"] if t["rel"] != "_" else rel
                t["head"] = head_id[head_slot] if head_slot else 0
            else:
                t["head"] += offset
            out.append(t)
        offset += len(toks)
    if lang == "ru":
        fixed = ru_fix_prepositions([t["form"] for t in out])
        for t, form in zip(out, fixed):
            t["form"] = form
    if lang != "zh":
        out[0]["form"] = capitalize_first([out[0]["form"]])[0]
        if out[0]["mwt"]:
            out[0]["mwt"] = capitalize_first([out[0]["mwt"]])[0]
    return out


def conllu_sentence(lang, sent_id, tokens):
    """Serialize one sentence; returns (lines, text)."""
    units, i = [], 0  # (first index, last index, surface)
    while i < len(tokens):
        if tokens[i]["mwt"]:
            units.append((i, i + 1, tokens[i]["mwt"]))
            i += 2
        else:
            units.append((i, i, tokens[i]["form"]))
            i += 1
    no_space = []
    for k, (first, last, _) in enumerate(units):
        if lang == "zh":
            no_space.append(True)
        elif k + 1 < len(units):
            no_space.append(tokens[units[k + 1][0]]["upos"] == "PUNCT")
        else:
            no_space.append(False)
    text = "".join(surface + ("" if ns else " ") for (_, _, surface), ns in zip(units, no_space))
    lines = [f"# sent_id = {sent_id}", f"# text = {text.rstrip()}"]
    for (first, last, surface), ns in zip(units, no_space):
        misc = "SpaceAfter=No" if ns else "_"
        if last > first:
            lines.append(f"{first + 1}-{last + 1}\t{surface}\t_\t_\t_\t_\t_\t_\t_\t{misc}")
        for j in range(first, last + 1):
            t = tokens[j]
            tok_misc = misc if last == first else "_"
            lines.append("\t".join([str(j + 1), t["form"], t["lemma"], t["upos"], t["xpos"], "_",
                                    str(t["head"]), t["rel"], "_", tok_misc]))
    lines.append("")
    return lines, text.rstrip()

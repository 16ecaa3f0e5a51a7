"""Paraphrase pairs in the PAWS-X x-final format (id, sentence1, sentence2, label; header).

label 1: same words, same roles (fronted adjunct, reordered adjuncts,
         converse "older"/"younger" with the names swapped, "left X and moved to Y")
label 0: same words, roles swapped (the two names or the two cities change places)
"""
import re

from .common import (
    CITIES,
    capitalize_first,
    detokenize,
    gendered,
    load,
    person_name,
    ru_fix_prepositions,
    ru_form,
    sample_person,
)

_PAWS = load("paws")
PAWS_VERBS = _PAWS["verbs"]
WEEKDAYS = _PAWS["weekdays"]
TIME_TEMPLATES = _PAWS["time"]
EVENT_TEMPLATES = _PAWS["event"]
MOVE_TEMPLATES = _PAWS["move"]
COMPARE_TEMPLATES = _PAWS["compare"]


def fill(template, values, gender):
    """Fill a template's {SLOT} / {SLOT.case} slots; values[SLOT] maps a case to a string."""
    def replace(match):
        slot = match.group(1)
        if slot.startswith("g:"):  # {g:masculine|feminine}
            masc, fem = slot[2:].split("|")
            return fem if gender == "f" else masc
        name, _, case = slot.partition(".")
        return values[name](case or "nom")
    return re.sub(r"\{([^}]+)\}", replace, template)


def city_name(lang, k, case):
    """City number `k` (modulo the list length), in `case` for Russian."""
    entry = CITIES[lang][k % len(CITIES[lang])][0]
    return ru_form(entry, case) if lang == "ru" else entry


def paws_time(lang, time):
    """'on Monday' / 'in 1987' and their translations."""
    kind, value = time
    values = {"DAY": lambda case: WEEKDAYS[lang][value], "YEAR": lambda case: str(value)}
    return fill(TIME_TEMPLATES[lang][kind], values, None)


def paws_event(lang, frame, variant, swap_roles):
    """'A VERB B in CITY TIME' and its variants."""
    a, b = (frame["b"], frame["a"]) if swap_roles else (frame["a"], frame["b"])
    values = {
        "A": lambda case: person_name(lang, a, case),
        "B": lambda case: person_name(lang, b, case),
        "VERB": lambda case: gendered(PAWS_VERBS[lang][frame["verb"]], a[0]),
        "CITY": lambda case: city_name(lang, frame["city"], case),
        "TIME": lambda case: paws_time(lang, frame["time"]),
    }
    return fill(EVENT_TEMPLATES[lang][variant], values, a[0])


def paws_move(lang, frame, variant, swap_cities):
    """'A moved from C1 to C2 in YEAR' and its variants."""
    c1, c2 = (frame["c2"], frame["c1"]) if swap_cities else (frame["c1"], frame["c2"])
    a = frame["a"]
    values = {
        "A": lambda case: person_name(lang, a, case),
        "C1": lambda case: city_name(lang, c1, case),
        "C2": lambda case: city_name(lang, c2, case),
        "YEAR": lambda case: str(frame["year"]),
    }
    return fill(MOVE_TEMPLATES[lang][variant], values, a[0])


def paws_compare(lang, frame, converse, swap_roles):
    """'A is older than B' / converse 'B is younger than A'."""
    a, b = (frame["b"], frame["a"]) if swap_roles else (frame["a"], frame["b"])
    if converse:
        a, b = b, a
    values = {"A": lambda case: person_name(lang, a, case),
              "B": lambda case: person_name(lang, b, case)}
    return fill(COMPARE_TEMPLATES[lang]["younger" if converse else "older"], values, a[0])


def sample_paws_frame(rng, label):
    """Draw the language-independent content of one pair with the given label."""
    a = sample_person(rng)
    frame = {"a": a, "b": sample_person(rng, other=a), "label": label,
             "order": rng.random() < 0.5}
    kind = rng.choices(["event", "move", "compare"], [2, 1, 1])[0]
    frame["kind"] = kind
    if kind == "event":
        frame["verb"] = rng.randrange(len(PAWS_VERBS["en"]))
        frame["city"] = rng.randrange(1000)
        frame["time"] = ("day", rng.randrange(7)) if rng.random() < 0.6 else ("year", 1950 + rng.randrange(70))
        frame["variant"] = rng.choice(["front", "swap_adjuncts"]) if label else "plain"
    elif kind == "move":
        frame["c1"] = rng.randrange(1000)
        frame["c2"] = rng.randrange(1000)
        frame["year"] = 1950 + rng.randrange(70)
        frame["variant"] = rng.choice(["front", "lex"]) if label else rng.choice(["plain", "lex"])
    else:
        frame["variant"] = "converse" if label else rng.choice(["swap", "converse_noswap"])
    return frame


def realize_paws(lang, frame):
    """Return the two sentences of a pair in `lang`."""
    kind, variant, label = frame["kind"], frame["variant"], frame["label"]
    if kind == "event":
        s1 = paws_event(lang, frame, "plain", False)
        s2 = paws_event(lang, frame, variant, swap_roles=not label)
    elif kind == "move":
        n = len(CITIES[lang])
        if frame["c1"] % n == frame["c2"] % n:
            frame = dict(frame, c2=frame["c2"] + 1)
        s1 = paws_move(lang, frame, "plain", False)
        s2 = paws_move(lang, frame, variant, swap_cities=not label)
    else:
        s1 = paws_compare(lang, frame, converse=False, swap_roles=False)
        if variant == "converse":
            s2 = paws_compare(lang, frame, converse=True, swap_roles=False)
        elif variant == "swap":
            s2 = paws_compare(lang, frame, converse=False, swap_roles=True)
        else:  # "B is younger than A" with the names in the original order: A younger than B
            s2 = paws_compare(lang, frame, converse=True, swap_roles=True)
    pair = []
    for text in (s1, s2):
        toks = text.split(" ") + ["."]
        if lang == "ru":
            toks = ru_fix_prepositions(toks)
        toks = capitalize_first(toks)
        # English PAWS is tokenized (spaces around punctuation); PAWS-X
        # translations are running text.
        pair.append(" ".join(toks) if lang == "en" else detokenize(toks))
    if frame["order"]:
        pair.reverse()
    return pair


def paws_frames(rng, n, numbered):
    """Balanced labels and frames for `n` pairs, with ids 1..n if `numbered`, else sampled ids."""
    labels = [1, 0] * (n // 2)
    rng.shuffle(labels)
    frames = [sample_paws_frame(rng, label) for label in labels]
    if numbered:
        ids = list(range(1, n + 1))
    else:
        ids = sorted(rng.sample(range(1, 2001), n))
    return ids, frames


def paws_file(lang, ids, frames):
    """One PAWS-X file in `lang` and its sentences."""
    lines, sentences = ["id\tsentence1\tsentence2\tlabel"], []
    for pid, frame in zip(ids, frames):
        s1, s2 = realize_paws(lang, frame)
        lines.append(f"{pid}\t{s1}\t{s2}\t{frame['label']}")
        sentences += [s1, s2]
    return "\n".join(lines) + "\n", sentences

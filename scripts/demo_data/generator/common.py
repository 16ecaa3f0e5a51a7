"""Word-list loading and the helpers every task shares (people, places, Russian forms)."""
import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent


def load(name):
    """Read the word lists in `name`.json next to this module."""
    with open(DATA_DIR / f"{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


# Lists with the same name are index-aligned across languages where that
# matters (so test sets are parallel across languages); the "_notes" entry of
# each JSON file describes the format of its entries.
_PEOPLE = load("people")
FIRST_NAMES = _PEOPLE["first_names"]
LAST_NAMES = _PEOPLE["last_names"]
_PLACES = load("places")
COUNTRIES = _PLACES["countries"]
CITIES = _PLACES["cities"]
_ORGANISATIONS = load("organisations")
ORGS = _ORGANISATIONS["organisations"]
CLUBS = _ORGANISATIONS["clubs"]

RU_CASES = {"nom": 0, "gen": 1, "prep": 2, "acc": 3}


def ru_form(entry, case):
    """Pick a case form from a 'nom|gen|prep[|acc]' entry."""
    forms = entry.split("|")
    return forms[RU_CASES[case]]


def ru_fix_prepositions(tokens):
    """Russian 'в' becomes 'во' before в/ф + consonant (во Франции, во вторник)."""
    out = list(tokens)
    for i in range(len(out) - 1):
        nxt = out[i + 1].lower()
        if out[i] in ("в", "В") and len(nxt) > 1 and nxt[0] in "вф" and nxt[1] not in "аеёиоуыэюя":
            out[i] = out[i] + "о"
    return out


def capitalize_first(tokens):
    """Upper-case the first letter of the first token."""
    if tokens and tokens[0][:1].islower():
        return [tokens[0][0].upper() + tokens[0][1:]] + list(tokens[1:])
    return list(tokens)


def detokenize(tokens):
    """Join tokens as running text: no space before , . ; :"""
    text = ""
    for tok in tokens:
        if text and tok not in (",", ".", ";", ":"):
            text += " "
        text += tok
    return text


def gendered(word, gender):
    """Pick the form for `gender` from a 'masculine:feminine' entry (or a plain word)."""
    masc, _, fem = word.partition(":")
    return fem if (gender == "f" and fem) else masc


# A person is (gender, first-name index, surname index or None).
def sample_person(rng, last_prob=0.0, other=None):
    """Draw a person, different from `other` (same gender and first name count as equal)."""
    while True:
        person = (rng.choice("fm"), rng.randrange(10),
                  rng.randrange(10) if rng.random() < last_prob else None)
        if other is None or person[:2] != other[:2]:
            return person


def person_name(lang, person, case="nom", with_last=True):
    """The name of `person` in `lang` (Russian: declined for `case`)."""
    gender, first_i, last_i = person
    first = FIRST_NAMES[lang][gender][first_i]
    if lang == "ru":
        nom, acc, gen = first.split(":")
        first = {"nom": nom, "acc": acc, "gen": gen}[case]
        if last_i is not None and with_last:
            m, f = LAST_NAMES["ru"][last_i].split(":")
            last = m if gender == "m" else f
            if case != "nom":  # -ов/-ова: acc/gen -ова (m) / -ову, -овой (f)
                last = last + "а" if gender == "m" else last[:-1] + ("у" if case == "acc" else "ой")
            return first + " " + last
        return first
    if last_i is not None and with_last and LAST_NAMES[lang]:
        return first + " " + LAST_NAMES[lang][last_i]
    return first

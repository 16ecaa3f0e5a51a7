"""Similarity pairs (score 0-5): stsb-multi-mt CSV, STS 2017 track input + gold, STS2017-extended.

sentence1 states 2-5 facts about a person ("Anna is happy, lives in Berlin and
works at Google."); sentence2 restates k of them and replaces the others with
different facts (another city, or a kind of fact sentence1 does not mention),
in a new order, about the same person or another one. The gold score is
  same person:    5 x k / n      (all kept = 5, none kept = 0)
  another person: 1 x k / n      (at most 1)
plus a deterministic jitter of at most JITTER, reflected at 0 and 5, one decimal.

In a cross-lingual pair the two sentences must name the same things: the person
keeps the name of sentence1's language, and cities and organisations come from
the index-aligned lists of sts.json.
"""
import csv
import io

from .common import detokenize, load, person_name, ru_fix_prepositions, ru_form, sample_person
from .nli import (
    FACT_TYPES,
    NLI_ADJ,
    NLI_AND,
    NLI_FACT_VERBS,
    en_fact_vp,
    fact_tokens,
    sample_fact,
    tree_leaves,
)

FACT_COUNTS = [2, 3, 4, 5]  # facts in sentence1 (and in sentence2)
MAX_SCORE = 5.0  # score of the same person with every fact kept
OTHER_PERSON_MAX = 1.0  # score of another person with every fact kept
JITTER = 0.3  # at most this much is added to or taken from the score of the kept share

_STS = load("sts")
SHARED_PLACES = {"live": _STS["shared_cities"], "work": _STS["shared_organisations"]}
EN_SHARED_VERBS = _STS["english_fact_verbs"]
FACT_LANGS = sorted(NLI_ADJ)  # the languages a fact is realised in (en, de, es, ru)


def fact_words(lang, fact, gender, shared):
    """The words of one fact after the subject; `shared`: cities and organisations of sts.json."""
    ftype, k = fact
    if shared and ftype in SHARED_PLACES:
        table = SHARED_PLACES[ftype][lang]
        place = table[k % len(table)]
        if lang == "ru":
            place = ru_form(place, "prep")
        verb = EN_SHARED_VERBS[ftype] if lang == "en" else NLI_FACT_VERBS[lang][ftype]
        return verb.split(" ") + place.split(" ")
    if lang == "en":
        return tree_leaves(en_fact_vp(fact, "pos"))
    return fact_tokens(lang, fact, "pos", gender)


def other_value(rng, fact, gender, shared):
    """A fact of the same type that reads differently from `fact` in every language."""
    while True:
        new = sample_fact(rng, fact[0])
        if all(fact_words(lang, new, gender, shared) != fact_words(lang, fact, gender, shared)
               for lang in FACT_LANGS):
            return new


# (same person, number of facts, number kept, score before the jitter)
SCORE_CONFIGS = [(same, n, kept, (MAX_SCORE if same else OTHER_PERSON_MAX) * kept / n)
                 for same in (True, False) for n in FACT_COUNTS for kept in range(n + 1)]


def pick_config(rng, target):
    """A configuration whose score before the jitter is nearest to `target` (ties: at random)."""
    best = min(abs(c[3] - target) for c in SCORE_CONFIGS)
    return rng.choice([c for c in SCORE_CONFIGS if abs(c[3] - target) - best < 1e-9])


def jittered(rng, base):
    """`base` plus at most JITTER either way, reflected into 0-5, rounded to one decimal."""
    score = base + rng.uniform(-JITTER, JITTER)
    if score < 0:
        score = -score
    elif score > MAX_SCORE:
        score = 2 * MAX_SCORE - score
    return round(score, 1)


def replacement(rng, fact, unused, gender, shared):
    """A fact in place of `fact`: a kind not yet mentioned (from `unused`) or another value."""
    if unused and rng.random() < 0.5:
        ftype = unused.pop(rng.randrange(len(unused)))
        return sample_fact(rng, ftype)
    return other_value(rng, fact, gender, shared)


def sample_sts_frame(rng, target, shared):
    """Draw the language-independent content of one pair whose score is near `target`."""
    same, n, kept, base = pick_config(rng, target)
    person = sample_person(rng, last_prob=0.3)
    person2 = person if same else sample_person(rng, last_prob=0.3, other=person)
    types = rng.sample(FACT_TYPES, n)
    facts1 = [sample_fact(rng, t) for t in types]
    unused = [t for t in FACT_TYPES if t not in types]
    keep = set(rng.sample(range(n), kept))
    facts2 = [fact if i in keep else replacement(rng, fact, unused, person2[0], shared)
              for i, fact in enumerate(facts1)]
    rng.shuffle(facts2)
    if facts2 == facts1:  # the same person and facts in the same order: change the order
        facts2 = facts2[1:] + facts2[:1]
    subject2 = "first" if rng.random() < 0.4 else "full"
    return {"person": person, "facts1": facts1, "person2": person2, "subject2": subject2,
            "facts2": facts2, "shared": shared, "score": jittered(rng, base)}


def sts_sentence(lang, person, subject, facts, shared, name_lang):
    """'SUBJECT fact1, fact2, ... and factN.' as running text; the name as in `name_lang`."""
    tokens = person_name(name_lang, person, with_last=(subject == "full")).split(" ")
    for i, fact in enumerate(facts):
        if i > 0:
            tokens += [NLI_AND[lang]] if i == len(facts) - 1 else [","]
        tokens += fact_words(lang, fact, person[0], shared)
    tokens += ["."]
    if lang == "ru":
        tokens = ru_fix_prepositions(tokens)
    return detokenize(tokens)


def sts_pair(lang1, lang2, frame):
    """sentence1 in `lang1` and sentence2 in `lang2` of one frame."""
    shared = frame["shared"]
    name_lang2 = lang1 if shared else lang2  # "Pedro" in both sentences, not "Pedro" and "Peter"
    return (sts_sentence(lang1, frame["person"], "full", frame["facts1"], shared, lang1),
            sts_sentence(lang2, frame["person2"], frame["subject2"], frame["facts2"], shared,
                         name_lang2))


def sts_frames(rng, n, shared=False):
    """Frames for `n` pairs, with targets spread evenly over 0-5 (one per slice of 5/n)."""
    targets = [MAX_SCORE * (i + rng.random()) / n for i in range(n)]
    rng.shuffle(targets)
    return [sample_sts_frame(rng, t, shared) for t in targets]


def stsb_file(lang, frames):
    """One stsb-multi-mt CSV file (sentence1,sentence2,score; no header) and its sentences."""
    out, sentences = io.StringIO(), []
    writer = csv.writer(out, dialect="excel", lineterminator="\n")
    for frame in frames:
        s1, s2 = sts_pair(lang, lang, frame)
        writer.writerow([s1, s2, f"{frame['score']:.1f}"])
        sentences += [s1, s2]
    return out.getvalue(), sentences


def sts2017_track_files(lang1, lang2, frames):
    """An STS 2017 track input (sentence1<TAB>sentence2), its gold scores and its sentences."""
    pairs = [sts_pair(lang1, lang2, frame) for frame in frames]
    inputs = "".join(f"{s1}\t{s2}\n" for s1, s2 in pairs)
    gold = "".join(f"{frame['score']:.2f}\n" for frame in frames)
    return inputs, gold, [s for pair in pairs for s in pair]


def sts2017_extended_file(lang1, lang2, frames):
    """An STS2017-extended file (sentence1<TAB>sentence2<TAB>score) and its sentences."""
    lines, sentences = [], []
    for frame in frames:
        s1, s2 = sts_pair(lang1, lang2, frame)
        lines.append(f"{s1}\t{s2}\t{frame['score']:.1f}\n")
        sentences += [s1, s2]
    return "".join(lines), sentences

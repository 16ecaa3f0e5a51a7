"""NLI pairs: MultiNLI 1.0 txt (English train) and XNLI 1.0 tsv (dev/test, all languages).

A premise states 1-3 facts about a person; the hypotheses are
  entailment:    one of those facts again, alone (shorter sentence)
  contradiction: one of those facts negated (or, for adjectives, the antonym)
  neutral:       a fact of a type the premise does not mention
"""
from .common import (
    CITIES,
    ORGS,
    detokenize,
    gendered,
    load,
    person_name,
    ru_fix_prepositions,
    ru_form,
    sample_person,
)

# The code branches on these kinds of fact, so they stay here; their words are in nli.json.
FACT_TYPES = ["adj", "live", "work", "drink", "play", "speak"]
NLI_LABELS = ["entailment", "neutral", "contradiction"]

_NLI = load("nli")
NLI_DRINKS = _NLI["drinks"]
NLI_INSTRUMENTS = _NLI["instruments"]
NLI_LANGUAGES = _NLI["languages"]
NLI_ADJ = _NLI["adjectives"]
NLI_ADJ_COPULAS = _NLI["adjective_copulas"]
NLI_FACT_VERBS = _NLI["fact_verbs"]
NLI_NEGATION = _NLI["negation"]
NLI_NEGATIVE_ARTICLE = _NLI["negative_article"]
NLI_PRONOUNS = _NLI["pronouns"]
NLI_AND = _NLI["and"]
EN_VERBS = _NLI["english_verbs"]
EN_NAME_TAGS = _NLI["english_name_tags"]
XNLI_GENRES = _NLI["xnli_genres"]
MNLI_GENRES = _NLI["mnli_genres"]
ITEM_TABLES = {"drink": NLI_DRINKS, "play": NLI_INSTRUMENTS, "speak": NLI_LANGUAGES}


def sample_fact(rng, ftype):
    """Draw a fact of type `ftype`: (type, item index, taken modulo the list length)."""
    return (ftype, rng.randrange(1000))


def sample_nli_prompt(rng):
    """Draw a person, the facts of the premise and the three hypotheses."""
    person = sample_person(rng, last_prob=0.3)
    n_facts = 2 if rng.random() < 0.7 else 3
    types = rng.sample(FACT_TYPES, n_facts)
    if "adj" in types:  # adjective facts come first ("Anna is happy and lives in ...")
        types.remove("adj")
        types.insert(0, "adj")
    facts = [sample_fact(rng, t) for t in types]
    unused = [t for t in FACT_TYPES if t not in types]
    hyps = {}
    for label in NLI_LABELS:
        subject = "pron" if rng.random() < 0.25 else ("first" if rng.random() < 0.5 else "full")
        if label == "entailment":
            hyps[label] = (subject, rng.choice(facts), "pos")
        elif label == "contradiction":
            fact = rng.choice(facts)
            mode = "anto" if (fact[0] == "adj" and rng.random() < 0.5) else "neg"
            hyps[label] = (subject, fact, mode)
        else:
            hyps[label] = (subject, sample_fact(rng, rng.choice(unused)), "pos")
    return {"person": person, "facts": facts, "hyps": hyps}


# --- English: build Penn-Treebank-style trees (MultiNLI has parse columns) ---
def leaf(tag, word):
    """A tree leaf: a word with its POS tag."""
    return ("LEAF", tag, word)


def node(label, *children):
    """A labelled tree node."""
    return (label, list(children))


def tree_leaves(tree):
    """The words of a tree, in order."""
    if tree[0] == "LEAF":
        return [tree[2]]
    return [w for child in tree[1] for w in tree_leaves(child)]


def tree_parse(tree):
    """Bracketed parse, as in MultiNLI's *_parse."""
    if tree[0] == "LEAF":
        return f"({tree[1]} {tree[2]})"
    return f"({tree[0]} " + " ".join(tree_parse(c) for c in tree[1]) + ")"


def tree_binary(tree):
    """Unlabelled right-branching binarisation, as in MultiNLI's *_binary_parse."""
    if tree[0] == "LEAF":
        return tree[2]
    parts = [tree_binary(c) for c in tree[1]]
    acc = parts[-1]
    for part in reversed(parts[:-1]):
        acc = f"( {part} {acc} )"
    return acc


def en_name_np(words):
    """An NP over the words of a name (NNP, except for words like 'of')."""
    return node("NP", *[leaf(EN_NAME_TAGS.get(w, "NNP"), w) for w in words.split(" ")])


# The English function words (is, not, does, in, at, the) stay in code: each
# comes with its place and tag in the tree.
def en_fact_vp(fact, mode):
    """The VP of one English fact ('lives in Berlin', 'is not happy')."""
    ftype, k = fact
    if ftype == "adj":
        adj, anto = NLI_ADJ["en"][k % len(NLI_ADJ["en"])]
        if mode == "anto":
            return node("VP", leaf("VBZ", "is"), node("ADJP", leaf("JJ", anto)))
        if mode == "neg":
            return node("VP", leaf("VBZ", "is"), leaf("RB", "not"), node("ADJP", leaf("JJ", adj)))
        return node("VP", leaf("VBZ", "is"), node("ADJP", leaf("JJ", adj)))
    if ftype == "live":
        comp = node("PP", leaf("IN", "in"), en_name_np(CITIES["en"][k % len(CITIES["en"])][0]))
    elif ftype == "work":
        comp = node("PP", leaf("IN", "at"), en_name_np(ORGS["en"][k % len(ORGS["en"])]))
    elif ftype == "drink":
        comp = node("NP", leaf("NN", NLI_DRINKS["en"][k % len(NLI_DRINKS["en"])]))
    elif ftype == "play":
        instr = NLI_INSTRUMENTS["en"][k % len(NLI_INSTRUMENTS["en"])]
        comp = node("NP", leaf("DT", "the"), leaf("NNS" if instr.endswith("s") else "NN", instr))
    else:
        comp = node("NP", leaf("NNP", NLI_LANGUAGES["en"][k % len(NLI_LANGUAGES["en"])]))
    v3, vb = EN_VERBS[ftype]
    if mode == "neg":
        return node("VP", leaf("VBZ", "does"), leaf("RB", "not"), node("VP", leaf("VB", vb), comp))
    return node("VP", leaf("VBZ", v3), comp)


def en_subject_np(person, subject):
    """The subject NP: a pronoun, the first name or the full name."""
    if subject == "pron":
        return node("NP", leaf("PRP", NLI_PRONOUNS["en"][0 if person[0] == "m" else 1]))
    name = person_name("en", person, with_last=(subject == "full"))
    return node("NP", *[leaf("NNP", w) for w in name.split(" ")])


def en_sentence_tree(person, subject, vps):
    """ROOT tree of 'SUBJECT vp1 (, vp2) and vpN .'"""
    if len(vps) == 1:
        vp = vps[0]
    elif len(vps) == 2:
        vp = node("VP", vps[0], leaf("CC", "and"), vps[1])
    else:
        vp = node("VP", vps[0], leaf(",", ","), vps[1], leaf("CC", "and"), vps[2])
    return node("ROOT", node("S", en_subject_np(person, subject), vp, leaf(".", ".")))


# --- German, Spanish, Russian: token lists ---
def fact_tokens(lang, fact, mode, gender):
    """The words of one fact after the subject ('wohnt nicht in Berlin', 'es alta')."""
    ftype, k = fact
    neg = mode == "neg"
    if ftype == "adj":
        adj, anto = NLI_ADJ[lang][k % len(NLI_ADJ[lang])]
        copulas = NLI_ADJ_COPULAS.get(lang)
        words = (([copulas[k % len(copulas)]] if copulas else [])
                 + [gendered(anto if mode == "anto" else adj, gender)])
    elif ftype in ("live", "work"):
        if ftype == "live":
            place = CITIES[lang][k % len(CITIES[lang])][0]
        else:
            place = ORGS[lang][k % len(ORGS[lang])]
        if lang == "ru":
            place = ru_form(place, "prep")
        words = NLI_FACT_VERBS[lang][ftype].split(" ") + place.split(" ")
    else:
        table = ITEM_TABLES[ftype][lang]
        item = table[k % len(table)]
        verb = NLI_FACT_VERBS[lang][ftype].split(" ")
        if lang == "de":
            # German negates these objects with "kein" rather than "nicht".
            if ftype == "speak":
                obj = (NLI_NEGATIVE_ARTICLE["de"] + " " if neg else "") + item
            else:
                pos_form, _, neg_form = item.partition(":")
                obj = neg_form if neg else pos_form
            return verb + obj.split(" ")
        words = verb + item.split(" ")
    if neg:
        if lang == "de":  # after the finite verb: "wohnt nicht in Berlin", "ist nicht reich"
            return words[:1] + [NLI_NEGATION[lang]] + words[1:]
        return [NLI_NEGATION[lang]] + words
    return words


def subject_tokens(lang, person, subject):
    """The subject: a pronoun, the first name or the full name."""
    if subject == "pron":
        return [NLI_PRONOUNS[lang][0 if person[0] == "m" else 1]]
    return person_name(lang, person, with_last=(subject == "full")).split(" ")


def nli_sentence(lang, person, subject, facts_modes):
    """Return (tokens, tree or None) for 'SUBJECT fact1 (, fact2) and factN .'"""
    if lang == "en":
        tree = en_sentence_tree(person, subject, [en_fact_vp(f, m) for f, m in facts_modes])
        return tree_leaves(tree), tree
    parts = [fact_tokens(lang, f, m, person[0]) for f, m in facts_modes]
    tokens = subject_tokens(lang, person, subject)
    for i, part in enumerate(parts):
        if i > 0:
            tokens += [NLI_AND[lang]] if i == len(parts) - 1 else [","]
        tokens += part
    tokens += ["."]
    if lang == "ru":
        tokens = ru_fix_prepositions(tokens)
    return tokens, None


def realize_nli(lang, prompt):
    """Return (premise, {label: hypothesis}); each is (tokens, tree-or-None)."""
    person = prompt["person"]
    premise = nli_sentence(lang, person, "full", [(f, "pos") for f in prompt["facts"]])
    hyps = {label: nli_sentence(lang, person, subject, [(fact, mode)])
            for label, (subject, fact, mode) in prompt["hyps"].items()}
    return premise, hyps


def annotator_labels(rng, gold):
    """Five annotator labels with `gold` as the clear majority."""
    labels = [gold] * 5
    if rng.random() < 0.3:
        labels[1 + rng.randrange(4)] = rng.choice([l for l in NLI_LABELS if l != gold])
    return labels


def mnli_train_file(rng, n_prompts, n_ambiguous):
    """The MultiNLI train file and its sentences; `n_ambiguous` extra premises get gold '-'."""
    header = ("gold_label\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\t"
              "sentence2_parse\tsentence1\tsentence2\tpromptID\tpairID\tgenre\tlabel1\tlabel2\t"
              "label3\tlabel4\tlabel5")
    prompt_ids = sorted(rng.sample(range(10000, 150000), n_prompts + n_ambiguous))
    rows, sentences = [], []
    for n, prompt_id in enumerate(prompt_ids):
        prompt = sample_nli_prompt(rng)
        genre = rng.choice(MNLI_GENRES)
        (p_toks, p_tree), hyps = realize_nli("en", prompt)
        ambiguous = n >= n_prompts
        for label in NLI_LABELS:
            h_toks, h_tree = hyps[label]
            if ambiguous:  # no 3-of-5 majority among the annotators
                others = [l for l in NLI_LABELS if l != label]
                labels = [label, others[0], label, others[1], others[0]]
                gold = "-"
            else:
                labels = [label, "", "", "", ""]
                gold = label
            rows.append([gold, tree_binary(p_tree), tree_binary(h_tree), tree_parse(p_tree),
                         tree_parse(h_tree), detokenize(p_toks), detokenize(h_toks),
                         str(prompt_id), f"{prompt_id}{label[0]}", genre] + labels)
    rng.shuffle(rows)
    for row in rows:
        sentences += [row[5], row[6]]
    return header + "\n" + "\n".join("\t".join(r) for r in rows) + "\n", sentences


def xnli_file(rng, n_prompts, langs):
    """An XNLI file with the same pairs in every language of `langs`, and its sentences."""
    header = ("language\tgold_label\tsentence1_binary_parse\tsentence2_binary_parse\t"
              "sentence1_parse\tsentence2_parse\tsentence1\tsentence2\tpromptID\tpairID\tgenre\t"
              "label1\tlabel2\tlabel3\tlabel4\tlabel5\tsentence1_tokenized\tsentence2_tokenized\t"
              "match")
    items, pair_id = [], 0
    for prompt_id in range(1, n_prompts + 1):
        prompt = sample_nli_prompt(rng)
        genre = rng.choice(XNLI_GENRES)
        labels = rng.sample(NLI_LABELS, 3)  # order of the three pairs of this premise
        for label in labels:
            pair_id += 1
            items.append((prompt, prompt_id, pair_id, genre, label, annotator_labels(rng, label)))
    rows, sentences = [], []
    for lang in langs:
        for prompt, prompt_id, pid, genre, label, annot in items:
            (p_toks, _), hyps = realize_nli(lang, prompt)
            h_toks = hyps[label][0]
            p_text, h_text = detokenize(p_toks), detokenize(h_toks)
            rows.append([lang, label, "", "", "", "", p_text, h_text, str(prompt_id), str(pid),
                         genre] + annot + [" ".join(p_toks), " ".join(h_toks), "True"])
            sentences += [p_text, h_text]
    return header + "\n" + "\n".join("\t".join(r) for r in rows) + "\n", sentences

#!/usr/bin/env python3
"""Generate the bundled offline demo data in its original published formats.

Every sentence here is synthetic: it is built from the small hand-written
templates and word lists below, with a fixed seed, so running the script again
reproduces the committed files byte for byte:

    python assets/demo/generate.py                  # rewrite assets/demo/*
    python assets/demo/generate.py --output /tmp/x  # write elsewhere

Nothing is copied from a real data set; only the file *formats* mirror the
public releases (WikiANN/PAN-X, Universal Dependencies CoNLL-U, MultiNLI 1.0,
XNLI 1.0 and PAWS-X), so that the project's converters can read them. The
"facts" in the sentences (who works where, which city lies where) are random.
See README.md next to this file for the layout and the learnable cues.
"""
import argparse
import random
import re
from pathlib import Path

SEED = 20240601

# Sizes (the tests in tests/test_demo_assets.py assert these exact numbers).
N_TRAIN = 300  # English training sentences / pairs per task
N_DEV = 60  # English dev sentences / pairs per task
N_TEST = 80  # test sentences / pairs per language (NER, POS, PAWS-X)
NLI_TRAIN_PROMPTS = 100  # x 3 hypotheses = 300 labelled MultiNLI rows
NLI_TRAIN_AMBIGUOUS = 2  # x 3 extra MultiNLI rows with gold_label "-"
NLI_DEV_PROMPTS = 20  # x 3 = 60 XNLI dev rows per language
NLI_TEST_PROMPTS = 30  # x 3 = 90 XNLI test rows per language

TAG_LANGS = ["en", "de", "es", "ru", "zh"]  # NER and POS test languages
PAIR_LANGS = ["en", "de", "es", "ru"]  # XNLI and PAWS-X languages


def rng_for(*parts):
    """An independent, reproducible random stream per (task, split)."""
    # Seeding with a str hashes it with SHA-512 (not hash()), so this is stable
    # across runs and Python versions.
    return random.Random(f"{SEED}:" + ":".join(str(p) for p in parts))


# ---------------------------------------------------------------------------
# Shared word lists. Lists with the same name are index-aligned across
# languages where that matters (so test sets are parallel across languages).
# ---------------------------------------------------------------------------

# First names by gender, 10 each. Russian entries: nominative:accusative:genitive.
FIRST_NAMES = {
    "en": {
        "f": "Anna Emma Laura Sarah Emily Julia Olivia Grace Lucy Hannah".split(),
        "m": "Peter James David Thomas Michael Daniel Robert Mark Paul John".split(),
    },
    "de": {
        "f": "Anna Maria Julia Katrin Sabine Lena Laura Monika Petra Sophie".split(),
        "m": "Peter Thomas Michael Jan Stefan Lukas Markus Andreas Felix Jonas".split(),
    },
    "es": {
        "f": "Ana María Lucía Carmen Sofía Elena Isabel Laura Marta Paula".split(),
        "m": "Pedro Juan Carlos Javier Miguel Pablo Luis Diego Andrés Jorge".split(),
    },
    "ru": {
        "f": [
            "Анна:Анну:Анны", "Мария:Марию:Марии", "Елена:Елену:Елены", "Ольга:Ольгу:Ольги",
            "Наталья:Наталью:Натальи", "Татьяна:Татьяну:Татьяны", "Ирина:Ирину:Ирины",
            "Светлана:Светлану:Светланы", "Екатерина:Екатерину:Екатерины", "Дарья:Дарью:Дарьи",
        ],
        "m": [
            "Иван:Ивана:Ивана", "Пётр:Петра:Петра", "Алексей:Алексея:Алексея",
            "Дмитрий:Дмитрия:Дмитрия", "Сергей:Сергея:Сергея", "Андрей:Андрея:Андрея",
            "Михаил:Михаила:Михаила", "Николай:Николая:Николая", "Павел:Павла:Павла",
            "Борис:Бориса:Бориса",
        ],
    },
    "zh": {  # full names; Chinese has no separate surname slot here
        "f": "李娜 张敏 陈静 黄丽 吴芳 林雪 郭婷 何琳 高洁 罗兰".split(),
        "m": "王伟 刘洋 杨帆 赵磊 周杰 徐明 孙浩 马超 朱军 胡斌".split(),
    },
}
# Surnames; Russian ones are masculine:feminine.
LAST_NAMES = {
    "en": "Smith Johnson Brown Taylor Wilson Miller Clark Walker Wright Hughes".split(),
    "de": "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann Koch".split(),
    "es": "García López Martínez Sánchez Pérez Gómez Fernández Ruiz Díaz Moreno".split(),
    "ru": [
        "Иванов:Иванова", "Петров:Петрова", "Смирнов:Смирнова", "Кузнецов:Кузнецова",
        "Попов:Попова", "Соколов:Соколова", "Волков:Волкова", "Морозов:Морозова",
        "Новиков:Новикова", "Фёдоров:Фёдорова",
    ],
    "zh": [],
}

# Countries, index-aligned. Russian: nominative|genitive|prepositional|accusative.
COUNTRIES = {
    "en": ["Germany", "Spain", "Russia", "France", "Italy", "Canada", "England", "China",
           "Argentina", "Brazil"],
    "de": ["Deutschland", "Spanien", "Russland", "Frankreich", "Italien", "Kanada", "England",
           "China", "Argentinien", "Brasilien"],
    "es": ["Alemania", "España", "Rusia", "Francia", "Italia", "Canadá", "Inglaterra", "China",
           "Argentina", "Brasil"],
    "ru": ["Германия|Германии|Германии|Германию", "Испания|Испании|Испании|Испанию",
           "Россия|России|России|Россию", "Франция|Франции|Франции|Францию",
           "Италия|Италии|Италии|Италию", "Канада|Канады|Канаде|Канаду",
           "Англия|Англии|Англии|Англию", "Китай|Китая|Китае|Китай",
           "Аргентина|Аргентины|Аргентине|Аргентину", "Бразилия|Бразилии|Бразилии|Бразилию"],
    "zh": ["德国", "西班牙", "俄罗斯", "法国", "意大利", "加拿大", "英国", "中国", "阿根廷", "巴西"],
}

# Cities with the index of their country. Not index-aligned (each language has
# its own local cities); frames pick them modulo the list length.
CITIES = {
    "en": [("London", 6), ("Manchester", 6), ("Toronto", 5), ("Vancouver", 5), ("Berlin", 0),
           ("Munich", 0), ("Madrid", 1), ("Barcelona", 1), ("Moscow", 2),
           ("Saint Petersburg", 2), ("Paris", 3), ("Lyon", 3), ("Rome", 4), ("Milan", 4),
           ("Buenos Aires", 8), ("Rio de Janeiro", 9), ("Shanghai", 7), ("Beijing", 7)],
    "de": [("Berlin", 0), ("Hamburg", 0), ("München", 0), ("Köln", 0),
           ("Frankfurt am Main", 0), ("Dresden", 0), ("Leipzig", 0), ("Stuttgart", 0),
           ("Paris", 3), ("Madrid", 1), ("Moskau", 2), ("Sankt Petersburg", 2), ("Rom", 4),
           ("London", 6), ("Toronto", 5), ("Buenos Aires", 8), ("Rio de Janeiro", 9),
           ("Peking", 7)],
    "es": [("Madrid", 1), ("Barcelona", 1), ("Sevilla", 1), ("Valencia", 1), ("Bilbao", 1),
           ("San Sebastián", 1), ("Las Palmas", 1), ("Santa Cruz de Tenerife", 1),
           ("París", 3), ("Berlín", 0), ("Moscú", 2), ("Londres", 6), ("Roma", 4),
           ("Toronto", 5), ("Buenos Aires", 8), ("Córdoba", 8), ("Río de Janeiro", 9),
           ("Pekín", 7)],
    "ru": [("Москва|Москвы|Москве|Москву", 2),
           ("Санкт-Петербург|Санкт-Петербурга|Санкт-Петербурге|Санкт-Петербург", 2),
           ("Казань|Казани|Казани|Казань", 2),
           ("Новосибирск|Новосибирска|Новосибирске|Новосибирск", 2),
           ("Екатеринбург|Екатеринбурга|Екатеринбурге|Екатеринбург", 2),
           ("Нижний Новгород|Нижнего Новгорода|Нижнем Новгороде|Нижний Новгород", 2),
           ("Самара|Самары|Самаре|Самару", 2),
           ("Ростов-на-Дону|Ростова-на-Дону|Ростове-на-Дону|Ростов-на-Дону", 2),
           ("Омск|Омска|Омске|Омск", 2),
           ("Берлин|Берлина|Берлине|Берлин", 0), ("Париж|Парижа|Париже|Париж", 3),
           ("Лондон|Лондона|Лондоне|Лондон", 6), ("Рим|Рима|Риме|Рим", 4),
           ("Мадрид|Мадрида|Мадриде|Мадрид", 1), ("Торонто|Торонто|Торонто|Торонто", 5),
           ("Буэнос-Айрес|Буэнос-Айреса|Буэнос-Айресе|Буэнос-Айрес", 8),
           ("Рио-де-Жанейро|Рио-де-Жанейро|Рио-де-Жанейро|Рио-де-Жанейро", 9),
           ("Пекин|Пекина|Пекине|Пекин", 7)],
    "zh": [("北京", 7), ("上海", 7), ("广州", 7), ("深圳", 7), ("南京", 7), ("成都", 7),
           ("杭州", 7), ("武汉", 7), ("西安", 7), ("柏林", 0), ("巴黎", 3), ("伦敦", 6),
           ("莫斯科", 2), ("马德里", 1), ("罗马", 4), ("多伦多", 5), ("布宜诺斯艾利斯", 8),
           ("里约热内卢", 9)],
}

# Organisations. Russian: nominative|genitive|prepositional.
ORGS = {
    "en": ["Google", "Microsoft", "Amazon", "General Electric", "Bank of America", "Ford",
           "Boeing", "Oxford University", "Rolls-Royce", "Vodafone", "Unilever", "Pfizer"],
    "de": ["Siemens", "Bosch", "Lufthansa", "Adidas", "Volkswagen", "Allianz", "BASF",
           "Carl Zeiss", "Hugo Boss", "Axel Springer", "Rohde & Schwarz", "SAP"],
    "es": ["Telefónica", "Iberia", "Inditex", "Repsol", "Mercadona", "Banco Santander",
           "El Corte Inglés", "SEAT", "Endesa", "Mapfre", "BBVA", "Renfe"],
    "ru": ["Газпром|Газпрома|Газпроме", "Сбербанк|Сбербанка|Сбербанке",
           "Яндекс|Яндекса|Яндексе", "Аэрофлот|Аэрофлота|Аэрофлоте",
           "Лукойл|Лукойла|Лукойле", "Роснефть|Роснефти|Роснефти",
           "Ростелеком|Ростелекома|Ростелекоме", "Siemens|Siemens|Siemens",
           "Google|Google|Google", "Большой театр|Большого театра|Большом театре",
           "МГУ|МГУ|МГУ", "Лаборатория Касперского|Лаборатории Касперского|Лаборатории Касперского"],
    "zh": ["华为", "阿里巴巴", "腾讯", "百度", "中国银行", "北京大学", "清华大学", "小米",
           "联想", "新华社", "中国移动", "海尔"],
}

CLUBS = {
    "en": ["Manchester United", "Arsenal", "Liverpool FC", "Chelsea", "FC Barcelona",
           "Bayern Munich"],
    "de": ["Bayern München", "Borussia Dortmund", "Werder Bremen", "Hertha BSC", "Schalke 04",
           "FC Barcelona"],
    "es": ["Real Madrid", "FC Barcelona", "Atlético de Madrid", "Sevilla FC", "Valencia CF",
           "Athletic Club"],
    "ru": ["Спартак", "Зенит", "ЦСКА", "Локомотив", "Динамо", "Рубин"],
    "zh": ["北京国安", "上海申花", "广州恒大", "山东泰山", "江苏苏宁", "河南建业"],
}

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


# A person is (gender, first-name index, surname index or None).
def sample_person(rng, last_prob=0.0, other=None):
    while True:
        person = (rng.choice("fm"), rng.randrange(10),
                  rng.randrange(10) if rng.random() < last_prob else None)
        if other is None or person[:2] != other[:2]:
            return person


def person_name(lang, person, case="nom", with_last=True):
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


# ---------------------------------------------------------------------------
# NER: WikiANN original format (lang:token<TAB>tag, blank line between sentences)
# ---------------------------------------------------------------------------

NER_TEMPLATES = {
    "en": [
        "{PER} lives in {LOC} .",
        "{PER} works for {ORG} in {LOC} .",
        "{PER} was born in {LOC} in {YEAR} .",
        "{ORG} opens a new office in {LOC} .",
        "{PER} and {PER2} visited {LOC} last summer .",
        "{PER} moved from {LOC} to {LOC2} .",
        "{ORG} is based in {LOC} .",
        "{PER} is the new director of {ORG} .",
        "Yesterday {PER} met {PER2} in {LOC} .",
        "{LOC} is a big city in {COUNTRY} .",
        "{PER} plays for {CLUB} .",
        "The weather in {LOC} is good today .",
        None,  # a sentence without entities
        "{PER} , the mayor of {LOC} , gave a speech .",
    ],
    "de": [
        "{PER} wohnt in {LOC} .",
        "{PER} arbeitet bei {ORG} in {LOC} .",
        "{PER} wurde {YEAR} in {LOC} geboren .",
        "{ORG} eröffnet ein neues Büro in {LOC} .",
        "{PER} und {PER2} besuchten letzten Sommer {LOC} .",
        "{PER} zog von {LOC} nach {LOC2} .",
        "{ORG} hat seinen Sitz in {LOC} .",
        "{PER} ist {g:der neue Direktor|die neue Direktorin} von {ORG} .",
        "Gestern traf {PER} {PER2} in {LOC} .",
        "{LOC} ist eine große Stadt in {COUNTRY} .",
        "{PER} spielt für {CLUB} .",
        "Das Wetter in {LOC} ist heute gut .",
        None,
        "{PER} , {g:der Bürgermeister|die Bürgermeisterin} von {LOC} , hielt eine Rede .",
    ],
    "es": [
        "{PER} vive en {LOC} .",
        "{PER} trabaja para {ORG} en {LOC} .",
        "{PER} nació en {LOC} en {YEAR} .",
        "{ORG} abre una nueva oficina en {LOC} .",
        "{PER} y {PER2} visitaron {LOC} el verano pasado .",
        "{PER} se mudó de {LOC} a {LOC2} .",
        "{ORG} tiene su sede en {LOC} .",
        "{PER} es {g:el nuevo director|la nueva directora} de {ORG} .",
        "Ayer {PER} se reunió con {PER2} en {LOC} .",
        "{LOC} es una gran ciudad de {COUNTRY} .",
        "{PER} juega en el {CLUB} .",
        "El tiempo en {LOC} es bueno hoy .",
        None,
        "{PER} , {g:alcalde|alcaldesa} de {LOC} , dio un discurso .",
    ],
    "ru": [
        "{PER} живёт в {LOC.prep} .",
        "{PER} работает в {ORG.prep} в {LOC.prep} .",
        "{PER} {g:родился|родилась} в {LOC.prep} в {YEAR} году .",
        "{ORG} открывает новый офис в {LOC.prep} .",
        "{PER} и {PER2} посетили {LOC.acc} прошлым летом .",
        "{PER} {g:переехал|переехала} из {LOC.gen} в {LOC2.acc} .",
        "{ORG} находится в {LOC.prep} .",
        "{PER} — новый директор {ORG.gen} .",
        "Вчера {PER} и {PER2} встретились в {LOC.prep} .",
        "{LOC} — большой город в {COUNTRY.prep} .",
        "{PER} играет за {CLUB} .",
        "Сегодня в {LOC.prep} хорошая погода .",
        None,
        "{PER} , мэр {LOC.gen} , {g:выступил|выступила} с речью .",
    ],
    "zh": [
        "{PER}住在{LOC}。",
        "{PER}在{LOC}的{ORG}工作。",
        "{PER}{YEAR}年出生于{LOC}。",
        "{ORG}在{LOC}开设了新办公室。",
        "{PER}和{PER2}去年夏天去了{LOC}。",
        "{PER}从{LOC}搬到了{LOC2}。",
        "{ORG}的总部位于{LOC}。",
        "{PER}是{ORG}的新主任。",
        "昨天{PER}在{LOC}见到了{PER2}。",
        "{LOC}是{COUNTRY}的一座大城市。",
        "{PER}效力于{CLUB}。",
        "今天{LOC}的天气很好。",
        None,
        "{LOC}市长{PER}发表了讲话。",
    ],
}
NER_NO_ENTITY = {
    "en": ["The meeting starts at nine o'clock .", "It rained all day yesterday .",
           "My brother likes green tea ."],
    "de": ["Das Treffen beginnt um neun Uhr .", "Gestern hat es den ganzen Tag geregnet .",
           "Mein Bruder trinkt gern grünen Tee ."],
    "es": ["La reunión empieza a las nueve .", "Ayer llovió todo el día .",
           "A mi hermano le gusta el té verde ."],
    "ru": ["Встреча начинается в девять часов .", "Вчера весь день шёл дождь .",
           "Мой брат любит зелёный чай ."],
    "zh": ["会议九点开始。", "昨天下了一整天的雨。", "我哥哥喜欢绿茶。"],
}
NER_TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]


def sample_ner_frame(rng):
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
    lines = []
    for sent in sentences:
        lines.extend(f"{lang}:{tok}\t{tag}" for tok, tag in sent)
        lines.append("")
    return "\n".join(lines) + "\n"


def ner_sentence_text(lang, sent):
    toks = [t for t, _ in sent]
    return "".join(toks) if lang == "zh" else " ".join(toks)


# ---------------------------------------------------------------------------
# POS: Universal Dependencies CoNLL-U
# ---------------------------------------------------------------------------
# Phrase specs: space-separated tokens "form|lemma|UPOS|XPOS|head|deprel"
# (en, de) or "form|lemma|UPOS|head|deprel" (es, ru, zh: XPOS "_"). head is
# the 1-based index inside the phrase, 0 for the phrase head (whose deprel is
# given by the sentence pattern unless it is not "_"). "[del]" before two
# tokens makes them a multiword token with that surface form.

POS_SUBJ_NP = {  # index-aligned
    "en": ["the|the|DET|DT|2|det teacher|teacher|NOUN|NN|0|_",
           "the|the|DET|DT|2|det doctor|doctor|NOUN|NN|0|_",
           "my|my|PRON|PRP$|2|nmod:poss brother|brother|NOUN|NN|0|_",
           "my|my|PRON|PRP$|2|nmod:poss sister|sister|NOUN|NN|0|_",
           "the|the|DET|DT|2|det girl|girl|NOUN|NN|0|_",
           "the|the|DET|DT|3|det young|young|ADJ|JJ|3|amod man|man|NOUN|NN|0|_"],
    "de": ["der|der|DET|ART|2|det Lehrer|Lehrer|NOUN|NN|0|_",
           "die|der|DET|ART|2|det Ärztin|Ärztin|NOUN|NN|0|_",
           "mein|mein|DET|PPOSAT|2|det:poss Bruder|Bruder|NOUN|NN|0|_",
           "meine|mein|DET|PPOSAT|2|det:poss Schwester|Schwester|NOUN|NN|0|_",
           "das|der|DET|ART|2|det Mädchen|Mädchen|NOUN|NN|0|_",
           "der|der|DET|ART|3|det junge|jung|ADJ|ADJA|3|amod Mann|Mann|NOUN|NN|0|_"],
    "es": ["el|el|DET|2|det profesor|profesor|NOUN|0|_",
           "la|el|DET|2|det médica|médico|NOUN|0|_",
           "mi|mi|DET|2|det:poss hermano|hermano|NOUN|0|_",
           "mi|mi|DET|2|det:poss hermana|hermano|NOUN|0|_",
           "la|el|DET|2|det niña|niño|NOUN|0|_",
           "el|el|DET|2|det hombre|hombre|NOUN|0|_ joven|joven|ADJ|2|amod"],
    "ru": ["учитель|учитель|NOUN|0|_",
           "врач|врач|NOUN|0|_",
           "мой|мой|DET|2|det брат|брат|NOUN|0|_",
           "моя|мой|DET|2|det сестра|сестра|NOUN|0|_",
           "девочка|девочка|NOUN|0|_",
           "молодой|молодой|ADJ|2|amod человек|человек|NOUN|0|_"],
    "zh": ["老师|老师|NOUN|0|_",
           "医生|医生|NOUN|0|_",
           "我|我|PRON|2|nmod 哥哥|哥哥|NOUN|0|_",
           "我|我|PRON|2|nmod 姐姐|姐姐|NOUN|0|_",
           "那|那|DET|3|det 个|个|NOUN|3|clf 女孩|女孩|NOUN|0|_",
           "那|那|DET|3|det 个|个|NOUN|3|clf 年轻人|年轻人|NOUN|0|_"],
}
POS_PRON = {  # (masculine, feminine)
    "en": ["he|he|PRON|PRP|0|_", "she|she|PRON|PRP|0|_"],
    "de": ["er|er|PRON|PPER|0|_", "sie|sie|PRON|PPER|0|_"],
    "es": ["él|él|PRON|0|_", "ella|él|PRON|0|_"],
    "ru": ["он|он|PRON|0|_", "она|она|PRON|0|_"],
    "zh": ["他|他|PRON|0|_", "她|她|PRON|0|_"],
}
NAME_XPOS = {"en": "NNP", "de": "NE"}
POS_VERBS = {  # transitive verbs, 3rd person singular present
    "en": ["buys|buy|VERB|VBZ|0|_", "sees|see|VERB|VBZ|0|_", "finds|find|VERB|VBZ|0|_",
           "gets|get|VERB|VBZ|0|_", "carries|carry|VERB|VBZ|0|_", "paints|paint|VERB|VBZ|0|_"],
    "de": ["kauft|kaufen|VERB|VVFIN|0|_", "sieht|sehen|VERB|VVFIN|0|_",
           "findet|finden|VERB|VVFIN|0|_", "bekommt|bekommen|VERB|VVFIN|0|_",
           "trägt|tragen|VERB|VVFIN|0|_", "malt|malen|VERB|VVFIN|0|_"],
    "es": ["compra|comprar|VERB|0|_", "ve|ver|VERB|0|_", "encuentra|encontrar|VERB|0|_",
           "recibe|recibir|VERB|0|_", "lleva|llevar|VERB|0|_", "pinta|pintar|VERB|0|_"],
    "ru": ["покупает|покупать|VERB|0|_", "видит|видеть|VERB|0|_",
           "находит|находить|VERB|0|_", "получает|получать|VERB|0|_",
           "несёт|нести|VERB|0|_", "рисует|рисовать|VERB|0|_"],
    "zh": ["买|买|VERB|0|_", "看见|看见|VERB|0|_", "找到|找到|VERB|0|_", "收到|收到|VERB|0|_",
           "带|带|VERB|0|_", "画|画|VERB|0|_"],
}
POS_OBJ = {  # direct objects (accusative), index-aligned
    "en": ["a|a|DET|DT|2|det book|book|NOUN|NN|0|_",
           "a|a|DET|DT|3|det red|red|ADJ|JJ|3|amod car|car|NOUN|NN|0|_",
           "the|the|DET|DT|3|det old|old|ADJ|JJ|3|amod house|house|NOUN|NN|0|_",
           "three|three|NUM|CD|2|nummod apples|apple|NOUN|NNS|0|_",
           "a|a|DET|DT|3|det new|new|ADJ|JJ|3|amod phone|phone|NOUN|NN|0|_",
           "a|a|DET|DT|2|det letter|letter|NOUN|NN|0|_",
           "the|the|DET|DT|3|det big|big|ADJ|JJ|3|amod table|table|NOUN|NN|0|_",
           "two|two|NUM|CD|2|nummod chairs|chair|NOUN|NNS|0|_",
           "a|a|DET|DT|3|det green|green|ADJ|JJ|3|amod bag|bag|NOUN|NN|0|_",
           "five|five|NUM|CD|2|nummod flowers|flower|NOUN|NNS|0|_"],
    "de": ["ein|ein|DET|ART|2|det Buch|Buch|NOUN|NN|0|_",
           "ein|ein|DET|ART|3|det rotes|rot|ADJ|ADJA|3|amod Auto|Auto|NOUN|NN|0|_",
           "das|der|DET|ART|3|det alte|alt|ADJ|ADJA|3|amod Haus|Haus|NOUN|NN|0|_",
           "drei|drei|NUM|CARD|2|nummod Äpfel|Apfel|NOUN|NN|0|_",
           "ein|ein|DET|ART|3|det neues|neu|ADJ|ADJA|3|amod Telefon|Telefon|NOUN|NN|0|_",
           "einen|ein|DET|ART|2|det Brief|Brief|NOUN|NN|0|_",
           "den|der|DET|ART|3|det großen|groß|ADJ|ADJA|3|amod Tisch|Tisch|NOUN|NN|0|_",
           "zwei|zwei|NUM|CARD|2|nummod Stühle|Stuhl|NOUN|NN|0|_",
           "eine|ein|DET|ART|3|det grüne|grün|ADJ|ADJA|3|amod Tasche|Tasche|NOUN|NN|0|_",
           "fünf|fünf|NUM|CARD|2|nummod Blumen|Blume|NOUN|NN|0|_"],
    "es": ["un|uno|DET|2|det libro|libro|NOUN|0|_",
           "un|uno|DET|2|det coche|coche|NOUN|0|_ rojo|rojo|ADJ|2|amod",
           "la|el|DET|2|det casa|casa|NOUN|0|_ vieja|viejo|ADJ|2|amod",
           "tres|tres|NUM|2|nummod manzanas|manzana|NOUN|0|_",
           "un|uno|DET|2|det teléfono|teléfono|NOUN|0|_ nuevo|nuevo|ADJ|2|amod",
           "una|uno|DET|2|det carta|carta|NOUN|0|_",
           "la|el|DET|2|det mesa|mesa|NOUN|0|_ grande|grande|ADJ|2|amod",
           "dos|dos|NUM|2|nummod sillas|silla|NOUN|0|_",
           "una|uno|DET|2|det bolsa|bolsa|NOUN|0|_ verde|verde|ADJ|2|amod",
           "cinco|cinco|NUM|2|nummod flores|flor|NOUN|0|_"],
    "ru": ["книгу|книга|NOUN|0|_",
           "красную|красный|ADJ|2|amod машину|машина|NOUN|0|_",
           "старый|старый|ADJ|2|amod дом|дом|NOUN|0|_",
           "три|три|NUM|2|nummod яблока|яблоко|NOUN|0|_",
           "новый|новый|ADJ|2|amod телефон|телефон|NOUN|0|_",
           "письмо|письмо|NOUN|0|_",
           "большой|большой|ADJ|2|amod стол|стол|NOUN|0|_",
           "два|два|NUM|2|nummod стула|стул|NOUN|0|_",
           "зелёную|зелёный|ADJ|2|amod сумку|сумка|NOUN|0|_",
           "пять|пять|NUM|2|nummod цветов|цветок|NOUN|0|_"],
    "zh": ["一|一|NUM|3|nummod 本|本|NOUN|3|clf 书|书|NOUN|0|_",
           "一|一|NUM|4|nummod 辆|辆|NOUN|4|clf 红|红|ADJ|4|amod 车|车|NOUN|0|_",
           "那|那|DET|4|det 座|座|NOUN|4|clf 老|老|ADJ|4|amod 房子|房子|NOUN|0|_",
           "三|三|NUM|3|nummod 个|个|NOUN|3|clf 苹果|苹果|NOUN|0|_",
           "一|一|NUM|4|nummod 部|部|NOUN|4|clf 新|新|ADJ|4|amod 手机|手机|NOUN|0|_",
           "一|一|NUM|3|nummod 封|封|NOUN|3|clf 信|信|NOUN|0|_",
           "那|那|DET|4|det 张|张|NOUN|4|clf 大|大|ADJ|4|amod 桌子|桌子|NOUN|0|_",
           "两|两|NUM|3|nummod 把|把|NOUN|3|clf 椅子|椅子|NOUN|0|_",
           "一|一|NUM|4|nummod 个|个|NOUN|4|clf 新|新|ADJ|4|amod 包|包|NOUN|0|_",
           "五|五|NUM|3|nummod 朵|朵|NOUN|3|clf 花|花|NOUN|0|_"],
}
POS_LOC = {  # where something happens
    "en": ["in|in|ADP|IN|3|case the|the|DET|DT|3|det kitchen|kitchen|NOUN|NN|0|_",
           "at|at|ADP|IN|3|case the|the|DET|DT|3|det market|market|NOUN|NN|0|_",
           "in|in|ADP|IN|3|case the|the|DET|DT|3|det city|city|NOUN|NN|0|_",
           "at|at|ADP|IN|2|case school|school|NOUN|NN|0|_",
           "in|in|ADP|IN|3|case the|the|DET|DT|3|det library|library|NOUN|NN|0|_",
           "at|at|ADP|IN|3|case the|the|DET|DT|3|det bank|bank|NOUN|NN|0|_"],
    "de": ["in|in|ADP|APPR|3|case der|der|DET|ART|3|det Küche|Küche|NOUN|NN|0|_",
           "auf|auf|ADP|APPR|3|case dem|der|DET|ART|3|det Markt|Markt|NOUN|NN|0|_",
           "in|in|ADP|APPR|3|case der|der|DET|ART|3|det Stadt|Stadt|NOUN|NN|0|_",
           "in|in|ADP|APPR|3|case der|der|DET|ART|3|det Schule|Schule|NOUN|NN|0|_",
           "in|in|ADP|APPR|3|case der|der|DET|ART|3|det Bibliothek|Bibliothek|NOUN|NN|0|_",
           "in|in|ADP|APPR|3|case der|der|DET|ART|3|det Bank|Bank|NOUN|NN|0|_"],
    "es": ["en|en|ADP|3|case la|el|DET|3|det cocina|cocina|NOUN|0|_",
           "en|en|ADP|3|case el|el|DET|3|det mercado|mercado|NOUN|0|_",
           "en|en|ADP|3|case la|el|DET|3|det ciudad|ciudad|NOUN|0|_",
           "en|en|ADP|3|case la|el|DET|3|det escuela|escuela|NOUN|0|_",
           "en|en|ADP|3|case la|el|DET|3|det biblioteca|biblioteca|NOUN|0|_",
           "en|en|ADP|3|case el|el|DET|3|det banco|banco|NOUN|0|_"],
    "ru": ["на|на|ADP|2|case кухне|кухня|NOUN|0|_",
           "на|на|ADP|2|case рынке|рынок|NOUN|0|_",
           "в|в|ADP|2|case городе|город|NOUN|0|_",
           "в|в|ADP|2|case школе|школа|NOUN|0|_",
           "в|в|ADP|2|case библиотеке|библиотека|NOUN|0|_",
           "в|в|ADP|2|case банке|банк|NOUN|0|_"],
    "zh": ["在|在|ADP|2|case 厨房|厨房|NOUN|0|_",
           "在|在|ADP|2|case 市场|市场|NOUN|0|_",
           "在|在|ADP|2|case 城市|城市|NOUN|0|_",
           "在|在|ADP|2|case 学校|学校|NOUN|0|_",
           "在|在|ADP|2|case 图书馆|图书馆|NOUN|0|_",
           "在|在|ADP|2|case 银行|银行|NOUN|0|_"],
}
POS_GO = {
    "en": "goes|go|VERB|VBZ|0|_", "de": "geht|gehen|VERB|VVFIN|0|_",
    "es": "va|ir|VERB|0|_", "ru": "идёт|идти|VERB|0|_", "zh": "去|去|VERB|0|_",
}
POS_DIR = {  # where someone goes (Spanish "al" = a + el)
    "en": ["to|to|ADP|IN|3|case the|the|DET|DT|3|det supermarket|supermarket|NOUN|NN|0|_",
           "to|to|ADP|IN|3|case the|the|DET|DT|3|det bank|bank|NOUN|NN|0|_",
           "to|to|ADP|IN|3|case the|the|DET|DT|3|det park|park|NOUN|NN|0|_",
           "to|to|ADP|IN|2|case school|school|NOUN|NN|0|_",
           "to|to|ADP|IN|3|case the|the|DET|DT|3|det library|library|NOUN|NN|0|_"],
    "de": ["in|in|ADP|APPR|3|case den|der|DET|ART|3|det Supermarkt|Supermarkt|NOUN|NN|0|_",
           "in|in|ADP|APPR|3|case die|der|DET|ART|3|det Bank|Bank|NOUN|NN|0|_",
           "in|in|ADP|APPR|3|case den|der|DET|ART|3|det Park|Park|NOUN|NN|0|_",
           "in|in|ADP|APPR|3|case die|der|DET|ART|3|det Schule|Schule|NOUN|NN|0|_",
           "in|in|ADP|APPR|3|case die|der|DET|ART|3|det Bibliothek|Bibliothek|NOUN|NN|0|_"],
    "es": ["[al] a|a|ADP|3|case el|el|DET|3|det supermercado|supermercado|NOUN|0|_",
           "[al] a|a|ADP|3|case el|el|DET|3|det banco|banco|NOUN|0|_",
           "[al] a|a|ADP|3|case el|el|DET|3|det parque|parque|NOUN|0|_",
           "a|a|ADP|3|case la|el|DET|3|det escuela|escuela|NOUN|0|_",
           "a|a|ADP|3|case la|el|DET|3|det biblioteca|biblioteca|NOUN|0|_"],
    "ru": ["в|в|ADP|2|case супермаркет|супермаркет|NOUN|0|_",
           "в|в|ADP|2|case банк|банк|NOUN|0|_",
           "в|в|ADP|2|case парк|парк|NOUN|0|_",
           "в|в|ADP|2|case школу|школа|NOUN|0|_",
           "в|в|ADP|2|case библиотеку|библиотека|NOUN|0|_"],
    "zh": ["超市|超市|NOUN|0|_", "银行|银行|NOUN|0|_", "公园|公园|NOUN|0|_",
           "学校|学校|NOUN|0|_", "图书馆|图书馆|NOUN|0|_"],
}
POS_RETURN = {
    "en": "returns|return|VERB|VBZ|0|_", "de": "kommt|kommen|VERB|VVFIN|0|_",
    "es": "vuelve|volver|VERB|0|_", "ru": "возвращается|возвращаться|VERB|0|_",
    "zh": "回来|回来|VERB|0|_",
}
POS_FROM = {  # where someone comes back from (Spanish "del" = de + el)
    "en": ["from|from|ADP|IN|3|case the|the|DET|DT|3|det supermarket|supermarket|NOUN|NN|0|_",
           "from|from|ADP|IN|3|case the|the|DET|DT|3|det bank|bank|NOUN|NN|0|_",
           "from|from|ADP|IN|3|case the|the|DET|DT|3|det park|park|NOUN|NN|0|_",
           "from|from|ADP|IN|2|case school|school|NOUN|NN|0|_",
           "from|from|ADP|IN|3|case the|the|DET|DT|3|det library|library|NOUN|NN|0|_"],
    "de": ["aus|aus|ADP|APPR|3|case dem|der|DET|ART|3|det Supermarkt|Supermarkt|NOUN|NN|0|_",
           "aus|aus|ADP|APPR|3|case der|der|DET|ART|3|det Bank|Bank|NOUN|NN|0|_",
           "aus|aus|ADP|APPR|3|case dem|der|DET|ART|3|det Park|Park|NOUN|NN|0|_",
           "aus|aus|ADP|APPR|3|case der|der|DET|ART|3|det Schule|Schule|NOUN|NN|0|_",
           "aus|aus|ADP|APPR|3|case der|der|DET|ART|3|det Bibliothek|Bibliothek|NOUN|NN|0|_"],
    "es": ["[del] de|de|ADP|3|case el|el|DET|3|det supermercado|supermercado|NOUN|0|_",
           "[del] de|de|ADP|3|case el|el|DET|3|det banco|banco|NOUN|0|_",
           "[del] de|de|ADP|3|case el|el|DET|3|det parque|parque|NOUN|0|_",
           "de|de|ADP|3|case la|el|DET|3|det escuela|escuela|NOUN|0|_",
           "de|de|ADP|3|case la|el|DET|3|det biblioteca|biblioteca|NOUN|0|_"],
    "ru": ["из|из|ADP|2|case супермаркета|супермаркет|NOUN|0|_",
           "из|из|ADP|2|case банка|банк|NOUN|0|_",
           "из|из|ADP|2|case парка|парк|NOUN|0|_",
           "из|из|ADP|2|case школы|школа|NOUN|0|_",
           "из|из|ADP|2|case библиотеки|библиотека|NOUN|0|_"],
    "zh": ["从|从|ADP|2|case 超市|超市|NOUN|0|_", "从|从|ADP|2|case 银行|银行|NOUN|0|_",
           "从|从|ADP|2|case 公园|公园|NOUN|0|_", "从|从|ADP|2|case 学校|学校|NOUN|0|_",
           "从|从|ADP|2|case 图书馆|图书馆|NOUN|0|_"],
}
# Subjects of "X is (very) ADJ": (spec, gender) with gender for es/ru agreement.
POS_THING = {
    "en": [("the|the|DET|DT|2|det house|house|NOUN|NN|0|_", "-"),
           ("the|the|DET|DT|2|det car|car|NOUN|NN|0|_", "-"),
           ("the|the|DET|DT|2|det book|book|NOUN|NN|0|_", "-"),
           ("the|the|DET|DT|2|det city|city|NOUN|NN|0|_", "-"),
           ("the|the|DET|DT|2|det garden|garden|NOUN|NN|0|_", "-"),
           ("the|the|DET|DT|2|det phone|phone|NOUN|NN|0|_", "-")],
    "de": [("das|der|DET|ART|2|det Haus|Haus|NOUN|NN|0|_", "-"),
           ("das|der|DET|ART|2|det Auto|Auto|NOUN|NN|0|_", "-"),
           ("das|der|DET|ART|2|det Buch|Buch|NOUN|NN|0|_", "-"),
           ("die|der|DET|ART|2|det Stadt|Stadt|NOUN|NN|0|_", "-"),
           ("der|der|DET|ART|2|det Garten|Garten|NOUN|NN|0|_", "-"),
           ("das|der|DET|ART|2|det Telefon|Telefon|NOUN|NN|0|_", "-")],
    "es": [("la|el|DET|2|det casa|casa|NOUN|0|_", "f"),
           ("el|el|DET|2|det coche|coche|NOUN|0|_", "m"),
           ("el|el|DET|2|det libro|libro|NOUN|0|_", "m"),
           ("la|el|DET|2|det ciudad|ciudad|NOUN|0|_", "f"),
           ("el|el|DET|2|det jardín|jardín|NOUN|0|_", "m"),
           ("el|el|DET|2|det teléfono|teléfono|NOUN|0|_", "m")],
    "ru": [("дом|дом|NOUN|0|_", "m"), ("машина|машина|NOUN|0|_", "f"),
           ("книга|книга|NOUN|0|_", "f"), ("город|город|NOUN|0|_", "m"),
           ("сад|сад|NOUN|0|_", "m"), ("телефон|телефон|NOUN|0|_", "m")],
    "zh": [("房子|房子|NOUN|0|_", "-"), ("车|车|NOUN|0|_", "-"), ("书|书|NOUN|0|_", "-"),
           ("城市|城市|NOUN|0|_", "-"), ("花园|花园|NOUN|0|_", "-"), ("手机|手机|NOUN|0|_", "-")],
}
# Predicative adjectives: (masculine/default form, feminine form, lemma).
POS_ADJ = {
    "en": [("old", "old", "old"), ("new", "new", "new"), ("big", "big", "big"),
           ("small", "small", "small"), ("beautiful", "beautiful", "beautiful"),
           ("expensive", "expensive", "expensive")],
    "de": [("alt", "alt", "alt"), ("neu", "neu", "neu"), ("groß", "groß", "groß"),
           ("klein", "klein", "klein"), ("schön", "schön", "schön"),
           ("teuer", "teuer", "teuer")],
    "es": [("viejo", "vieja", "viejo"), ("nuevo", "nueva", "nuevo"),
           ("grande", "grande", "grande"), ("pequeño", "pequeña", "pequeño"),
           ("bonito", "bonita", "bonito"), ("caro", "cara", "caro")],
    "ru": [("старый", "старая", "старый"), ("новый", "новая", "новый"),
           ("большой", "большая", "большой"), ("маленький", "маленькая", "маленький"),
           ("красивый", "красивая", "красивый"), ("дорогой", "дорогая", "дорогой")],
    "zh": [("旧", "旧", "旧"), ("新", "新", "新"), ("大", "大", "大"), ("小", "小", "小"),
           ("漂亮", "漂亮", "漂亮"), ("贵", "贵", "贵")],
}
ADJ_XPOS = {"en": "JJ", "de": "ADJD"}
POS_CITY = {  # single-token cities for "X lives in CITY" (Russian: prepositional|lemma)
    "en": ["London", "Berlin", "Paris", "Madrid", "Toronto", "Rome"],
    "de": ["Berlin", "Hamburg", "München", "Köln", "Dresden", "Leipzig"],
    "es": ["Madrid", "Barcelona", "Sevilla", "Valencia", "Bilbao", "Granada"],
    "ru": ["Москве|Москва", "Казани|Казань", "Самаре|Самара", "Новосибирске|Новосибирск",
           "Берлине|Берлин", "Париже|Париж"],
    "zh": ["北京", "上海", "广州", "深圳", "南京", "成都"],
}
POS_WORDS = {  # function words and fixed verbs
    "en": {"live": "lives|live|VERB|VBZ|0|_", "live_base": "live|live|VERB|VB|0|_",
           "in": "in|in|ADP|IN|0|_", "does": "does|do|AUX|VBZ|0|_",
           "not": "not|not|PART|RB|0|_", "cop": "is|be|AUX|VBZ|0|_",
           "very": "very|very|ADV|RB|0|_", "and": "and|and|CCONJ|CC|0|_",
           "say": "says|say|VERB|VBZ|0|_", "that": "that|that|SCONJ|IN|0|_",
           "time": ["today|today|NOUN|NN|0|obl:tmod", "now|now|ADV|RB|0|advmod"],
           ".": ".|.|PUNCT|.|0|_", ",": ",|,|PUNCT|,|0|_"},
    "de": {"live": "wohnt|wohnen|VERB|VVFIN|0|_", "in": "in|in|ADP|APPR|0|_",
           "not": "nicht|nicht|PART|PTKNEG|0|_", "cop": "ist|sein|AUX|VAFIN|0|_",
           "very": "sehr|sehr|ADV|ADV|0|_", "and": "und|und|CCONJ|KON|0|_",
           "say": "sagt|sagen|VERB|VVFIN|0|_", "that": "dass|dass|SCONJ|KOUS|0|_",
           "back": "zurück|zurück|ADP|PTKVZ|0|_",
           "time": ["heute|heute|ADV|ADV|0|advmod", "jetzt|jetzt|ADV|ADV|0|advmod"],
           ".": ".|.|PUNCT|$.|0|_", ",": ",|,|PUNCT|$,|0|_"},
    "es": {"live": "vive|vivir|VERB|0|_", "in": "en|en|ADP|0|_", "not": "no|no|ADV|0|_",
           "cop": "es|ser|AUX|0|_", "very": "muy|muy|ADV|0|_", "and": "y|y|CCONJ|0|_",
           "say": "dice|decir|VERB|0|_", "that": "que|que|SCONJ|0|_",
           "time": ["hoy|hoy|ADV|0|advmod", "ahora|ahora|ADV|0|advmod"],
           ".": ".|.|PUNCT|0|_", ",": ",|,|PUNCT|0|_"},
    "ru": {"live": "живёт|жить|VERB|0|_", "in": "в|в|ADP|0|_", "not": "не|не|PART|0|_",
           "very": "очень|очень|ADV|0|_", "and": "и|и|CCONJ|0|_",
           "say": "говорит|говорить|VERB|0|_", "that": "что|что|SCONJ|0|_",
           "time": ["сегодня|сегодня|ADV|0|advmod", "сейчас|сейчас|ADV|0|advmod"],
           ".": ".|.|PUNCT|0|_", ",": ",|,|PUNCT|0|_"},
    "zh": {"live": "住|住|VERB|0|_", "in": "在|在|ADP|0|_", "not": "不|不|ADV|0|_",
           "very": "很|很|ADV|0|_", "and": "和|和|CCONJ|0|_", "say": "说|说|VERB|0|_",
           "time": ["今天|今天|NOUN|0|obl:tmod", "现在|现在|NOUN|0|obl:tmod"],
           ".": "。|。|PUNCT|0|_"},
}

# Sentence patterns: per language, the ordered parts as "slot:deprel>head-slot"
# (deprel of the part's head token; ">" names the part it attaches to, no ">" = root).
POS_PATTERNS = {
    "trans": {  # S V O .
        "*": "S:nsubj>V V:root O:obj>V .:punct>V"},
    "trans_loc": {  # S V O LOC .
        "*": "S:nsubj>V V:root O:obj>V L:obl>V .:punct>V",
        "zh": "S:nsubj>V L:obl>V V:root O:obj>V .:punct>V"},
    "go": {  # S goes to PLACE .
        "*": "S:nsubj>V V:root D:obl>V .:punct>V",
        "zh": "S:nsubj>V V:root D:obj>V .:punct>V"},
    "return": {  # S returns from PLACE .
        "*": "S:nsubj>V V:root F:obl>V .:punct>V",
        "de": "S:nsubj>V V:root F:obl>V back:compound:prt>V .:punct>V",
        "zh": "S:nsubj>V F:obl>V V:root .:punct>V"},
    "copula": {  # THING is (very) ADJ .
        "*": "S:nsubj>A cop:cop>A very:advmod>A A:root .:punct>A",
        "ru": "S:nsubj>A very:advmod>A A:root .:punct>A",
        "zh": "S:nsubj>A very:advmod>A A:root .:punct>A"},
    "live": {  # S (does not) live in CITY .
        "en": "S:nsubj>V does:aux>V not:advmod>V V:root C:obl>V .:punct>V",
        "de": "S:nsubj>V V:root not:advmod>V C:obl>V .:punct>V",
        "*": "S:nsubj>V not:advmod>V V:root C:obl>V .:punct>V"},
    "coord": {  # S V O and O2 .
        "*": "S:nsubj>V V:root O:obj>V and:cc>O2 O2:conj>O .:punct>V"},
    "time": {  # TIME S V O .
        "*": "T:advmod>V S:nsubj>V V:root O:obj>V .:punct>V",
        "de": "T:advmod>V V:root S:nsubj>V O:obj>V .:punct>V"},
    "say": {  # S says (,) that S2 V2 O .
        "en": "S:nsubj>V V:root that:mark>V2 S2:nsubj>V2 V2:ccomp>V O:obj>V2 .:punct>V",
        "de": "S:nsubj>V V:root ,:punct>V2 that:mark>V2 S2:nsubj>V2 O:obj>V2 V2:ccomp>V .:punct>V",
        "es": "S:nsubj>V V:root that:mark>V2 S2:nsubj>V2 V2:ccomp>V O:obj>V2 .:punct>V",
        "ru": "S:nsubj>V V:root ,:punct>V2 that:mark>V2 S2:nsubj>V2 V2:ccomp>V O:obj>V2 .:punct>V",
        "zh": "S:nsubj>V V:root S2:nsubj>V2 V2:ccomp>V O:obj>V2 .:punct>V"},
}
POS_PATTERN_WEIGHTS = [("trans", 2), ("trans_loc", 2), ("go", 1), ("return", 1),
                       ("copula", 1.5), ("live", 1.5), ("coord", 1), ("time", 1), ("say", 1)]
UPOS_TAGS = ["ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART",
             "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"]


def parse_phrase(spec):
    """Parse a phrase spec into token dicts (see the comment above POS_SUBJ_NP)."""
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
    xpos = NAME_XPOS.get(lang, "_")
    words = person_name(lang, person).split(" ")
    specs = [f"{words[0]}|{words[0]}|PROPN|{xpos}|0|_"]
    specs += [f"{w}|{w}|PROPN|{xpos}|1|flat" for w in words[1:]]
    return " ".join(specs)


def sample_pos_subject(rng, other=None):
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
    kind, value = subj
    return (kind, value[:2] if kind == "name" else value)


def subject_spec(lang, subj):
    kind, value = subj
    if kind == "name":
        return name_phrase(lang, value)
    if kind == "np":
        return POS_SUBJ_NP[lang][value]
    return POS_PRON[lang][0 if value == "m" else 1]


def sample_pos_frame(rng):
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


# ---------------------------------------------------------------------------
# NLI: MultiNLI 1.0 txt (English train) and XNLI 1.0 tsv (dev/test, all languages)
# ---------------------------------------------------------------------------
# A premise states 1-3 facts about a person; the hypotheses are
#   entailment:    one of those facts again, alone (shorter sentence)
#   contradiction: one of those facts negated (or, for adjectives, the antonym)
#   neutral:       a fact of a type the premise does not mention
FACT_TYPES = ["adj", "live", "work", "drink", "play", "speak"]

NLI_DRINKS = {
    "en": ["coffee", "tea", "milk", "juice", "beer", "wine"],
    "de": ["Kaffee:keinen Kaffee", "Tee:keinen Tee", "Milch:keine Milch", "Saft:keinen Saft",
           "Bier:kein Bier", "Wein:keinen Wein"],
    "es": ["café", "té", "leche", "zumo", "cerveza", "vino"],
    "ru": ["кофе", "чай", "молоко", "сок", "пиво", "вино"],
}
NLI_INSTRUMENTS = {
    "en": ["piano", "guitar", "violin", "drums", "flute", "cello"],
    "de": ["Klavier:kein Klavier", "Gitarre:keine Gitarre", "Geige:keine Geige",
           "Schlagzeug:kein Schlagzeug", "Flöte:keine Flöte", "Cello:kein Cello"],
    "es": ["el piano", "la guitarra", "el violín", "la batería", "la flauta", "el violonchelo"],
    "ru": ["пианино", "гитаре", "скрипке", "барабанах", "флейте", "виолончели"],
}
NLI_LANGUAGES = {
    "en": ["French", "Italian", "Japanese", "Polish", "Arabic", "Swedish"],
    "de": ["Französisch", "Italienisch", "Japanisch", "Polnisch", "Arabisch", "Schwedisch"],
    "es": ["francés", "italiano", "japonés", "polaco", "árabe", "sueco"],
    "ru": ["по-французски", "по-итальянски", "по-японски", "по-польски", "по-арабски",
           "по-шведски"],
}
NLI_ADJ = {  # (adjective, antonym), each "masculine:feminine" where it differs
    "en": [("happy", "sad"), ("tall", "short"), ("rich", "poor"), ("young", "old"),
           ("strong", "weak"), ("healthy", "ill")],
    "de": [("glücklich", "traurig"), ("groß", "klein"), ("reich", "arm"), ("jung", "alt"),
           ("stark", "schwach"), ("gesund", "krank")],
    "es": [("feliz", "triste"), ("alto:alta", "bajo:baja"), ("rico:rica", "pobre"),
           ("joven", "viejo:vieja"), ("fuerte", "débil"), ("sano:sana", "enfermo:enferma")],
    "ru": [("весёлый:весёлая", "грустный:грустная"), ("высокий:высокая", "низкий:низкая"),
           ("богатый:богатая", "бедный:бедная"), ("молодой:молодая", "старый:старая"),
           ("сильный:сильная", "слабый:слабая"), ("здоровый:здоровая", "больной:больная")],
}
NLI_PRONOUNS = {"en": ("He", "She"), "de": ("Er", "Sie"), "es": ("Él", "Ella"),
                "ru": ("Он", "Она")}
NLI_AND = {"en": "and", "de": "und", "es": "y", "ru": "и"}
EN_VERBS = {"live": ("lives", "live"), "work": ("works", "work"), "drink": ("drinks", "drink"),
            "play": ("plays", "play"), "speak": ("speaks", "speak")}
XNLI_GENRES = ["facetoface", "fiction", "government", "letters", "nineeleven", "oup", "slate",
               "telephone", "travel", "verbatim"]
MNLI_GENRES = ["fiction", "government", "slate", "telephone", "travel"]
NLI_LABELS = ["entailment", "neutral", "contradiction"]


def gendered(word, gender):
    masc, _, fem = word.partition(":")
    return fem if (gender == "f" and fem) else masc


def sample_fact(rng, ftype):
    return (ftype, rng.randrange(1000))


def sample_nli_prompt(rng):
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
    return ("LEAF", tag, word)


def node(label, *children):
    return (label, list(children))


def tree_leaves(tree):
    if tree[0] == "LEAF":
        return [tree[2]]
    return [w for child in tree[1] for w in tree_leaves(child)]


def tree_parse(tree):
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
    tags = {"of": "IN", "&": "CC", "de": "IN"}
    return node("NP", *[leaf(tags.get(w, "NNP"), w) for w in words.split(" ")])


def en_fact_vp(fact, mode):
    ftype, k = fact
    if ftype == "adj":
        adj, anto = NLI_ADJ["en"][k % 6]
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
        comp = node("NP", leaf("NN", NLI_DRINKS["en"][k % 6]))
    elif ftype == "play":
        instr = NLI_INSTRUMENTS["en"][k % 6]
        comp = node("NP", leaf("DT", "the"), leaf("NNS" if instr.endswith("s") else "NN", instr))
    else:
        comp = node("NP", leaf("NNP", NLI_LANGUAGES["en"][k % 6]))
    v3, vb = EN_VERBS[ftype]
    if mode == "neg":
        return node("VP", leaf("VBZ", "does"), leaf("RB", "not"), node("VP", leaf("VB", vb), comp))
    return node("VP", leaf("VBZ", v3), comp)


def en_subject_np(person, subject):
    if subject == "pron":
        return node("NP", leaf("PRP", NLI_PRONOUNS["en"][0 if person[0] == "m" else 1]))
    name = person_name("en", person, with_last=(subject == "full"))
    return node("NP", *[leaf("NNP", w) for w in name.split(" ")])


def en_sentence_tree(person, subject, vps):
    if len(vps) == 1:
        vp = vps[0]
    elif len(vps) == 2:
        vp = node("VP", vps[0], leaf("CC", "and"), vps[1])
    else:
        vp = node("VP", vps[0], leaf(",", ","), vps[1], leaf("CC", "and"), vps[2])
    return node("ROOT", node("S", en_subject_np(person, subject), vp, leaf(".", ".")))


# --- German, Spanish, Russian: token lists ---
def fact_tokens(lang, fact, mode, gender):
    ftype, k = fact
    neg = mode == "neg"
    if ftype == "adj":
        adj, anto = NLI_ADJ[lang][k % 6]
        word = gendered(anto if mode == "anto" else adj, gender)
        return {"de": ["ist"] + (["nicht"] if neg else []) + [word],
                # "estar" for health (está sano / enfermo), "ser" otherwise
                "es": (["no"] if neg else []) + ["está" if k % 6 == 5 else "es", word],
                "ru": (["не"] if neg else []) + [word]}[lang]
    if ftype == "live":
        city = CITIES[lang][k % len(CITIES[lang])][0]
        if lang == "ru":
            city = ru_form(city, "prep")
        words = {"de": ["wohnt", "in"], "es": ["vive", "en"], "ru": ["живёт", "в"]}[lang]
        words = words + city.split(" ")
    elif ftype == "work":
        org = ORGS[lang][k % len(ORGS[lang])]
        if lang == "ru":
            org = ru_form(org, "prep")
        words = {"de": ["arbeitet", "bei"], "es": ["trabaja", "en"], "ru": ["работает", "в"]}[lang]
        words = words + org.split(" ")
    elif ftype in ("drink", "play", "speak"):
        table = {"drink": NLI_DRINKS, "play": NLI_INSTRUMENTS, "speak": NLI_LANGUAGES}[ftype]
        item = table[lang][k % 6]
        verb = {"drink": {"de": "trinkt", "es": "bebe", "ru": "пьёт"},
                "play": {"de": "spielt", "es": "toca", "ru": "играет"},
                "speak": {"de": "spricht", "es": "habla", "ru": "говорит"}}[ftype][lang]
        if lang == "de":
            if ftype == "speak":
                obj = ("kein " if neg else "") + item
            else:
                pos_form, _, neg_form = item.partition(":")
                obj = neg_form if neg else pos_form
            return [verb] + obj.split(" ")
        words = [verb] + (["на"] if (lang == "ru" and ftype == "play") else []) + item.split(" ")
    if neg:
        if lang == "de":
            return words[:1] + ["nicht"] + words[1:]
        return [{"es": "no", "ru": "не"}[lang]] + words
    return words


def subject_tokens(lang, person, subject):
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


def mnli_train_file():
    rng = rng_for("mnli", "train")
    header = ("gold_label\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\t"
              "sentence2_parse\tsentence1\tsentence2\tpromptID\tpairID\tgenre\tlabel1\tlabel2\t"
              "label3\tlabel4\tlabel5")
    prompt_ids = sorted(rng.sample(range(10000, 150000), NLI_TRAIN_PROMPTS + NLI_TRAIN_AMBIGUOUS))
    rows, sentences = [], []
    for n, prompt_id in enumerate(prompt_ids):
        prompt = sample_nli_prompt(rng)
        genre = rng.choice(MNLI_GENRES)
        (p_toks, p_tree), hyps = realize_nli("en", prompt)
        ambiguous = n >= NLI_TRAIN_PROMPTS
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


def xnli_file(split, n_prompts):
    rng = rng_for("xnli", split)
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
    for lang in PAIR_LANGS:
        for prompt, prompt_id, pid, genre, label, annot in items:
            (p_toks, _), hyps = realize_nli(lang, prompt)
            h_toks = hyps[label][0]
            p_text, h_text = detokenize(p_toks), detokenize(h_toks)
            rows.append([lang, label, "", "", "", "", p_text, h_text, str(prompt_id), str(pid),
                         genre] + annot + [" ".join(p_toks), " ".join(h_toks), "True"])
            sentences += [p_text, h_text]
    return header + "\n" + "\n".join("\t".join(r) for r in rows) + "\n", sentences


# ---------------------------------------------------------------------------
# PAWS-X: x-final format (id, sentence1, sentence2, label; header)
# ---------------------------------------------------------------------------
# label 1: same words, same roles (fronted adjunct, reordered adjuncts,
#          converse "older"/"younger" with the names swapped, "left X and moved to Y")
# label 0: same words, roles swapped (the two names or the two cities change places)
PAWS_VERBS = {  # past tense; Russian masculine:feminine
    "en": ["met", "visited", "photographed", "supported", "criticised", "greeted"],
    "de": ["traf", "besuchte", "fotografierte", "unterstützte", "kritisierte", "begrüßte"],
    "es": ["encontró", "visitó", "fotografió", "apoyó", "criticó", "saludó"],
    "ru": ["встретил:встретила", "навестил:навестила", "сфотографировал:сфотографировала",
           "поддержал:поддержала", "раскритиковал:раскритиковала",
           "поприветствовал:поприветствовала"],
}
WEEKDAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(),
    "de": "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag".split(),
    "es": "lunes martes miércoles jueves viernes sábado domingo".split(),
    "ru": "понедельник вторник среду четверг пятницу субботу воскресенье".split(),
}


def paws_time(lang, time):
    kind, value = time
    if kind == "day":
        day = WEEKDAYS[lang][value]
        return {"en": ["on", day], "de": ["am", day], "es": ["el", day], "ru": ["в", day]}[lang]
    year = str(value)
    return {"en": ["in", year], "de": ["im", "Jahr", year], "es": ["en", year],
            "ru": ["в", year, "году"]}[lang]


def paws_city(lang, k, case="nom"):
    entry = CITIES[lang][k % len(CITIES[lang])][0]
    return (ru_form(entry, case) if lang == "ru" else entry).split(" ")


def paws_event(lang, frame, variant, swap_roles):
    """'A VERB B in CITY TIME' and its variants."""
    a, b = (frame["b"], frame["a"]) if swap_roles else (frame["a"], frame["b"])
    verb = PAWS_VERBS[lang][frame["verb"]]
    time = paws_time(lang, frame["time"])
    if lang == "ru":
        verb = gendered(verb, a[0])
        subj, obj = [person_name("ru", a)], [person_name("ru", b, case="acc")]
        place = ["в"] + paws_city(lang, frame["city"], "prep")
    else:
        subj = [person_name(lang, a)]
        obj = (["a"] if lang == "es" else []) + [person_name(lang, b)]
        place = [{"en": "in", "de": "in", "es": "en"}[lang]] + paws_city(lang, frame["city"])
    comma = [","] if lang in ("en", "es") else []
    if variant == "front":
        if lang == "de":  # verb second: "Am Montag traf Anna Peter in Berlin ."
            return time + [verb] + subj + obj + place
        return time + comma + subj + [verb] + obj + place
    if lang == "de":  # German puts time before place: "Anna traf Peter am Montag in Berlin"
        adjuncts = place + time if variant == "swap_adjuncts" else time + place
    else:
        adjuncts = time + place if variant == "swap_adjuncts" else place + time
    return subj + [verb] + obj + adjuncts


def paws_move(lang, frame, variant, swap_cities):
    c1, c2 = (frame["c2"], frame["c1"]) if swap_cities else (frame["c1"], frame["c2"])
    a, year = frame["a"], str(frame["year"])
    name = person_name(lang, a)
    if lang == "en":
        if variant == "front":
            return ["in", year, ",", name, "moved", "from"] + paws_city(lang, c1) + ["to"] + paws_city(lang, c2)
        if variant == "lex":
            return [name, "left"] + paws_city(lang, c1) + ["and", "moved", "to"] + paws_city(lang, c2) + ["in", year]
        return [name, "moved", "from"] + paws_city(lang, c1) + ["to"] + paws_city(lang, c2) + ["in", year]
    if lang == "de":
        if variant == "front":
            return [year, "zog", name, "von"] + paws_city(lang, c1) + ["nach"] + paws_city(lang, c2)
        if variant == "lex":
            return [name, "verließ"] + paws_city(lang, c1) + ["und", "zog", year, "nach"] + paws_city(lang, c2)
        return [name, "zog", year, "von"] + paws_city(lang, c1) + ["nach"] + paws_city(lang, c2)
    if lang == "es":
        if variant == "front":
            return ["en", year, ",", name, "se", "mudó", "de"] + paws_city(lang, c1) + ["a"] + paws_city(lang, c2)
        if variant == "lex":
            return [name, "dejó"] + paws_city(lang, c1) + ["y", "se", "mudó", "a"] + paws_city(lang, c2) + ["en", year]
        return [name, "se", "mudó", "de"] + paws_city(lang, c1) + ["a"] + paws_city(lang, c2) + ["en", year]
    moved = gendered("переехал:переехала", a[0])
    left = gendered("покинул:покинула", a[0])
    if variant == "front":
        return ["в", year, "году", name, moved, "из"] + paws_city(lang, c1, "gen") + ["в"] + paws_city(lang, c2, "acc")
    if variant == "lex":
        return ([name, left] + paws_city(lang, c1, "acc") + ["и", moved, "в"] + paws_city(lang, c2, "acc")
                + ["в", year, "году"])
    return [name, moved, "из"] + paws_city(lang, c1, "gen") + ["в"] + paws_city(lang, c2, "acc") + ["в", year, "году"]


def paws_compare(lang, frame, converse, swap_roles):
    """'A is older than B' / converse 'B is younger than A'."""
    a, b = (frame["b"], frame["a"]) if swap_roles else (frame["a"], frame["b"])
    if converse:
        a, b = b, a
    if lang == "ru":
        return [person_name("ru", a), "младше" if converse else "старше", person_name("ru", b, case="gen")]
    words = {"en": (["is", "older", "than"], ["is", "younger", "than"]),
             "de": (["ist", "älter", "als"], ["ist", "jünger", "als"]),
             "es": (["es", "mayor", "que"], ["es", "menor", "que"])}[lang][1 if converse else 0]
    return [person_name(lang, a)] + words + [person_name(lang, b)]


def sample_paws_frame(rng, label):
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
    for toks in (s1, s2):
        toks = [w for t in toks for w in t.split(" ")] + ["."]
        if lang == "ru":
            toks = ru_fix_prepositions(toks)
        toks = capitalize_first(toks)
        # English PAWS is tokenized (spaces around punctuation); PAWS-X
        # translations are running text.
        pair.append(" ".join(toks) if lang == "en" else detokenize(toks))
    if frame["order"]:
        pair.reverse()
    return pair


def paws_frames(split, n):
    rng = rng_for("pawsx", split)
    labels = [1, 0] * (n // 2)
    rng.shuffle(labels)
    frames = [sample_paws_frame(rng, label) for label in labels]
    if split == "train":
        ids = list(range(1, n + 1))
    else:
        ids = sorted(rng.sample(range(1, 2001), n))
    return ids, frames


def paws_file(lang, ids, frames):
    lines, sentences = ["id\tsentence1\tsentence2\tlabel"], []
    for pid, frame in zip(ids, frames):
        s1, s2 = realize_paws(lang, frame)
        lines.append(f"{pid}\t{s1}\t{s2}\t{frame['label']}")
        sentences += [s1, s2]
    return "\n".join(lines) + "\n", sentences


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------

def generate():
    """Return {relative path: file content} for every data file."""
    files, corpus = {}, []

    # NER
    ner_splits = [("train", N_TRAIN, ["en"]), ("dev", N_DEV, ["en"]), ("test", N_TEST, TAG_LANGS)]
    for split, n, langs in ner_splits:
        rng = rng_for("ner", split)
        frames = [sample_ner_frame(rng) for _ in range(n)]
        for lang in langs:
            sents = [realize_ner(lang, f) for f in frames]
            files[f"wikiann/{lang}/{split}"] = ner_file(lang, sents)
            corpus += [ner_sentence_text(lang, s) for s in sents]

    # POS
    for split, n, langs in ner_splits:
        rng = rng_for("pos", split)
        frames = [sample_pos_frame(rng) for _ in range(n)]
        for lang in langs:
            lines = []
            for i, frame in enumerate(frames, 1):
                sent_lines, text = conllu_sentence(lang, f"{split}-s{i}", realize_pos(lang, frame))
                lines += sent_lines
                corpus.append(text)
            files[f"ud/{lang}_demo-ud-{split}.conllu"] = "\n".join(lines) + "\n"

    # XNLI
    content, sents = mnli_train_file()
    files["mnli/multinli_1.0_train.txt"] = content
    corpus += sents
    for split, n_prompts in (("dev", NLI_DEV_PROMPTS), ("test", NLI_TEST_PROMPTS)):
        content, sents = xnli_file(split, n_prompts)
        files[f"xnli/xnli.{split}.tsv"] = content
        corpus += sents

    # PAWS-X
    for split, name, n, langs in (("train", "train.tsv", N_TRAIN, ["en"]),
                                  ("dev", "dev_2k.tsv", N_DEV, ["en"]),
                                  ("test", "test_2k.tsv", N_TEST, PAIR_LANGS)):
        ids, frames = paws_frames(split, n)
        for lang in langs:
            content, sents = paws_file(lang, ids, frames)
            files[f"pawsx/{lang}/{name}"] = content
            corpus += sents

    # Text for a tiny WordPiece vocabulary: every sentence once, in order of first use.
    seen, lines = set(), []
    for sent in corpus:
        if sent not in seen:
            seen.add(sent)
            lines.append(sent)
    files["text/vocab_corpus.txt"] = "\n".join(lines) + "\n"
    return files


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=Path(__file__).resolve().parent,
                        help="directory to write into (default: the directory of this script)")
    args = parser.parse_args(argv)
    files = generate()
    for rel, content in files.items():
        path = args.output / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(content)
    total = sum(len(c.encode("utf-8")) for c in files.values())
    print(f"wrote {len(files)} files ({total} bytes) to {args.output}")


if __name__ == "__main__":
    main()

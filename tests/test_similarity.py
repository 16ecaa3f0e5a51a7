"""similarity_regressor: a pair doc's similarity (0-5) in doc._.sts_score, learned with MSE, scored by Spearman."""
import pickle

import numpy

import pytest
import scipy.stats
import spacy
from helpers import sts_docbin, transformer_block
from spacy.tokens import DocBin
from spacy.training import Example
from thinc.api import Adam, Config, fix_random_seed

from dlfa_spacy.metrics.correlation import pearson, spearman
from dlfa_spacy.pairs import pair_doc
from dlfa_spacy.pipeline.similarity_regressor import score_similarity

PAIRS = [
    ("Anna lives in Berlin .", "Anna lives in Berlin .", 5.0),
    ("Maria works at Siemens in Hamburg .", "Maria works at Siemens .", 4.0),
    ("Peter visited Paris with Lucy .", "Peter visited Paris .", 3.5),
    ("The company Acme opened an office in Madrid .", "Acme opened an office .", 3.0),
    ("Nobody lives in the old house .", "The old house is empty .", 2.5),
    ("Anna lives in Berlin .", "Die Katze schläft auf dem Sofa .", 0.0),
    ("Maria works at Siemens in Hamburg .", "El gato duerme en el sofá del salón .", 0.5),
    ("Peter visited Paris with Lucy .", "Nobody lives in the old house .", 1.0),
]


DLFA = '@architectures = "dlfa_spacy.DLFA.v1"\n'
STOCK = ('@architectures = "spacy-transformers.TransformerListener.v1"\n'
         '[components.sts.model.tok2vec.pooling]\n@layers = "reduce_mean.v1"\n')


def make_sts_nlp(model_path, tok2vec: str = DLFA + "layer = 2", pooling: str = "mean", name: str = "sts"):
    text = (
        '[nlp]\nlang = "xx"\npipeline = ["transformer", "sts"]\n[components]\n'
        + transformer_block(model_path)
        + '[components.sts]\nfactory = "similarity_regressor"\n'
        + '[components.sts.model]\n@architectures = "dlfa_spacy.PairRegressor.v1"\nhidden_width = 16\n'
        + f'pooling = "{pooling}"\n'
        + f'[components.sts.model.tok2vec]\n{tok2vec}\n'
    ).replace("components.sts", f"components.{name}").replace('"sts"]', f'"{name}"]')
    return spacy.util.load_model_from_config(Config().from_str(text), auto_fill=True, validate=True)


def examples(nlp):
    out = []
    for first, second, score in PAIRS:
        gold = pair_doc(nlp, first, second)
        gold._.sts_score = score
        out.append(Example(pair_doc(nlp, first, second), gold))
    return out


def predicted(nlp):
    return [doc._.sts_score for doc in nlp.pipe([pair_doc(nlp, a, b) for a, b, _ in PAIRS])]


@pytest.fixture(scope="module")
def trained(tiny_bert):
    fix_random_seed(0)
    nlp = make_sts_nlp(tiny_bert)
    egs = examples(nlp)
    nlp.initialize(lambda: egs)
    before = nlp.evaluate(examples(nlp))
    optimizer = Adam(0.002)
    losses = []
    for _ in range(60):
        step = {}
        nlp.update(egs, sgd=optimizer, losses=step, drop=0.0)
        losses.append(step["sts"])
    return nlp, before, nlp.evaluate(examples(nlp)), losses


def test_training_raises_train_spearman_clearly(trained):
    nlp, before, after, losses = trained
    assert after["sts_spearman"] > 0.9 and after["sts_spearman"] > before["sts_spearman"] + 0.3
    assert losses[-1] < 0.2 * losses[0]
    scores = predicted(nlp)
    assert all(0.0 <= s <= 5.0 for s in scores)


def test_scorer_equals_scipy_on_a_fixed_prediction(tiny_bert):
    nlp = spacy.blank("xx")
    gold_scores = [5.0, 4.0, 4.0, 1.5, 0.0, 2.5, 3.0]
    pred_scores = [4.1, 3.0, 3.9, 2.0, 0.2, 2.0, 3.5]
    egs = []
    for i, (g, p) in enumerate(zip(gold_scores, pred_scores)):
        gold, pred = pair_doc(nlp, f"a{i} b", f"c{i} d"), pair_doc(nlp, f"a{i} b", f"c{i} d")
        gold._.sts_score, pred._.sts_score = g, p
        egs.append(Example(pred, gold))
    scores = score_similarity(egs)
    assert scores["sts_spearman"] == pytest.approx(scipy.stats.spearmanr(gold_scores, pred_scores).statistic, abs=1e-12)
    assert scores["sts_pearson"] == pytest.approx(scipy.stats.pearsonr(gold_scores, pred_scores).statistic, abs=1e-12)
    assert spearman(gold_scores, pred_scores) == scores["sts_spearman"]
    assert pearson([1, 1, 1], [1, 2, 3]) == 0.0  # constant side: no correlation, not nan


def test_saving_loading_and_pickling_give_identical_scores(trained, tmp_path):
    nlp = trained[0]
    scores = predicted(nlp)
    nlp.to_disk(tmp_path / "sts")
    loaded = spacy.load(tmp_path / "sts")
    assert predicted(loaded) == scores
    assert predicted(pickle.loads(pickle.dumps(nlp))) == scores


def test_gold_and_prediction_survive_a_docbin_round_trip(trained):
    nlp = trained[0]
    doc = nlp(pair_doc(nlp, "Anna lives in Berlin .", "Anna wohnt in Berlin ."))
    restored = list(DocBin(docs=[doc], store_user_data=True).get_docs(nlp.vocab))[0]
    assert restored._.sts_score == doc._.sts_score and isinstance(doc._.sts_score, float)


def test_a_cross_lingual_pair_is_one_encoder_pass_with_segment_ids(trained):
    nlp = trained[0]
    first, second = "Anna lives in Berlin .", "Иван живёт в Москве ."
    doc = nlp(pair_doc(nlp, first, second))
    tokenizer = nlp.get_pipe("transformer").model.tokenizer
    expected = tokenizer(first, second)
    wordpieces = doc._.trf_data.wordpieces
    n = wordpieces.lengths[0]
    assert len(wordpieces.lengths) == 1  # one sequence for the whole pair
    assert wordpieces.input_ids[0][:n].tolist() == expected["input_ids"]
    assert wordpieces.token_type_ids[0][:n].tolist() == expected["token_type_ids"]


@pytest.mark.parametrize("gold", [5.5, -1.0, None, "3"])
def test_bad_gold_scores_name_the_doc_and_the_range(tiny_bert, gold):
    nlp = make_sts_nlp(tiny_bert)
    doc = pair_doc(nlp, "Anna lives in Berlin .", "Anna wohnt in Berlin .")
    doc._.sts_score = gold
    with pytest.raises(ValueError, match=r"gold doc 'Anna lives in Berlin \..*has doc\._\.sts_score = .*expected a number in 0\.\.5"):
        nlp.initialize(lambda: [Example(pair_doc(nlp, "Anna lives in Berlin .", "Anna wohnt in Berlin ."), doc)])


def test_scoring_a_language_names_it_when_a_gold_score_is_bad():
    from dlfa_spacy.experiments.evaluate import score_language
    from dlfa_spacy.pipeline.similarity import register_extension

    register_extension()
    nlp = spacy.blank("xx")
    good, bad = pair_doc(nlp, "Anna lives here .", "Anna wohnt hier ."), pair_doc(nlp, "A dog .", "Ein Hund .")
    good._.sts_score, bad._.sts_score = 4.0, 7.5
    with pytest.raises(ValueError, match=r"^de: gold doc 2 \('A dog \..*has doc\._\.sts_score = 7\.5; expected a number in 0\.\.5"):
        score_language("sts", [good, bad], [good, bad], [], lang="de")


def test_auto_and_the_baseline_fit_the_tok2vec_slot(tiny_bert):
    for tok2vec in (DLFA + 'layer = "auto"', DLFA + "layer = null"):
        nlp = make_sts_nlp(tiny_bert, tok2vec)
        nlp.initialize(lambda: examples(nlp))
        assert len(predicted(nlp)) == len(PAIRS)


@pytest.mark.parametrize("tok2vec", [DLFA + "layer = 2", DLFA + 'layer = "auto"', STOCK])
def test_cls_pooling_reads_the_first_wordpiece_learns_and_saves(tiny_bert, tmp_path, tok2vec):
    fix_random_seed(0)
    nlp = make_sts_nlp(tiny_bert, tok2vec, pooling="cls")
    egs = examples(nlp)
    nlp.initialize(lambda: egs)
    # The head's input is row [0, 0] of the (fused) wordpieces: the [CLS] vector.
    model = nlp.get_pipe("sts").model
    pooled = model.layers[0]
    assert pooled.layers[-1].name == "first-wordpiece"
    docs = list(nlp.get_pipe("transformer").pipe([pair_doc(nlp, a, b) for a, b, _ in PAIRS[:2]]))
    vectors = pooled.predict(docs)
    assert vectors.shape == (2, 32)
    if "layer = 2" not in tok2vec and "auto" not in tok2vec:  # unfused: exactly the encoder's [CLS] row
        numpy.testing.assert_array_equal(vectors[1], docs[1]._.trf_data.model_output.last_hidden_state[0, 0])
    before = nlp.evaluate(examples(nlp))["sts_spearman"]
    optimizer = Adam(0.002)
    for _ in range(60):
        nlp.update(egs, sgd=optimizer, drop=0.0)
    after = nlp.evaluate(examples(nlp))["sts_spearman"]
    assert after > before + 0.3, (before, after)
    scores = predicted(nlp)
    nlp.to_disk(tmp_path / "cls")
    assert predicted(spacy.load(tmp_path / "cls")) == scores


def test_cls_pooling_needs_a_transformer_tok2vec(tiny_bert):
    with pytest.raises(ValueError, match=r"pooling = \"cls\" needs a transformer tok2vec"):
        make_sts_nlp(tiny_bert, '@architectures = "spacy.HashEmbedCNN.v2"\nwidth = 32\ndepth = 1\n'
                     'embed_size = 100\nwindow_size = 1\nmaxout_pieces = 2\nsubword_features = true\n'
                     'pretrained_vectors = null', pooling="cls")
    with pytest.raises(ValueError, match=r"`pooling` must be one of mean, cls; got 'max'"):
        make_sts_nlp(tiny_bert, pooling="max")


# ------------------------------------------------------------ dlfa-spacy evaluate --task sts


@pytest.fixture(scope="module")
def sts_eval(tiny_bert, tmp_path_factory):
    """A few steps of an STS pipeline as the task configs name it, and a test folder with languages and pair sets."""
    fix_random_seed(0)
    nlp = make_sts_nlp(tiny_bert, DLFA + 'layer = "auto"', name="similarity_regressor")
    egs = examples(nlp)
    nlp.initialize(lambda: egs)
    optimizer = Adam(0.002)
    for _ in range(10):
        nlp.update(egs, sgd=optimizer, drop=0.0)
    root = tmp_path_factory.mktemp("sts_eval")
    nlp.to_disk(root / "model")
    german = [("Anna wohnt in Berlin .", "Anna wohnt in Berlin .", 5.0),
              ("Maria arbeitet bei Siemens .", "Die Katze schläft .", 0.5),
              ("Peter besuchte Paris mit Lucy .", "Peter besuchte Paris .", 3.5)]
    cross = [("Anna lives in Berlin .", "Anna wohnt in Berlin .", 5.0),
             ("Maria works at Siemens .", "Die Katze schläft .", 0.0),
             ("Peter visited Paris .", "Peter besuchte Paris mit Lucy .", 3.8)]
    sts_docbin(root / "test" / "en.spacy", PAIRS)
    sts_docbin(root / "test" / "de.spacy", german)
    sts_docbin(root / "test" / "en-de.spacy", cross)
    sts_docbin(root / "test" / "en-en.spacy", PAIRS[:4])
    return root, nlp, {"en": PAIRS, "de": german, "en-de": cross, "en-en": PAIRS[:4]}


def test_evaluate_sts_scores_spearman_per_language_and_pair_sets_apart(sts_eval):
    import json

    from dlfa_spacy.experiments.evaluate import evaluate_pipeline

    root, nlp, rows = sts_eval
    metrics = evaluate_pipeline(str(root / "model"), root / "test", task="sts", output=root / "sts.json")
    assert json.loads((root / "sts.json").read_text())["pairs"]["en-de"]["n"] == 3
    assert (metrics["metric"], metrics["component"], metrics["variant"]) == ("spearman", "similarity_regressor", "DLFA-auto")
    assert sorted(metrics["languages"]) == metrics["language_set"] == ["de", "en"]
    assert sorted(metrics["pairs"]) == metrics["pair_set"] == ["en-de", "en-en"]
    loaded = spacy.load(root / "model")
    for name in ("en", "de", "en-de", "en-en"):
        got = (metrics["pairs"] if "-" in name else metrics["languages"])[name]
        gold = [score for _, _, score in rows[name]]
        pred = [d._.sts_score for d in loaded.pipe([pair_doc(loaded, a, b) for a, b, _ in rows[name]])]
        assert got["score"] == got["spearman"] == spearman(gold, pred)
        assert got["spearman"] == pytest.approx(scipy.stats.spearmanr(gold, pred).statistic, abs=1e-12)
        assert got["pearson"] == pytest.approx(scipy.stats.pearsonr(gold, pred).statistic, abs=1e-12)
        assert got["per_example"] == [[g, p] for g, p in zip(gold, pred)] and got["n"] == len(gold)
    languages = metrics["languages"]
    assert metrics["average"] == (languages["de"]["score"] + languages["en"]["score"]) / 2
    assert metrics["average_without_en"] == languages["de"]["score"]
    # en-en is an STS 2017 set but not cross-lingual: only en-de is in that average.
    assert metrics["average_cross_lingual"] == metrics["pairs"]["en-de"]["score"]
    assert "n_segmented" not in metrics and set(metrics["layer_weights"]) == {"1", "2", "3"}


def test_evaluate_sts_refuses_a_doc_without_gold_score_and_a_folder_of_pairs_only(sts_eval, tmp_path):
    from dlfa_spacy.experiments.evaluate import evaluate_pipeline

    root, nlp, _ = sts_eval
    sts_docbin(tmp_path / "bad" / "de.spacy", [("Anna wohnt in Berlin .", "Anna wohnt in Berlin .", 5.0),
                                                      ("Die Katze schläft .", "Der Hund bellt .", None)])
    with pytest.raises(ValueError) as err:
        evaluate_pipeline(str(root / "model"), tmp_path / "bad", task="sts")
    assert str(err.value) == ("de: gold doc 2 ('Die Katze schläft . [SEP] Der Hund bellt .') has doc._.sts_score = "
                              "None; expected a number in 0..5 (convert STS data with `dlfa-spacy convert sts`)")
    sts_docbin(tmp_path / "pairs" / "en-de.spacy", [("A .", "B .", 1.0), ("C .", "D .", 2.0)])
    with pytest.raises(ValueError, match=r"holds only pair sets \(en-de\); expected at least one \{lang\}.spacy"):
        evaluate_pipeline(str(root / "model"), tmp_path / "pairs", task="sts")


def test_empty_docs_and_empty_batches(trained):
    nlp = trained[0]
    # An empty doc has no pair to score: None, and the batch around it is scored as without it.
    docs = list(nlp.pipe(["", "Anna lives in Berlin . [SEP] Anna lives in Germany .", ""]))
    assert docs[0]._.sts_score is None and docs[2]._.sts_score is None
    alone = nlp("Anna lives in Berlin . [SEP] Anna lives in Germany .")._.sts_score
    assert docs[1]._.sts_score == pytest.approx(alone, abs=1e-6)
    assert nlp("")._.sts_score is None and list(nlp.pipe(["", ""]))[1]._.sts_score is None


def test_pairs_longer_than_the_encoder_are_counted(trained, tmp_path):
    from dlfa_spacy import pair_doc
    from dlfa_spacy.experiments.pipeline_io import n_truncated_pairs

    nlp = trained[0]
    long_pair = pair_doc(nlp, " ".join(["Anna lives in Berlin ."] * 150), "Anna lives in Germany .")
    short_pair = pair_doc(nlp, "Anna lives in Berlin .", "Anna lives in Germany .")
    assert n_truncated_pairs(nlp, [long_pair, short_pair, long_pair]) == 2
    # Cut longest-first: the hypothesis still reaches the encoder whole.
    doc = nlp(long_pair)
    assert doc._.sts_score is not None and doc._.trf_data.wordpieces.strings[0][-2] == "."

"""`prepare`: a task's published distribution (folder or archive) to train/dev/test DocBins."""
import io
import tarfile
import zipfile
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin
from spacy.training import Example

from dlfa_spacy.training.augmenters import upos_as_tag
from dlfa_spacy.corpora.prepare import find, prepare_task, unpack

DEMO = Path(__file__).resolve().parents[1] / "assets" / "demo"


def n_docs(path: Path) -> int:
    return len(DocBin().from_disk(path))


@pytest.mark.parametrize("task,langs,counts", [
    ("ner", ["en", "de", "ru", "zh"], (300, 60, 80)),
    ("pos", ["en", "es", "zh"], (300, 60, 80)),
    ("xnli", ["en", "de", "ru"], (300, 60, 90)),
    ("pawsx", ["en", "es", "ru"], (300, 60, 80)),
])
def test_demo_distribution_gives_english_train_dev_and_a_test_set_per_language(tmp_path, task, langs, counts):
    out = tmp_path / task
    summaries = prepare_task(task, [DEMO], out, langs, train_treebank="en_demo")
    assert [s.output_path for s in summaries] == (
        [out / "train.spacy", out / "dev.spacy"] + [out / "test" / f"{lang}.spacy" for lang in langs])
    assert n_docs(out / "train.spacy") == counts[0]
    assert n_docs(out / "dev.spacy") == counts[1]
    assert sorted(p.name for p in (out / "test").iterdir()) == sorted(f"{lang}.spacy" for lang in langs)
    for lang in langs:
        assert n_docs(out / "test" / f"{lang}.spacy") == counts[2]
    if task == "xnli":
        # MultiNLI rows without a gold label are left out of the training set.
        assert summaries[0].skipped_rows == 6
        # The test file holds all languages: each DocBin keeps only its own.
        docs = list(DocBin(store_user_data=True).from_disk(out / "test" / "ru.spacy").get_docs(spacy.blank("xx").vocab))
        assert {d.user_data["lang"] for d in docs} == {"ru"}


def _tar_gz(files: dict) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_wikiann_style_archive_of_per_language_archives(tmp_path):
    # As the WikiANN download: a zip of {lang}.tar.gz, each with train, dev and test.
    archive = tmp_path / "AmazonPhotos.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for lang in ("en", "de"):
            files = {split: (DEMO / "wikiann" / lang / split).read_bytes()
                     for split in ("train", "dev", "test") if (DEMO / "wikiann" / lang / split).exists()}
            zf.writestr(f"panx_dataset/{lang}.tar.gz", _tar_gz(files))
    prepare_task("ner", [archive], tmp_path / "corpus", ["en", "de"])
    assert n_docs(tmp_path / "corpus" / "train.spacy") == 300
    assert n_docs(tmp_path / "corpus" / "test" / "de.spacy") == 80
    unpacked = tmp_path / "AmazonPhotos.unpacked"
    assert (unpacked / ".complete").exists()
    # A second run reuses the unpacked files instead of extracting again.
    marker = unpacked / "panx_dataset" / "de" / "test"
    marker.write_text(marker.read_text(encoding="utf-8").split("\n\n")[0] + "\n\n", encoding="utf-8")
    prepare_task("ner", [archive], tmp_path / "again", ["de"])
    assert n_docs(tmp_path / "again" / "test" / "de.spacy") == 1


def test_missing_language_fails_before_anything_is_written(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"found no file matching '\*\*/fr/test_2k.tsv' in .*demo"):
        prepare_task("pawsx", [DEMO], tmp_path / "out", ["de", "fr"])
    assert not (tmp_path / "out").exists()


def test_ambiguous_and_bad_sources_are_clear_errors(tmp_path):
    (tmp_path / "a" / "en").mkdir(parents=True)
    (tmp_path / "b" / "en").mkdir(parents=True)
    (tmp_path / "a" / "en" / "train").write_text("x\tO\n", encoding="utf-8")
    (tmp_path / "b" / "en" / "train").write_text("x\tO\n", encoding="utf-8")
    with pytest.raises(ValueError, match="found 2 files matching '\\*\\*/en/train'.*expected one"):
        find([tmp_path / "a", tmp_path / "b"], "en/train")
    not_archive = tmp_path / "data.txt"
    not_archive.write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match="not an archive"):
        unpack(not_archive)
    with pytest.raises(FileNotFoundError, match="no such file or directory"):
        unpack(tmp_path / "nothing.zip")
    with pytest.raises(ValueError, match="unknown task 'dep'"):
        prepare_task("dep", [DEMO], tmp_path / "out", ["de"])


def test_upos_augmenter_teaches_the_tagger_upos():
    nlp = spacy.blank("en")
    words = ["Anna", "lives", "here", "."]
    example = Example.from_dict(nlp.make_doc("Anna lives here ."),
                                {"words": words, "pos": ["PROPN", "VERB", "ADV", "PUNCT"],
                                 "tags": ["NNP", "VBZ", "RB", "."]})
    (augmented,) = list(upos_as_tag(nlp, example))
    assert [t.tag_ for t in augmented.reference] == ["PROPN", "VERB", "ADV", "PUNCT"]
    assert [t.pos_ for t in augmented.reference] == ["PROPN", "VERB", "ADV", "PUNCT"]
    # The original example is left as it was.
    assert [t.tag_ for t in example.reference] == ["NNP", "VBZ", "RB", "."]


def test_xnli_trains_on_xnli_mt_like_xtreme(tmp_path):
    # XTREME's English training set is XNLI-MT's multinli/multinli.train.en.tsv; it is
    # preferred over a MultiNLI 1.0 file when both are there.
    mt = tmp_path / "XNLI-MT-1.0" / "multinli"
    mt.mkdir(parents=True)
    (mt / "multinli.train.en.tsv").write_bytes((Path(__file__).parent / "data" / "corpora" / "xnli_mt_train.tsv").read_bytes())
    demo = Path(__file__).resolve().parents[1] / "assets" / "demo"
    summaries = prepare_task("xnli", [tmp_path, demo], tmp_path / "out", ["de"])
    assert summaries[0].input_paths == [mt / "multinli.train.en.tsv"]
    assert summaries[0].variant == "XNLI-MT training tsv"
    # Without it, the MultiNLI 1.0 file of the demo is the training set.
    summaries = prepare_task("xnli", [demo], tmp_path / "out2", ["de"])
    assert [p.name for p in summaries[0].input_paths] == ["multinli_1.0_train.txt"]


def test_find_names_every_alternative(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"found no file matching '\*\*/a\.tsv' or '\*\*/b\.txt' in "):
        find([tmp_path], "a.tsv|b.txt")


def sts_scores(path: Path) -> list:
    from dlfa_spacy.pipeline.similarity import register_extension

    register_extension()
    return [d._.sts_score for d in DocBin(store_user_data=True).from_disk(path).get_docs(spacy.blank("xx").vocab)]


def test_sts_demo_gives_languages_and_pair_sets_with_their_scores(tmp_path):
    out = tmp_path / "sts"
    langs = ["en", "de", "ru", "es-en", "en-de"]
    summaries = prepare_task("sts", [DEMO], out, langs)
    assert [s.output_path.name for s in summaries] == ["train.spacy", "dev.spacy"] + [f"{l}.spacy" for l in langs]
    assert [n_docs(s.output_path) for s in summaries] == [300, 60, 80, 80, 80, 60, 60]
    # The track's scores come from its STS.gs file in the sibling STS2017.gs folder, line for line.
    gold = DEMO / "sts2017" / "STS2017.gs" / "STS.gs.track4a.es-en.txt"
    assert sts_scores(out / "test" / "es-en.spacy") == [float(x) for x in gold.read_text().split()]
    assert summaries[5].variant == "STS 2017 track sentence1<TAB>sentence2 + STS.gs scores"
    assert summaries[6].variant == "STS2017-extended sentence1<TAB>sentence2<TAB>score"


def test_sts2017_zips_unpacked_apart_find_the_gold_in_the_other_source(tmp_path):
    """As downloaded: sts2017.eval.v1.1.zip (inputs) and sts2017.gs.zip (scores) unpack into two folders."""
    inputs = DEMO / "sts2017" / "STS2017.eval.v1.1" / "STS.input.track4a.es-en.txt"
    gold = DEMO / "sts2017" / "STS2017.gs" / "STS.gs.track4a.es-en.txt"
    for name, member, source in (("sts2017.eval.v1.1.zip", "STS2017.eval.v1.1/", inputs),
                                 ("sts2017.gs.zip", "STS2017.gs/", gold)):
        with zipfile.ZipFile(tmp_path / name, "w") as zf:
            zf.writestr(member + source.name, source.read_bytes())
    sources = [DEMO / "stsb", tmp_path / "sts2017.eval.v1.1.zip", tmp_path / "sts2017.gs.zip"]
    prepare_task("sts", sources, tmp_path / "out", ["de", "es-en"])
    assert sts_scores(tmp_path / "out" / "test" / "es-en.spacy") == [float(x) for x in gold.read_text().split()]
    with pytest.raises(FileNotFoundError, match=r"found no file matching '\*\*/STS.input.track\?.tr-en.txt' or "
                       r"'\*\*/STS.input.track4a.tr-en.txt' or '\*\*/STS.tr-en.txt'"):
        prepare_task("sts", sources, tmp_path / "out2", ["tr-en"])

"""Raw text to tokens: NFKC, lower case, synonyms, concepts, stop words, the lexicon files."""

import pytest

from matchmaker.matching import Lexicon, Tokenizer, normalise, tokenise_many
from matchmaker.matching.text import is_cjk

LEXICON = Lexicon(
    words=("花木", "电子商务", "电商", "紫荆", "数控机床"),
    synonyms={"电子商务": "电商"},
    concepts={"紫荆": "§sector:7"},
    stop_words=frozenset({"的", "了", "和", "负责"}),
)


@pytest.fixture(scope="module")
def tokenizer():
    return Tokenizer(LEXICON)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("９６ＡＢＣ", "96abc"),  # full-width digits and letters fold to ASCII
        ("  Python\t\n工程师  ", "python 工程师"),
        ("ｇｍｐ　认证", "gmp 认证"),  # the ideographic space is a space too
        ("", ""),
        (None, ""),
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_full_width_latin_is_folded_and_lower_cased(tokenizer):
    assert tokenizer.tokens("ＡＢＣ") == ["abc"]
    assert tokenizer.tokens("GMP Python") == ["gmp", "python"]


def test_numbers_and_punctuation_are_not_words(tokenizer):
    assert tokenizer.tokens("９６") == []
    assert tokenizer.tokens("，。！？、……") == []


def test_synonyms_are_folded_to_their_term(tokenizer):
    assert tokenizer.tokens("电子商务") == ["电商"]
    assert tokenizer.tokens("电商") == ["电商"]


def test_concepts_are_added_after_their_term(tokenizer):
    assert tokenizer.tokens("紫荆") == ["紫荆", "§sector:7"]


def test_stop_words_are_dropped(tokenizer):
    tokens = tokenizer.tokens("负责花木的栽培")
    assert "的" not in tokens
    assert "负责" not in tokens
    assert "花木" in tokens


def test_lexicon_words_stay_whole(tokenizer):
    assert "数控机床" in tokenizer.tokens("操作数控机床")


@pytest.mark.parametrize("text", ["", "   ", None, "的 了 和", "的了和负责"])
def test_empty_and_stop_word_only_text_has_no_tokens(tokenizer, text):
    assert tokenizer.tokens(text) == []


def test_document_tokenises_every_field(tokenizer):
    doc = tokenizer.document({"title": "花木", "skills": None, "text": "电子商务"})
    assert doc == {"title": ["花木"], "skills": [], "text": ["电商"]}


def test_lexicon_from_directory(tmp_path):
    (tmp_path / "dictionary.txt").write_text("# comment\n花木\n\n紫荆树\n", encoding="utf-8")
    (tmp_path / "synonyms.txt").write_text("电商: 电子商务, 网店、网上商店\n", encoding="utf-8")
    (tmp_path / "stopwords_zh.txt").write_text("的\n负责\n", encoding="utf-8")
    (tmp_path / "stopwords_en.txt").write_text("The\n", encoding="utf-8")
    lexicon = Lexicon.from_directory(tmp_path, concepts={"ＡＢ": "§x"})
    assert lexicon.synonyms == {"电子商务": "电商", "网店": "电商", "网上商店": "电商"}
    assert lexicon.stop_words == frozenset({"的", "负责", "the"})
    assert lexicon.concepts == {"ab": "§x"}
    assert {"花木", "紫荆树", "电商", "网店", "ab"} <= set(lexicon.words)
    assert Tokenizer(lexicon).tokens("网上商店的 The 紫荆树") == ["电商", "紫荆树"]


def test_missing_lexicon_files_give_an_empty_lexicon(tmp_path):
    assert Lexicon.from_directory(tmp_path) == Lexicon()


def test_the_shipped_lexicon_loads():
    from matchmaker.matching.evaluate import DEFAULT_LEXICON

    lexicon = Lexicon.from_directory(DEFAULT_LEXICON)
    assert "的" in lexicon.stop_words
    assert lexicon.synonyms["电子商务"] == "电商"
    assert Tokenizer(lexicon).tokens("负责电子商务") == ["电商"]


@pytest.mark.parametrize("processes", [1, 2])
def test_tokenise_many_keeps_order(tokenizer, processes):
    texts = [{"title": t, "text": "花木 电子商务"} for t in ("紫荆", "数控机床", "ＡＢＣ", "的")]
    expected = [tokenizer.document(doc) for doc in texts]
    assert expected[0]["title"] == ["紫荆", "§sector:7"]
    assert tokenise_many(texts, LEXICON, processes=processes, chunk_size=1) == expected


def test_is_cjk():
    assert is_cjk("花木")
    assert is_cjk("c语言")
    assert not is_cjk("python")
    assert not is_cjk("§sector:7")

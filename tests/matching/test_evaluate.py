"""The benchmark command: its metrics by hand, and a run over a tiny generated benchmark."""

import json

import pytest

from matchmaker.matching import evaluate as ev

# --- metrics, against values worked out by hand --------------------------------------------


def test_metrics_with_hits_at_ranks_two_and_four():
    # relevant: r1, r2, r3; hits at ranks 2 and 4.
    # DCG = 1/log2(3) + 1/log2(5) = 0.630930 + 0.430677 = 1.061606
    # ideal DCG (3 relevant) = 1 + 0.630930 + 0.5 = 2.130930
    figures = ev.metrics(["x", "r1", "y", "r2", "z"], {"r1", "r2", "r3"})
    assert figures["ndcg@10"] == pytest.approx(1.061606 / 2.130930, abs=1e-6)
    assert figures["p@10"] == pytest.approx(0.2)
    assert figures["r@10"] == pytest.approx(2 / 3)
    assert figures["mrr@10"] == pytest.approx(0.5)


def test_metrics_of_a_perfect_and_of_an_empty_ranking():
    assert ev.metrics(["a", "b", "x"], {"a", "b"}) == {
        "ndcg@10": pytest.approx(1.0),
        "p@10": pytest.approx(0.2),
        "r@10": pytest.approx(1.0),
        "mrr@10": pytest.approx(1.0),
    }
    assert ev.metrics(["x", "y"], {"a"}) == {
        "ndcg@10": 0.0,
        "p@10": 0.0,
        "r@10": 0.0,
        "mrr@10": 0.0,
    }
    assert ev.metrics([], set())["ndcg@10"] == 0.0


def test_metrics_stop_at_k():
    ranking = [f"x{i}" for i in range(10)] + ["a"]
    assert ev.metrics(ranking, {"a"})["r@10"] == 0.0
    # with more than k relevant documents the ideal DCG counts k of them: all hits → 1.0
    many = {f"r{i}" for i in range(15)}
    assert ev.metrics(sorted(many), many)["ndcg@10"] == pytest.approx(1.0)
    # k = 1: the first hit at rank 2 does not count
    assert ev.metrics(["x", "a"], {"a"}, k=1)["mrr@10"] == 0.0


def test_read_qrels_keeps_positive_grades_only(tmp_path):
    path = tmp_path / "qrels.tsv"
    path.write_text("q1\td1\t1\nq1\td2\t0\nq2\td3\t2\nbroken line\n\n", encoding="utf-8")
    assert ev.read_qrels(path) == {"q1": {"d1"}, "q2": {"d3"}}


# --- a tiny benchmark, written to a temporary folder -----------------------------------------

CORPUS = [
    {"id": "c1", "title": "数控车工", "text": "操作数控机床，加工汽车零部件。"},
    {"id": "c2", "title": "花木栽培工", "text": "苗木栽培、嫁接育苗，花木养护。"},
    {"id": "c3", "title": "电商运营专员", "text": "网店运营，直播带货，客服。"},
    {"id": "c4", "title": "化验员", "text": "原料药质量检验，化验分析。"},
    {"id": "c5", "title": "厨师", "text": "烹饪菜肴，厨房管理。"},
]
QUERIES = [
    {"id": "q1", "title": "数控技术", "text": "学习数控机床操作与零部件加工。"},
    {"id": "q2", "title": "园艺技术", "text": "花木栽培，嫁接育苗。"},
    {"id": "q3", "title": "电子商务", "text": "网店运营与直播。"},
    {"id": "q4", "title": "天文", "text": "星系观测"},  # no relevance labels: not counted
]
QRELS = "q1\tc1\t1\nq2\tc2\t1\nq3\tc3\t1\n"


@pytest.fixture
def bench(tmp_path):
    for name, rows in (("corpus.jsonl", CORPUS), ("queries.jsonl", QUERIES)):
        lines = [json.dumps(row, ensure_ascii=False) for row in rows]
        (tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "qrels.tsv").write_text(QRELS, encoding="utf-8")
    return tmp_path


def test_evaluate_ranks_the_obvious_answer_first(bench):
    figures, rankings = ev.evaluate(bench)
    assert figures["queries"] == 3
    assert figures["ndcg@10"] == 1.0
    assert figures["mrr@10"] == 1.0
    assert set(rankings) == {"q1", "q2", "q3", "q4"}
    assert [rankings[q][0] for q in ("q1", "q2", "q3")] == ["c1", "c2", "c3"]
    assert rankings["q4"] == ["c1", "c2", "c3", "c4", "c5"]  # nothing shared: ties by id


def test_evaluate_by_titles_alone(bench):
    figures, rankings = ev.evaluate(bench, title_only=True)
    assert rankings["q1"][0] == "c1"  # 数控
    assert rankings["q3"][0] == "c3"  # 电子商务 is folded to 电商
    assert 0.0 < figures["ndcg@10"] < 1.0  # 园艺技术 shares nothing with 花木栽培工


def test_main_prints_figures_and_writes_the_run(bench, tmp_path, capsys):
    run = tmp_path / "run.jsonl"
    assert ev.main([str(bench), "--title-only", "--run", str(run)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["mode"] == "title-only"
    assert printed["queries"] == 3
    assert set(printed) >= {"ndcg@10", "p@10", "r@10", "mrr@10"}
    lines = [json.loads(line) for line in run.read_text(encoding="utf-8").splitlines()]
    assert [line["query_id"] for line in lines] == ["q1", "q2", "q3", "q4"]
    assert all(len(line["ranking"]) == len(CORPUS) for line in lines)


def test_spec_overrides_from_json():
    spec = ev.spec_from_json('{"char_weight": 0.25, "char_ngrams": [2]}')
    assert spec == ev.FeatureSpec(char_weight=0.25, char_ngrams=(2,))
    assert ev.spec_from_json(None) == ev.FeatureSpec()


@pytest.mark.parametrize("bad", ["[1]", '{"no_such_knob": 1}', "{not json"])
def test_main_refuses_a_bad_spec(bench, bad, capsys):
    with pytest.raises(SystemExit) as exit_:
        ev.main([str(bench), "--spec", bad])
    assert exit_.value.code == 2
    assert "--spec" in capsys.readouterr().err


def test_main_passes_the_spec_on(bench, capsys):
    # Titles weighted 0 leave title-only queries empty: every score is 0 and ties go by id,
    # so c1, c2, c3 sit at ranks 1, 2, 3 for q1, q2, q3: nDCG (1 + 1/log2(3) + 1/2) / 3.
    ev.main([str(bench), "--title-only", "--spec", '{"field_weights": {"title": 0}}'])
    expected = (1 + 0.630930 + 0.5) / 3
    assert json.loads(capsys.readouterr().out)["ndcg@10"] == pytest.approx(expected, abs=1e-4)


def test_a_benchmark_without_labels_gives_zeros(bench):
    (bench / "qrels.tsv").write_text("", encoding="utf-8")
    figures, rankings = ev.evaluate(bench)
    assert figures == {"ndcg@10": 0.0, "p@10": 0.0, "r@10": 0.0, "mrr@10": 0.0, "queries": 0}
    assert len(rankings) == len(QUERIES)

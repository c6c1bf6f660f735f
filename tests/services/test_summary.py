"""The summary paragraph says only what the counts support: one test per clause, with
counts that make it true (it must appear) and counts that make it false (it must not)."""

from datetime import date

import pytest

from matchmaker.services.figures import SENTENCES, Figures, Period, summary, summary_values

PERIOD = Period(date(2026, 1, 1), date(2099, 12, 31))
F = Figures

#: clause → (counts under which it is true, counts under which it is false)
CASES = {
    "registered": (F(needs=2), F()),
    "nothing_registered": (F(), F(interests=1)),
    "no_suggestions": (F(), F(suggestions=1, awaiting_review=1)),
    "all_reviewed_on_time": (
        F(suggestions=4, reviewed=4),
        F(suggestions=4, reviewed=4, reviewed_late=1),
    ),
    "all_reviewed_some_late": (
        F(suggestions=4, reviewed=4, reviewed_late=1),
        F(suggestions=4, reviewed=3, awaiting_review=1, reviewed_late=1),
    ),
    "none_reviewed": (
        F(suggestions=27, awaiting_review=27),
        F(suggestions=27, awaiting_review=26, reviewed=1),
    ),
    "partly_reviewed": (
        F(suggestions=27, awaiting_review=26, reviewed=1),
        F(suggestions=27, awaiting_review=27),
    ),
    "overdue": (
        F(suggestions=27, awaiting_review=27, overdue_review=5),
        F(suggestions=27, awaiting_review=27, red_items=3),
    ),
    "review_time": (
        F(reviewed=3, median_days_to_review=2.5),
        F(suggestions=3, awaiting_review=3),
    ),
    "deputies": (F(deputies_engaged=3), F(introductions=2)),
    "introduced": (F(introductions=2), F(connected=1)),
    "connected": (F(connected=1), F(introductions=2)),
    "no_introductions": (F(hires=1), F(connected=1)),
    "hired": (F(hires=1), F(projects_signed=1, signed_amount_wan=100)),
    "signed": (F(projects_signed=1, signed_amount_wan=100), F(hires=1)),
    "no_results": (F(introductions=3), F(hires=1)),
    "closed_all_solved": (F(closed_out=2, solved=2), F(closed_out=2, solved=1)),
    "closed_some_solved": (F(closed_out=2, solved=1), F(closed_out=2, solved=2)),
    "closed_none_solved": (F(closed_out=2), F(closed_out=2, solved=1)),
    "none_closed": (F(), F(closed_out=1)),
    "close_time": (F(closed_out=1, median_days_to_close=30.0), F(median_days_to_close=None)),
    "red": (F(red_items=3), F(suggestions=3, awaiting_review=3, overdue_review=3)),
}


def _clause(name: str, f: Figures) -> str:
    """The clause as these counts would fill it (a missing median read as 0)."""
    values = summary_values("某联络站", f, PERIOD, True)
    return SENTENCES[name].text.format(**{k: 0 if v is None else v for k, v in values.items()})


def test_every_clause_has_a_case():
    assert set(CASES) == set(SENTENCES)


@pytest.mark.parametrize("name", list(CASES))
def test_a_clause_appears_exactly_when_its_counts_make_it_true(name):
    true, false = CASES[name]
    assert _clause(name, true) in summary("某联络站", true, PERIOD, is_station=True)
    assert _clause(name, false) not in summary("某联络站", false, PERIOD, is_station=True)
    assert SENTENCES[name].when(true) and not SENTENCES[name].when(false)


def test_none_of_27_reviewed_is_said_plainly():
    f = F(profiles=27, suggestions=27, awaiting_review=27, overdue_review=9)
    text = summary("湖东街道人大代表联络站", f, PERIOD, is_station=True)
    assert "平台推荐对接线索27条，均未审核，其中9条已超过审核期限。" in text
    assert "按期" not in text and "所有线索" not in text and "均已" not in text


def test_zero_counts_make_no_claims():
    text = summary("湖东街道人大代表联络站", F(), PERIOD, is_station=True)
    assert (
        "均已" not in text
        and "按期" not in text
        and "促成就业" not in text.replace("尚未促成就业", "")
    )
    assert "平台未产生新的推荐对接线索" in text and "期内尚无线索办结销号" in text


def test_a_past_period_is_named_by_its_dates():
    text = summary("某站", F(), Period(date(2025, 1, 1), date(2025, 12, 31)), is_station=True)
    assert text.startswith("2025年1月1日至2025年12月31日，某站")


def test_a_median_under_a_day_is_not_called_zero_days():
    f = F(reviewed=2, median_days_to_review=0.0, closed_out=1, median_days_to_close=0.4)
    text = summary("某站", f, PERIOD, is_station=True)
    assert "审核用时中位数不足1天" in text and "销号用时中位数不足1天" in text
    assert "0天" not in text

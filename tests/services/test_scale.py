"""Growing a database for measuring: every grown document is whole, tokenised and linked,
every firm's credit code valid and unique, and a second run adds without clashing."""

from sqlalchemy import func, select
from stdnum.cn import uscc

from matchmaker.extensions import db
from matchmaker.models import (
    Enterprise,
    Graduate,
    InvestmentProject,
    InvestorInterest,
    TalentNeed,
)
from matchmaker.services import scale


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_grown_documents_are_whole_and_tokenised(reference):
    counts = scale.grow(graduates=120, needs=30, projects=6, interests=6, seed=3)
    assert counts == {
        "enterprises": 9, "talent_needs": 30, "projects": 6, "interests": 6, "graduates": 120,
    }  # fmt: skip
    assert (_count(Graduate), _count(TalentNeed)) == (120, 30)
    graduates = db.session.scalars(select(Graduate)).all()
    assert all(g.tokens and g.tokens.get("title") for g in graduates)
    assert all(g.wanted_regions and g.hometown for g in graduates)
    assert sum(1 for g in graduates if g.wanted_sectors) > 0.7 * len(graduates)
    assert len({g.intro for g in graduates}) > 100  # realistic, varied texts
    needs = db.session.scalars(select(TalentNeed)).all()
    assert all(n.tokens and n.enterprise.verified and n.region and n.sector for n in needs)
    assert all(i.sectors and i.regions for i in db.session.scalars(select(InvestorInterest)))
    assert _count(InvestmentProject) == 6


def test_a_second_run_adds_firms_with_their_own_valid_codes(reference):
    scale.grow(needs=10, seed=1)
    scale.grow(needs=10, seed=2)
    codes = list(db.session.scalars(select(Enterprise.credit_code)))
    assert len(codes) == len(set(codes)) == 4
    assert all(uscc.is_valid(code) for code in codes)


def test_seed_scale_command(runner):
    result = runner.invoke(args=["seed-scale", "--graduates", "50", "--needs", "10",
                                 "--projects", "2", "--interests", "2"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "added      50 graduates" in result.output
    assert _count(Graduate) == 50

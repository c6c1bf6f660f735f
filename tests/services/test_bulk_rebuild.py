"""The set-based rebuild gives the leads and floors of ranking every document alone.

The reference below ranks each document one at a time with ``Matcher.rank`` through ORM
objects and ``matching.facets``, as the rebuild did before it ranked whole sides at
once; the rebuild must give exactly its pairs, flags, scores and floors.
"""

import pytest
from sqlalchemy import event, null, select, update

from matchmaker.extensions import db
from matchmaker.matching import Matcher, Side
from matchmaker.models import (
    Graduate,
    InterestStatus,
    InvestmentProject,
    InvestorInterest,
    Lead,
    LeadKind,
    LeadStatus,
    NeedStatus,
    Role,
    TalentNeed,
)
from matchmaker.services import match_store, matching, rebuild, scale, vetting

K = 3


@pytest.fixture
def world(app, reference):
    """A grown world (graduates, needs, projects, interests with texts, wanted sectors and
    regions) with short lists, so that lists fill up and floors are set."""
    app.config["MATCH_TOP_K"] = K
    scale.grow(graduates=120, needs=16, projects=8, interests=8, seed=7)
    db.session.commit()
    return app


# --- the reference: one document at a time ---------------------------------------------


def _reference(pairing):
    """(leads, floors) as ranking each document alone gives them: leads by pair →
    (score, by offer, by seeker); floors by (is_offer, id)."""
    model = match_store.load(pairing.kind.value)[1]
    matcher = Matcher(pairing.kind.value, model)
    places = matching.Places()
    taken = {True: set(), False: set()}
    if pairing is matching.TALENT:
        taken = {True: vetting.filled_need_ids(), False: vetting.hired_graduate_ids()}
    rows, sides = {}, {}
    for is_offer, kind in ((True, pairing.offer), (False, pairing.seeker)):
        rows[is_offer] = list(db.session.scalars(select(kind).order_by(kind.id)))
        sides[is_offer] = Side(
            [r.id for r in rows[is_offer]],
            model.transform([r.tokens for r in rows[is_offer]]),
            [matching.facets(r, places) for r in rows[is_offer]],
            [matching.is_active(r) and r.id not in taken[is_offer] for r in rows[is_offer]],
        )
    reviewed = {
        (getattr(lead, pairing.offer_key), getattr(lead, pairing.seeker_key))
        for lead in db.session.scalars(
            select(Lead).where(Lead.kind == pairing.kind, Lead.status != LeadStatus.SUGGESTED)
        )
    }
    k, min_score = matching._top_k(), matching._min_score()
    leads, floors = {}, {}
    for is_offer in (True, False):
        for position, document in enumerate(rows[is_offer]):
            floors[(is_offer, document.id)] = None
            if not sides[is_offer].active[position]:
                continue
            mine = 0 if is_offer else 1
            exclude = {pair[1 - mine] for pair in reviewed if pair[mine] == document.id}
            matches = matcher.rank(
                document.tokens, matching.facets(document, places), sides[not is_offer],
                query_is_need=is_offer, k=k, min_score=min_score, exclude=exclude,
                vector=sides[is_offer].vectors[position],
            )  # fmt: skip
            for match in matches:
                pair = (document.id, match.id) if is_offer else (match.id, document.id)
                _, by_offer, by_seeker = leads.get(pair, (None, False, False))
                leads[pair] = (round(match.score, 6), by_offer or is_offer,
                               by_seeker or not is_offer)  # fmt: skip
            if len(matches) >= k:
                floors[(is_offer, document.id)] = float(matches[-1].score)
    return leads, floors


def _written(pairing):
    leads = {
        (getattr(lead, pairing.offer_key), getattr(lead, pairing.seeker_key)): (
            lead.score, lead.ranked_by_offer, lead.ranked_by_seeker,
        )
        for lead in db.session.scalars(
            select(Lead).where(Lead.kind == pairing.kind, Lead.status == LeadStatus.SUGGESTED)
        )
    }  # fmt: skip
    floors = {}
    for is_offer, kind in ((True, pairing.offer), (False, pairing.seeker)):
        for ident, floor in db.session.execute(select(kind.id, kind.match_floor)):
            floors[(is_offer, ident)] = floor
    return leads, floors


def _assert_as_reference():
    for pairing in matching.PAIRINGS:
        expected_leads, expected_floors = _reference(pairing)
        leads, floors = _written(pairing)
        assert leads == expected_leads, pairing.kind
        assert floors == expected_floors, pairing.kind
        assert expected_leads, "compared on something"
        if pairing is matching.TALENT:
            assert any(f is not None for f in expected_floors.values()), "full lists too"


def _reviewed_rows() -> dict:
    columns = Lead.__table__.c
    query = select(*columns).where(Lead.status != LeadStatus.SUGGESTED).order_by(Lead.id)
    return {row.id: tuple(row) for row in db.session.execute(query)}


# --- the rebuild against the reference -------------------------------------------------


def test_load_side_reads_what_matching_makes_of_each_document(world):
    places = matching.Places()
    hired = db.session.scalar(select(Graduate).order_by(Graduate.id).limit(1))
    graduate = db.session.scalars(select(Graduate).order_by(Graduate.id)).all()[5]
    graduate.open_to_matching = False
    need = db.session.scalar(select(TalentNeed).order_by(TalentNeed.id).limit(1))
    need.status = NeedStatus.CLOSED
    db.session.add(
        Lead(kind=LeadKind.TALENT, talent_need_id=need.id, graduate_id=hired.id,
             status=LeadStatus.HIRED, score=0.5)
    )  # fmt: skip
    db.session.execute(update(Graduate).where(Graduate.id == hired.id).values(tokens=null()))
    db.session.flush()
    db.session.expire_all()
    for pairing in matching.PAIRINGS:
        taken = {True: set(), False: set()}
        if pairing is matching.TALENT:
            taken = {True: vetting.filled_need_ids(), False: vetting.hired_graduate_ids()}
        for is_offer, kind in ((True, pairing.offer), (False, pairing.seeker)):
            side = rebuild.load_side(pairing, is_offer, places)
            rows = list(db.session.scalars(select(kind).order_by(kind.id)))
            assert side.ids.tolist() == [row.id for row in rows]
            assert side.tokens == [row.tokens for row in rows]
            assert side.facets == [matching.facets(row, places) for row in rows]
            active = [matching.is_active(r) and r.id not in taken[is_offer] for r in rows]
            assert side.active.tolist() == active
            if is_offer:
                assert side.sector_id.tolist() == [row.sector_id for row in rows]
                assert side.region_id.tolist() == [row.region_id for row in rows]
            else:
                assert side.sector_id is None and side.region_id is None
    stored = db.session.get(Graduate, hired.id)
    assert stored.tokens == match_store.tokenizer().document(matching.document_fields(stored))


def test_a_rebuild_gives_the_lists_of_ranking_each_document_alone(world):
    summary = matching.rebuild()
    db.session.commit()
    _assert_as_reference()
    for pairing in matching.PAIRINGS:
        counts = summary[pairing.kind.value]
        assert counts["suggested"] == len(_written(pairing)[0])
        assert counts["documents"] == sum(
            db.session.query(kind).count() for kind in (pairing.offer, pairing.seeker)
        )


def test_reviewed_pairs_stale_suggestions_and_inactive_documents(world, monkeypatch):
    matching.rebuild()
    db.session.commit()
    needs = db.session.scalars(select(TalentNeed).order_by(TalentNeed.id)).all()
    graduates = db.session.scalars(select(Graduate).order_by(Graduate.id)).all()
    # a need with more reviewed pairs than E: its best graduates all dismissed
    busy = max(needs, key=lambda n: len(_leads_of(n)))
    best = sorted(_leads_of(busy), key=lambda lead: -lead.score)
    for lead in best:
        lead.status = LeadStatus.DISMISSED
    ranked = rebuild._Pairing._rank_alone
    alone = []

    def counted(self, row, is_offer, k, min_score):
        alone.append((row, is_offer))
        return ranked(self, row, is_offer, k, min_score)

    monkeypatch.setattr(rebuild._Pairing, "_rank_alone", counted)
    monkeypatch.setattr(rebuild, "MAX_EXTRA", 1)
    # some reviewed leads elsewhere, on both sides
    others = db.session.scalars(
        select(Lead).where(Lead.status == LeadStatus.SUGGESTED).order_by(Lead.id)
    ).all()
    for lead in others[::7]:
        lead.status = LeadStatus.INTRODUCED
    # a hire: the need is filled (headcount 1), the graduate hired
    hire = next(
        lead for lead in others[1::7]
        if lead.kind is LeadKind.TALENT and lead.talent_need_id != busy.id
    )  # fmt: skip
    hire.status = LeadStatus.HIRED
    db.session.get(TalentNeed, hire.talent_need_id).headcount = 1
    # inactive documents: a closed need, a graduate who opted out, a closed interest
    closed = next(n for n in needs if n.id not in (busy.id, hire.talent_need_id))
    closed.status = NeedStatus.CLOSED
    quiet = next(g for g in graduates if g.id != hire.graduate_id)
    quiet.open_to_matching = False
    interest = db.session.scalar(select(InvestorInterest).order_by(InvestorInterest.id))
    interest.status = InterestStatus.CLOSED
    # a suggestion no list holds, and one whose score and flags are out of date
    listed = {(lead.talent_need_id, lead.graduate_id) for lead in others}
    stale_pair = next((closed.id, g.id) for g in graduates if (closed.id, g.id) not in listed)
    stale = Lead(kind=LeadKind.TALENT, talent_need_id=stale_pair[0], graduate_id=stale_pair[1],
                 score=0.99, status=LeadStatus.SUGGESTED, ranked_by_offer=True)  # fmt: skip
    db.session.add(stale)
    kept = next(lead for lead in others if lead.status is LeadStatus.SUGGESTED)
    kept_id, kept.score = kept.id, 0.01
    kept.ranked_by_offer = kept.ranked_by_seeker = False
    db.session.commit()
    reviewed = _reviewed_rows()

    summary = matching.rebuild(refit=False)
    db.session.commit()

    _assert_as_reference()
    assert _reviewed_rows() == reviewed, "reviewed leads are never touched"
    stale_now = select(Lead.id).where(
        Lead.talent_need_id == stale_pair[0], Lead.graduate_id == stale_pair[1]
    )
    assert db.session.scalar(stale_now) is None
    assert summary["talent"]["dropped"] >= 1
    assert db.session.scalar(select(Lead.score).where(Lead.id == kept_id)) != 0.01
    assert any(is_offer for _, is_offer in alone), "the busy need was ranked alone"
    suggested = Lead.status == LeadStatus.SUGGESTED
    for column, ident in (
        (Lead.talent_need_id, closed.id),
        (Lead.talent_need_id, hire.talent_need_id),
        (Lead.graduate_id, quiet.id),
        (Lead.graduate_id, hire.graduate_id),
        (Lead.interest_id, interest.id),
    ):
        assert db.session.scalars(select(Lead).where(column == ident, suggested)).all() == []
    assert db.session.get(TalentNeed, closed.id).match_floor is None
    assert db.session.get(InvestorInterest, interest.id).match_floor is None


def _leads_of(need):
    return db.session.scalars(
        select(Lead).where(Lead.talent_need_id == need.id, Lead.status == LeadStatus.SUGGESTED)
    ).all()


def test_a_second_rebuild_changes_nothing_and_progress_counts_every_document(world):
    matching.rebuild()
    db.session.commit()
    before = {lead.id: (lead.score, lead.updated_at) for lead in db.session.scalars(select(Lead))}
    seen = []
    matching.rebuild(refit=False, progress=seen.append)
    db.session.commit()
    after = {lead.id: (lead.score, lead.updated_at) for lead in db.session.scalars(select(Lead))}
    assert after == before
    assert sum(seen) == matching.document_count()
    assert len(seen) >= 4


# --- explanations ---------------------------------------------------------------------


def _explanation_by_rank(lead):
    """What ``Matcher.rank`` says of the lead's pair, the seeker ranked for the offer."""
    pairing = matching.TALENT if lead.kind is LeadKind.TALENT else matching.INVESTMENT
    model = match_store.load(pairing.kind.value)[1]
    places = matching.Places()
    offer = db.session.get(pairing.offer, getattr(lead, pairing.offer_key))
    seekers = db.session.scalars(select(pairing.seeker).order_by(pairing.seeker.id)).all()
    side = Side(
        [s.id for s in seekers],
        model.transform([s.tokens for s in seekers]),
        [matching.facets(s, places) for s in seekers],
    )
    matches = Matcher(pairing.kind.value, model).rank(
        offer.tokens, matching.facets(offer, places), side, query_is_need=True,
        k=len(seekers), min_score=0.0,
    )  # fmt: skip
    return next(m.explanation for m in matches if m.id == getattr(lead, pairing.seeker_key))


def _statements():
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    return seen, record


def test_explanations_are_made_when_shown_as_rank_makes_them(world):
    matching.rebuild()
    db.session.commit()
    leads = db.session.scalars(select(Lead).order_by(Lead.id)).all()
    assert all(lead.explanation == {} for lead in leads)
    talent = [lead for lead in leads if lead.kind is LeadKind.TALENT]
    investment = [lead for lead in leads if lead.kind is LeadKind.INVESTMENT]
    counts = []
    for page in (talent[:2] + investment[:1], talent[2:30] + investment[1:12]):
        seen, record = _statements()
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert rebuild.explain_many(page) == len(page)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        counts.append(len(seen))
    assert counts[0] == counts[1], "a page costs the same statements whatever its size"
    db.session.commit()
    for lead in talent[:30] + investment[:12]:
        db.session.refresh(lead)
        assert lead.explanation == _explanation_by_rank(lead)
        assert lead.explanation["rules"] and "terms" in lead.explanation
    seen, record = _statements()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert rebuild.explain_many(talent[:30]) == 0
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert seen == []


def test_an_explanation_made_when_shown_equals_the_one_a_refresh_writes(world):
    need = db.session.scalar(select(TalentNeed).order_by(TalentNeed.id).limit(1))
    project = db.session.scalar(select(InvestmentProject).order_by(InvestmentProject.id))
    matching.rebuild()
    db.session.commit()
    for document in (need, project):
        matching.refresh(document)  # writes the explanations of its list, from rank
    db.session.commit()
    written = {
        lead.id: lead.explanation for lead in db.session.scalars(select(Lead)) if lead.explanation
    }
    assert written
    db.session.execute(update(Lead).values(explanation={}))
    db.session.commit()
    leads = db.session.scalars(select(Lead).where(Lead.id.in_(written))).all()
    rebuild.explain_many(leads)
    assert {lead.id: lead.explanation for lead in leads} == written


def test_the_pages_show_the_explanations_a_rebuild_left_to_be_made(client, auth, reference):
    from tests.web.test_suggestions import _pair

    _pair(auth.make_user, reference)
    matching.rebuild()
    db.session.commit()
    lead = db.session.scalar(select(Lead))
    assert lead.explanation == {}
    auth.login_as(Role.DEPUTY)  # 陈化店镇 station, sectors 花木/园林 and 花卉深加工
    for url in ("/deputy/suggestions", f"/leads/{lead.id}"):
        db.session.execute(update(Lead).values(explanation={}))
        db.session.commit()
        page = client.get(url).text
        db.session.refresh(lead)
        assert lead.explanation == _explanation_by_rank(lead), url
        for term, _weight in lead.explanation["terms"][:3]:
            assert term.startswith("§") or term in page, (url, term)
        assert f"{round(lead.explanation['text'] * 100)}%" in page


def test_scores_are_rounded_as_python_rounds_them():
    import numpy as np

    rng = np.random.default_rng(3)
    halves = (np.arange(5000) + 0.5) / 1e6
    values = np.concatenate(
        [rng.random(20000), halves, np.nextafter(halves, 0), np.nextafter(halves, 1)]
    )
    rounded = rebuild.round_like_python(values, 6)
    assert rounded.tolist() == [round(v, 6) for v in values.tolist()]

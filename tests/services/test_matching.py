"""Suggestions in the app: created on write, refreshed incrementally, rebuilt on demand."""

import json
import threading

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Graduate, Lead, LeadStatus, NeedStatus, Role, TalentNeed
from matchmaker.services import match_store, matching, postings, profiles
from tests.factories import graduate_profile

HORTICULTURE_NEED = dict(
    title="花木栽培技术员",
    description="负责紫荆、月季苗木的栽培管理、嫁接育苗和病虫害防治，要求园艺或园林专业。",
    min_degree="associate",
)


@pytest.fixture
def firm(make_user):
    return make_user(Role.ENTERPRISE).enterprise


def _graduate(make_user, reference, **changes):
    profile = {**graduate_profile(reference), **changes}
    return make_user(Role.GRADUATE, **profile).graduate


def _need(firm, reference, **changes):
    values = {
        **HORTICULTURE_NEED,
        "sector_id": reference.sector("horticulture").id,
        "region_id": reference.region("河南省/许昌市/鄢陵县/陈化店镇").id,
        **changes,
    }
    need = postings.save_need(firm, **values)
    db.session.commit()
    return need


def _leads() -> dict[tuple[int, int], tuple[str, float, bool, bool]]:
    rows = db.session.scalars(select(Lead).where(Lead.kind == "talent")).all()
    return {
        (lead.talent_need_id, lead.graduate_id): (
            lead.status.value,
            round(lead.score, 5),
            lead.ranked_by_offer,
            lead.ranked_by_seeker,
        )
        for lead in rows
    }


def test_a_new_need_gets_suggestions_with_explanations(firm, make_user, reference):
    gardener = _graduate(
        make_user, reference, major="园艺", skills="嫁接育苗, 月季修剪, 病虫害防治"
    )
    coder = _graduate(
        make_user,
        reference,
        major="软件工程",
        skills="Java, Spring",
        intro="想做后端开发。",
        wanted_sector_ids=[reference.sector("ecommerce").id],
    )
    need = _need(firm, reference)
    leads = db.session.scalars(select(Lead).where(Lead.talent_need_id == need.id)).all()
    assert [lead.graduate_id for lead in leads] == [gardener.id]
    lead = leads[0]
    assert lead.status is LeadStatus.SUGGESTED
    assert lead.station.name == "陈化店镇人大代表联络站"
    assert lead.sector.code == "horticulture"
    assert 0 < lead.score <= 1
    terms = [term for term, _ in lead.explanation["terms"]]
    assert {"嫁接", "病虫害防治", "月季", "花木", "栽培"} & set(terms)
    assert lead.explanation["rules"] == {"sector": "pass", "region": "pass", "degree": "pass"}
    assert coder.id not in {lead.graduate_id for lead in leads}


def test_tokens_are_stored_when_written(firm, reference):
    need = _need(firm, reference)
    assert "花木" in need.tokens["title"]
    assert "嫁接" in need.tokens["text"]


def test_a_dismissed_pair_is_never_suggested_again(firm, make_user, reference):
    graduate = _graduate(make_user, reference)
    need = _need(firm, reference)
    lead = db.session.scalar(select(Lead).where(Lead.graduate_id == graduate.id))
    lead.status = LeadStatus.DISMISSED
    db.session.commit()
    postings.save_need(
        firm,
        **{**HORTICULTURE_NEED, "title": "园艺技术员"},
        sector_id=need.sector_id,
        region_id=need.region_id,
        need=need,
    )
    profiles.save_graduate(graduate.user, **graduate_profile(reference))
    db.session.commit()
    rows = db.session.scalars(select(Lead).where(Lead.graduate_id == graduate.id)).all()
    assert [(r.id, r.status) for r in rows] == [(lead.id, LeadStatus.DISMISSED)]


def test_closing_a_need_withdraws_its_open_suggestions(firm, make_user, reference):
    _graduate(make_user, reference)
    need = _need(firm, reference)
    assert db.session.scalars(select(Lead).where(Lead.talent_need_id == need.id)).all()
    postings.close_posting(need, "closed")
    db.session.commit()
    assert need.status is NeedStatus.CLOSED
    assert db.session.scalars(select(Lead).where(Lead.talent_need_id == need.id)).all() == []


def test_switching_matching_off_drops_and_on_restores(firm, make_user, reference):
    graduate = _graduate(make_user, reference)
    _need(firm, reference)
    profiles.set_open_to_matching(graduate, False)
    db.session.commit()
    assert db.session.scalars(select(Lead).where(Lead.graduate_id == graduate.id)).all() == []
    profiles.set_open_to_matching(graduate, True)
    db.session.commit()
    assert len(db.session.scalars(select(Lead).where(Lead.graduate_id == graduate.id)).all()) == 1


def test_no_lead_is_duplicated_by_refreshing_both_sides(firm, make_user, reference):
    graduate = _graduate(make_user, reference)
    need = _need(firm, reference)
    for _ in range(3):
        matching.refresh(need)
        matching.refresh(graduate)
    db.session.commit()
    pairs = [(lead.talent_need_id, lead.graduate_id) for lead in db.session.scalars(select(Lead))]
    assert pairs == [(need.id, graduate.id)]


def test_incremental_refresh_equals_a_full_rebuild(app, firm, make_user, reference):
    app.config["MATCH_TOP_K"] = 2  # small lists, so entering and leaving them happens
    app.config["MATCH_MIN_SCORE"] = 0.05
    majors = ["园艺", "园林技术", "植物保护", "电子商务", "食品科学与工程", "园艺"]
    graduates = [_graduate(make_user, reference, major=m, skills=m) for m in majors]
    titles = ["花木栽培技术员", "园林设计师", "电商运营", "植保员"]
    needs = [
        _need(firm, reference, title=t, description=f"{t}，鄢陵花木企业招聘。") for t in titles
    ]
    matching.rebuild(refit=True)  # one model for everything below
    db.session.commit()
    # changes through the services, each refreshed incrementally
    postings.save_need(
        firm,
        title="月季嫁接技术员",
        description="月季嫁接、扦插育苗。",
        sector_id=needs[0].sector_id,
        region_id=needs[0].region_id,
        need=needs[2],
    )
    profiles.save_graduate(
        graduates[3].user, **{**graduate_profile(reference), "major": "园艺", "skills": "月季嫁接"}
    )
    postings.close_posting(needs[1], "filled")
    profiles.set_open_to_matching(graduates[0], False)
    db.session.commit()
    incremental = _leads()
    matching.rebuild(refit=False)
    db.session.commit()
    assert _leads() == incremental
    assert incremental  # the comparison is not between two empty sets


def test_rebuild_command_and_persisted_model(app, runner, firm, make_user, reference):
    _graduate(make_user, reference)
    _need(firm, reference)
    before = match_store.version("talent")
    result = runner.invoke(args=["rebuild-matches"])
    assert result.exit_code == 0, result.output
    assert "talent" in result.output
    assert match_store.version("talent") == before + 1
    manifest = json.loads((match_store._folder() / "manifest.json").read_text())
    assert manifest["talent"]["documents"] == 2


def test_a_tampered_model_file_is_not_loaded(app, firm, reference):
    _need(firm, reference)
    entry = json.loads((match_store._folder() / "manifest.json").read_text())["talent"]
    path = match_store._folder() / entry["file"]
    path.write_bytes(path.read_bytes() + b"tampered")
    match_store._models.clear()
    assert match_store.load("talent") is None


def test_graduate_with_only_a_major_still_gets_matched(firm, make_user, reference):
    graduate = _graduate(make_user, reference, major="园艺", skills="", intro="")
    _need(firm, reference, title="园艺技术员")
    assert db.session.scalars(select(Lead).where(Lead.graduate_id == graduate.id)).all()


def test_empty_texts_give_no_matches_not_errors(firm, make_user, reference):
    graduate = _graduate(make_user, reference, major="的", skills="", intro="")
    assert db.session.scalars(select(Lead).where(Lead.graduate_id == graduate.id)).all() == []
    assert isinstance(graduate, Graduate)
    need = _need(firm, reference, title="和", description="的")
    assert isinstance(need, TalentNeed)


def test_a_batch_refresh_equals_a_rebuild(app, firm, make_user, reference):
    app.config["MATCH_TOP_K"] = 2
    app.config["MATCH_MIN_SCORE"] = 0.05
    for major in ("园艺", "园林技术", "电子商务"):
        _graduate(make_user, reference, major=major, skills=major)
    _need(firm, reference)
    matching.rebuild(refit=True)
    db.session.commit()
    new = [
        TalentNeed(enterprise_id=firm.id, title=title, description=f"{title}，鄢陵花木企业。",
                   sector_id=reference.sector("horticulture").id,
                   region_id=reference.region("河南省/许昌市/鄢陵县/陈化店镇").id)
        for title in ("园林设计师", "电商运营", "园艺技术员")
    ]  # fmt: skip
    db.session.add_all(new)
    db.session.flush()
    matching.refresh_many(new)
    db.session.commit()
    batch = _leads()
    matching.rebuild(refit=False)
    db.session.commit()
    assert _leads() == batch and batch


@pytest.fixture
def warm_ups(monkeypatch):
    """The threads ``matching.warm_up`` ran in, once each has finished."""
    ran = []
    real = matching.warm_up

    def counted():
        real()
        ran.append(threading.current_thread().name)

    monkeypatch.setattr(matching, "warm_up", counted)

    def finished() -> list[str]:
        for thread in threading.enumerate():
            if thread.name == "matching-warm-up":
                thread.join(60)
        return ran

    return finished


def test_a_process_loads_the_engine_on_its_first_request(make_app, firm, reference, warm_ups):
    _need(firm, reference)  # a fitted talent model on disk
    match_store._models.clear()
    match_store._tokenizers.clear()
    served = make_app(WARM_UP=True).test_client()
    served.get("/")
    assert warm_ups() == ["matching-warm-up"]
    assert match_store._tokenizers, "jieba and the lexicon were not loaded"
    assert [kind for _, kind in match_store._models] == ["talent"]
    served.get("/")
    served.get("/auth/login")
    assert warm_ups() == ["matching-warm-up"], "warmed up once per process, not per request"


def test_no_warm_up_under_test_unless_asked(make_app, firm, reference, warm_ups):
    _need(firm, reference)
    match_store._models.clear()
    make_app().test_client().get("/")
    assert warm_ups() == [] and match_store._models == {}

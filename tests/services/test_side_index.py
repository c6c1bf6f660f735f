"""The ranking process's side index: loaded once, saved, and kept by delta."""

from pathlib import Path

import numpy as np
import pytest

from matchmaker.extensions import db
from matchmaker.models import Role
from matchmaker.services import matching, postings, rebuild, side_index
from tests.factories import graduate_profile

MAJORS = ["园艺", "园林", "机械设计制造", "电气自动化", "会计", "植物保护"]


@pytest.fixture
def world(make_user, reference):
    firm = make_user(Role.ENTERPRISE).enterprise
    graduates = [
        make_user(
            Role.GRADUATE,
            **{**graduate_profile(reference), "major": major, "skills": "嫁接育苗, 病虫害防治"},
        ).graduate
        for major in MAJORS
    ]
    postings.save_need(
        firm, title="花木栽培技术员", description="负责月季苗木栽培和嫁接育苗。",
        sector_id=reference.sector("horticulture").id,
        region_id=reference.region("河南省/许昌市/鄢陵县/陈化店镇").id,
    )  # fmt: skip
    db.session.commit()
    return graduates


@pytest.fixture
def reads(monkeypatch):
    """How many documents each read of the database returned, in order."""
    counts = []
    real = rebuild.load_side

    def counting(*args, **kwargs):
        found = real(*args, **kwargs)
        counts.append(len(found))
        return found

    monkeypatch.setattr(rebuild, "load_side", counting)
    return counts


def _rows(index, is_offer):
    rows = index.sides[is_offer]
    order = np.argsort(rows.ids)
    return rows.ids[order].tolist(), rows.vectors[order].toarray(), [rows.facets[i] for i in order]


def _new_process(app) -> None:
    """Forget the kept indexes, and the saved ones too: the next ranking builds anew."""
    side_index.forget()
    (Path(app.config["MATCH_STORE_DIR"]) / "index-talent.pickle").unlink(missing_ok=True)


def test_a_change_is_read_alone_and_gives_the_rows_of_a_full_build(app, world, reads):
    _new_process(app)
    first = matching._ranking(matching.TALENT).index
    assert sum(reads) == len(world) + 1  # the first build reads both sides once
    reads.clear()
    changed = world[2]
    changed.skills = "PLC 编程, 设备维护"
    matching.changed(changed)  # (the immediate queue ranks it at the commit)
    db.session.commit()
    kept = matching._ranking(matching.TALENT).index
    assert kept is first  # the same index, kept
    assert reads and max(reads) <= 1  # only what changed was read, never a whole side
    _new_process(app)
    fresh = matching._ranking(matching.TALENT).index
    for is_offer in (True, False):
        kept_ids, kept_vectors, kept_facets = _rows(kept, is_offer)
        ids, vectors, facets = _rows(fresh, is_offer)
        assert kept_ids == ids and kept_facets == facets
        assert np.array_equal(kept_vectors, vectors)


def test_a_restart_loads_the_saved_index_and_catches_up(world, reads):
    side_index.forget()
    built = matching._ranking(matching.TALENT).index
    side_index.save(built)
    changed = world[0]
    changed.major = "林学"
    matching.changed(changed)
    db.session.commit()
    side_index.forget()  # a new process
    reads.clear()
    loaded = matching._ranking(matching.TALENT).index
    assert loaded is not built and loaded.version == built.version
    assert reads and max(reads) <= 1  # loaded from disk: nothing re-read but the change
    position = loaded.position(False, changed.id)
    vector = loaded.sides[False].vectors[position]
    expected = loaded.model.transform([changed.tokens])
    assert np.allclose(vector.toarray(), expected.toarray())


def test_a_file_not_signed_by_this_installation_is_not_loaded(app, world):
    side_index.forget()
    index = matching._ranking(matching.TALENT).index
    side_index.save(index)
    app.config["SECRET_KEY"] = "another-installation"
    assert side_index._load("talent", index.version, index.model) is None

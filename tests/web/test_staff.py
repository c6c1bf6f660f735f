from matchmaker.extensions import db
from matchmaker.models import Role


def test_staff_sees_own_station(client, auth):
    auth.login_as(Role.STAFF)
    assert "陈化店镇人大代表联络站" in client.get("/station/").text


def test_staff_verifies_enterprises_of_its_county_only(client, auth, make_user, reference):
    auth.login_as(Role.STAFF)  # station in 鄢陵县
    local = make_user(Role.ENTERPRISE).enterprise
    far = make_user(
        Role.ENTERPRISE, region_id=reference.region("河南省/濮阳市/华龙区/孟轲乡").id
    ).enterprise
    listing = client.get("/station/enterprises").text
    assert local.name in listing and far.name not in listing
    assert client.post(f"/station/enterprises/{far.id}/verify").status_code == 404
    client.post(f"/station/enterprises/{local.id}/verify")
    db.session.refresh(local)
    assert local.verified is True

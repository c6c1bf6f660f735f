from matchmaker.extensions import db
from matchmaker.models import Role


def test_deputy_sees_station_and_sectors(client, auth):
    user = auth.login_as(Role.DEPUTY)
    page = client.get("/deputy/").text
    assert "陈化店镇人大代表联络站" in page
    assert user.deputy.sectors[0].name_zh in page
    assert "乡镇人大代表" in page


def test_deputy_edits_sectors_within_the_station(client, auth, reference):
    user = auth.login_as(Role.DEPUTY)
    tea = reference.sector("tea")  # not served by 陈化店镇
    ecommerce = reference.sector("ecommerce")
    response = client.post(
        "/deputy/profile", data={"affiliation": "花木协会会长", "sector_ids": [ecommerce.id]}
    )
    assert response.status_code == 302
    db.session.refresh(user.deputy)
    assert [s.code for s in user.deputy.sectors] == ["ecommerce"]
    response = client.post("/deputy/profile", data={"sector_ids": [tea.id]})
    assert response.status_code == 200
    db.session.refresh(user.deputy)
    assert [s.code for s in user.deputy.sectors] == ["ecommerce"]

"""The station poster: a QR code that opens registration with the station chosen."""

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import User
from tests.factories import PASSWORD


def test_poster_and_qr_code(client, reference):
    station = reference.station("陈化店镇人大代表联络站")
    page = client.get(f"/stations/{station.id}/poster").text
    assert station.name in page and f"/auth/register?station={station.id}" in page
    svg = client.get(f"/stations/{station.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert client.get("/stations/9999/poster").status_code == 404


def test_registering_through_the_poster_records_the_station(client, reference):
    station = reference.station("湖东街道人大代表联络站")
    page = client.get(f"/auth/register?station={station.id}").text
    assert "您正在通过湖东街道人大代表联络站注册" in page
    client.post(
        f"/auth/register?station={station.id}",
        data={"role": "graduate", "display_name": "陈静", "email": "cj@test.example",
              "password": PASSWORD, "confirm": PASSWORD, "accept_terms": "y"},
    )  # fmt: skip
    user = db.session.scalar(select(User).where(User.email == "cj@test.example"))
    assert user.registered_via_id == station.id

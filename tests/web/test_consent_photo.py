"""The photo of a signed paper consent form: uploaded by the deputy with the answer, shown
in the lead's history, and served only to the lead's deputy, its station's staff,
administrators and the side whose form it is (once they have an account)."""

import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Consent, ConsentPhoto, LeadStatus
from matchmaker.services.clock import today
from tests.services.test_offline_consent import photo_bytes
from tests.web import two_tenants
from tests.web.pages import said


@pytest.fixture
def world(make_user, reference):
    return two_tenants.build(make_user, reference)


def _answer(lead, photo=None, filename="form.jpg", mimetype="image/jpeg") -> MultiDict:
    data = {
        "record-consent-party": "graduate", "record-consent-agree": "yes",
        "record-consent-method": "paper", "record-consent-given_by": "李明",
        "record-consent-given_on": today().isoformat(),
        "record-consent-fields": ["name", "phone"], "record-consent-notice_read": "y",
    }  # fmt: skip
    if photo is not None:
        data["record-consent-photo"] = FileStorage(
            io.BytesIO(photo), filename, content_type=mimetype
        )
    return MultiDict(data)


def _without_account(world):
    """The talent lead's graduate as a station imported them: no account yet."""
    world.talent.graduate.user_id = None
    db.session.commit()


def _post(client, lead, data: MultiDict):
    """Post the step as a browser does (the body encoded here: the test client would spool a
    large one to a temporary file it never closes)."""
    boundary, body = encode_multipart(data)
    return client.post(
        f"/leads/{lead.id}/record-consent",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


@pytest.fixture
def photographed(world, web_app):
    """The deputy recorded the graduate's paper answer with a photo, then the graduate
    took over their profile with their account."""
    _without_account(world)
    deputy = two_tenants.signed_in(web_app, world.users["deputy"])
    page = deputy.get(f"/leads/{world.talent.id}").text
    form = page[page.index(f"/leads/{world.talent.id}/record-consent") :]
    assert 'enctype="multipart/form-data"' in form[: form.index(">")]
    assert _post(deputy, world.talent, _answer(world.talent, photo_bytes())).status_code == 302
    world.talent.graduate.user_id = world.users["graduate"].id
    db.session.commit()
    return world


def _url(lead, party="graduate"):
    return f"/leads/{lead.id}/consents/{party}/photo"


def test_the_deputy_sends_the_photo_with_the_answer(photographed):
    lead = photographed.talent
    photo = db.session.scalar(select(ConsentPhoto))
    assert photo is not None and photo.content_type == "image/jpeg"
    assert photo.consent.party.value == "graduate" and photo.consent.method.value == "paper"
    assert photo.uploaded_by_id == photographed.users["deputy"].id
    assert db.session.get(type(lead), lead.id).status is LeadStatus.INTRODUCED


@pytest.mark.parametrize(
    ("photo", "filename", "code", "params"),
    [
        (b"I agree, Li Ming", "form.jpg", "photo_type", {}),
        (photo_bytes() + b"\x00" * (5 * 1024 * 1024), "form.jpg", "photo_too_large",
         {"limit_mb": 5}),
    ],
)  # fmt: skip
def test_a_bad_photo_is_refused_and_nothing_is_recorded(
    world, web_app, photo, filename, code, params
):
    _without_account(world)
    deputy = two_tenants.signed_in(web_app, world.users["deputy"])
    response = _post(deputy, world.talent, _answer(world.talent, photo, filename))
    assert response.status_code == 302
    assert said(web_app, code, **params) in deputy.get(response.location).text
    assert db.session.scalar(select(func.count(Consent.id))) == 0
    assert db.session.scalar(select(func.count(ConsentPhoto.id))) == 0


def test_the_step_without_a_photo_records_the_answer(world, web_app):
    _without_account(world)
    deputy = two_tenants.signed_in(web_app, world.users["deputy"])
    assert _post(deputy, world.talent, _answer(world.talent)).status_code == 302
    assert db.session.scalar(select(func.count(Consent.id))) == 1
    assert db.session.scalar(select(func.count(ConsentPhoto.id))) == 0
    assert deputy.get(_url(world.talent)).status_code == 404


@pytest.mark.parametrize("part", ["deputy", "staff", "admin", "graduate"])
def test_those_on_the_lead_and_the_side_itself_open_the_photo(photographed, web_app, part):
    lead = photographed.talent
    client = two_tenants.signed_in(web_app, photographed.users[part])
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    response = client.get(_url(lead))
    assert response.status_code == 200
    assert response.data == db.session.scalar(select(ConsentPhoto)).data
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Content-Disposition"] == "inline"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    viewed = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before + 1
    assert (viewed.action, viewed.actor_id) == (
        "consent_photo_viewed",
        photographed.users[part].id,
    )
    assert viewed.detail == {"lead": lead.id, "party": "graduate"}
    assert _url(lead) in client.get(f"/leads/{lead.id}").text  # the link beside the answer


@pytest.mark.parametrize(
    "part",
    ["firm", "investor", "other_firm", "other_graduate", "far_deputy", "other_sector_deputy",
     "far_staff"],
)  # fmt: skip
def test_everyone_else_gets_404_and_no_link(photographed, web_app, part):
    """The other side of the lead too: the form shows the graduate's signature and name."""
    lead = photographed.talent
    client = two_tenants.signed_in(web_app, photographed.users[part])
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    assert client.get(_url(lead)).status_code == 404
    assert _url(lead) not in client.get(f"/leads/{lead.id}").text
    viewed = select(func.count(AuditEvent.id)).where(AuditEvent.action == "consent_photo_viewed")
    assert db.session.scalar(viewed) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id))) >= before


def test_a_signed_out_visitor_is_sent_to_sign_in(photographed, client):
    response = client.get(_url(photographed.talent))
    assert response.status_code == 302 and "/auth/login" in response.location


def test_no_photo_of_another_side_or_another_lead(photographed, web_app):
    deputy = two_tenants.signed_in(web_app, photographed.users["deputy"])
    assert deputy.get(_url(photographed.talent, "employer")).status_code == 404  # online
    assert deputy.get(_url(photographed.talent, "investor")).status_code == 404  # no such side
    assert deputy.get(_url(photographed.investment, "graduate")).status_code == 404
    assert deputy.get(f"/leads/{photographed.talent.id}/consents/nobody/photo").status_code == 404

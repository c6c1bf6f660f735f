"""Answers given offline: a deputy records the consent of a side without an account (an
imported graduate or firm), with who gave it, when and how; the rule is the same as
online consent, and a side with an account always answers for itself."""

import hashlib
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import (
    Consent,
    ConsentDecision,
    ConsentMethod,
    ConsentParty,
    ConsentPhoto,
    LeadStatus,
)
from matchmaker.services import disclosure
from matchmaker.services import introductions as intro
from matchmaker.services.clock import today
from matchmaker.services.errors import DomainError

G = ConsentParty.GRADUATE


@pytest.fixture
def imported(talent):
    """The fixture's lead, introduced, its graduate without an account (as imported)."""
    lead, graduate_user, employer, deputy = talent
    lead.graduate.user_id = None
    intro.introduce(lead, deputy, "note")
    db.session.commit()
    db.session.refresh(lead)
    return lead, graduate_user, employer, deputy


def _record(lead, deputy, **changes):
    args = dict(
        party=G, agree=True, method=ConsentMethod.IN_PERSON, given_by="李明",
        given_on=today(), fields=["name", "phone"], notice_read=True,
    )  # fmt: skip
    args.update(changes)
    return intro.record_offline_consent(lead, deputy, **args)


def test_a_recorded_consent_counts_as_the_sides_own(imported):
    lead, _, employer, deputy = imported
    assert intro.offline_sides(lead) == [G]
    _record(lead, deputy, method=ConsentMethod.PHONE)
    db.session.commit()
    record = db.session.scalar(select(Consent).where(Consent.party == G))
    assert record.user_id is None and record.recorded_by_id == deputy.id
    assert (record.method, record.given_by, record.fields) == (
        ConsentMethod.PHONE,
        "李明",
        ["name", "phone"],
    )
    assert record.decision is ConsentDecision.GRANTED
    assert intro.offline_sides(lead) == []
    intro.consent(lead, employer, True, intro.NOTICE_VERSION)
    db.session.commit()
    assert lead.status is LeadStatus.CONNECTED
    # the employer sees what the graduate agreed to share, and nothing else
    assert disclosure.value(lead, employer, G, "phone")
    assert disclosure.value(lead, employer, G, "name")
    assert not disclosure.value(lead, employer, G, "email")
    assert not disclosure.value(lead, employer, G, "school")


def test_a_recorded_decline_ends_the_introduction(imported):
    lead, _, _, deputy = imported
    _record(lead, deputy, agree=False, fields=[])
    db.session.commit()
    assert lead.status is LeadStatus.DECLINED
    event = lead.events[-1]
    assert event.detail["method"] == "in_person" and "李明" not in str(event.detail)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"party": ConsentParty.EMPLOYER}, "side_has_account"),
        ({"party": ConsentParty.INVESTOR}, "not_a_side"),
        ({"method": ConsentMethod.ONLINE}, "consent_method"),
        ({"given_by": "  "}, "given_by_required"),
        ({"given_by": "名" * 51}, "given_by_required"),
        ({"given_on": today() + timedelta(days=1)}, "date_in_future"),
        ({"given_on": today() - timedelta(days=3)}, "date_before_introduction"),
        ({"fields": []}, "fields_required"),
        ({"fields": ["password_hash"]}, "fields_required"),
        ({"notice_read": False}, "notice_not_read"),
    ],
)
def test_refused_with_a_reason_and_nothing_recorded(imported, changes, code):
    lead, _, _, deputy = imported
    with pytest.raises(DomainError) as refused:
        _record(lead, deputy, **changes)
    assert refused.value.code == code
    db.session.rollback()
    assert db.session.scalar(select(Consent.id)) is None
    assert db.session.get(type(lead), lead.id).status is LeadStatus.INTRODUCED


def test_only_the_deputy_records_and_only_once(imported, make_user):
    from matchmaker.models import Role

    lead, _, employer, deputy = imported
    other = make_user(Role.GRADUATE, phone="13900000009", email="other@test.example")
    for someone in (employer, make_user(Role.STAFF), other):
        with pytest.raises(DomainError):
            _record(lead, someone)
    _record(lead, deputy)
    with pytest.raises(DomainError) as again:
        _record(lead, deputy)
    assert again.value.code == "already_answered"


def test_a_side_with_an_account_is_never_recorded_for(talent):
    lead, _, _, deputy = talent
    intro.introduce(lead, deputy, "note")
    assert intro.offline_sides(lead) == []
    with pytest.raises(DomainError) as refused:
        _record(lead, deputy)
    assert refused.value.code == "side_has_account"


def test_nothing_to_record_before_the_introduction(talent):
    lead, _, _, deputy = talent
    lead.graduate.user_id = None
    assert intro.offline_sides(lead) == []
    with pytest.raises(DomainError) as refused:
        _record(lead, deputy)
    assert refused.value.code == "transition_not_allowed"


def test_the_deputy_records_it_from_the_lead_page(client, auth, imported):
    """The step shows only to the deputy while a side without an account has not answered;
    a recorded answer reads as such in the lead's history."""
    lead, _, employer, deputy = imported
    auth.login(employer.email)
    assert "record-consent" not in client.get(f"/leads/{lead.id}").text
    auth.logout()
    auth.login(deputy.email)
    page = client.get(f"/leads/{lead.id}").text
    assert f"/leads/{lead.id}/record-consent" in page and "未开通" in page
    data = {
        "record-consent-party": "graduate", "record-consent-agree": "yes",
        "record-consent-method": "paper", "record-consent-given_by": "李明",
        "record-consent-given_on": today().isoformat(),
        "record-consent-fields": ["name", "phone"],
    }  # fmt: skip
    refused = client.post(f"/leads/{lead.id}/record-consent", data=data)  # notice not read
    assert refused.status_code in (302, 303)
    assert db.session.scalar(select(Consent.id)) is None
    done = client.post(
        f"/leads/{lead.id}/record-consent", data={**data, "record-consent-notice_read": "y"}
    )
    assert done.status_code in (302, 303)
    record = db.session.scalar(select(Consent))
    assert (record.method, record.fields) == (ConsentMethod.PAPER, ["name", "phone"])
    page = client.get(f"/leads/{lead.id}").text
    assert f"/leads/{lead.id}/record-consent" not in page
    assert "签字的纸质表" in page  # the history says how it was given


# --- the photo of the signed paper form ---------------------------------------------------


def photo_bytes(kind: str = "JPEG", size=(64, 48), orientation: int | None = None) -> bytes:
    """An image made in memory, with EXIF a phone would write: a camera and a GPS position."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (34.0, 6.0, 30.0), 3: "E", 4: (114.0, 0.0, 15.0)}  # GPS
    if orientation:
        exif[0x0112] = orientation
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    image.save(out, format=kind, exif=exif)
    return out.getvalue()


def _kept(lead):
    db.session.expire_all()
    record = db.session.scalar(select(Consent).where(Consent.lead_id == lead.id))
    return record, record.photo


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")],
)
def test_a_photo_of_the_paper_form_is_kept_without_its_metadata(imported, kind, content_type):
    from PIL import Image

    lead, _, _, deputy = imported
    sent = photo_bytes(kind)
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(0x8825)  # the GPS was there
    _record(lead, deputy, method=ConsentMethod.PAPER, photo=sent)
    db.session.commit()
    record, photo = _kept(lead)
    assert photo is not None and photo.consent_id == record.id
    assert (photo.content_type, photo.uploaded_by_id) == (content_type, deputy.id)
    assert photo.size == len(photo.data) and photo.sha256 == hashlib.sha256(photo.data).hexdigest()
    assert photo.data != sent  # encoded again, not the file as sent
    kept = Image.open(io.BytesIO(photo.data))
    assert kept.format == kind and kept.size == (64, 48)
    assert dict(kept.getexif()) == {}  # no camera, no GPS position
    assert b"PhoneMaker" not in photo.data


def test_a_photo_is_turned_upright_before_its_orientation_tag_goes(imported):
    from PIL import Image

    lead, _, _, deputy = imported
    sideways = photo_bytes("JPEG", size=(64, 48), orientation=6)  # "rotate 90° to view"
    _record(lead, deputy, method=ConsentMethod.PAPER, photo=sideways)
    db.session.commit()
    assert Image.open(io.BytesIO(_kept(lead)[1].data)).size == (48, 64)


def test_whatever_follows_the_image_data_is_not_kept(imported):
    lead, _, _, deputy = imported
    smuggled = photo_bytes("JPEG") + b"<script>alert(1)</script>"
    _record(lead, deputy, method=ConsentMethod.PAPER, photo=smuggled)
    db.session.commit()
    assert b"<script>" not in _kept(lead)[1].data


def _bomb(side: int) -> bytes:
    """A small PNG of one colour that claims ``side`` × ``side`` pixels."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, format="PNG")
    return out.getvalue()


def _gif() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="GIF")
    return out.getvalue()


@pytest.mark.parametrize(
    ("photo", "code"),
    [
        (b"Dear deputy, I agree.\n", "photo_type"),  # a text file called form.jpg
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "photo_type"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "photo_type"),  # a JPEG header, nothing after
        (lambda: photo_bytes("JPEG")[:200], "photo_type"),  # cut short
        (_gif, "photo_type"),  # an image, but not one of the three types
        (lambda: photo_bytes("JPEG") + b"\x00" * (5 * 1024 * 1024), "photo_too_large"),
        (lambda: _bomb(8000), "photo_too_many_pixels"),  # 64 megapixels in a few kilobytes
        (lambda: _bomb(12_000), "photo_too_many_pixels"),  # past Pillow's own warning
        (lambda: _bomb(40_000), "photo_too_many_pixels"),  # past Pillow's own limit
    ],
)
def test_a_refused_photo_records_nothing(imported, photo, code):
    lead, _, _, deputy = imported
    data = photo() if callable(photo) else photo
    with pytest.raises(DomainError) as refused:
        _record(lead, deputy, method=ConsentMethod.PAPER, photo=data)
    assert (refused.value.code, refused.value.field) == (code, "photo")
    db.session.rollback()
    assert db.session.scalar(select(Consent.id)) is None
    assert db.session.scalar(select(ConsentPhoto.id)) is None
    assert db.session.get(type(lead), lead.id).status is LeadStatus.INTRODUCED


def test_a_photo_belongs_to_an_answer_given_on_paper(imported):
    lead, _, _, deputy = imported
    with pytest.raises(DomainError) as refused:
        _record(lead, deputy, method=ConsentMethod.PHONE, photo=photo_bytes())
    assert (refused.value.code, refused.value.field) == ("photo_needs_paper", "photo")
    _record(lead, deputy, method=ConsentMethod.PHONE, photo=None)  # without one: fine
    db.session.commit()
    assert _kept(lead)[1] is None


def test_the_photo_goes_with_its_consent(imported):
    lead, _, _, deputy = imported
    _record(lead, deputy, method=ConsentMethod.PAPER, agree=False, fields=[], photo=photo_bytes())
    db.session.commit()
    assert lead.status is LeadStatus.DECLINED  # a signed refusal may be photographed too
    record, _ = _kept(lead)
    db.session.delete(record)
    db.session.commit()
    assert db.session.scalar(select(ConsentPhoto.id)) is None


def test_erasing_the_graduate_deletes_the_photo_of_their_form(imported):
    from matchmaker.services import privacy

    lead, graduate_user, _, deputy = imported
    _record(lead, deputy, method=ConsentMethod.PAPER, photo=photo_bytes())
    db.session.commit()
    lead.graduate.user_id = graduate_user.id  # they took over their profile
    db.session.commit()
    privacy.scrub(lead.graduate)
    db.session.commit()
    assert db.session.scalar(select(ConsentPhoto.id)) is None
    record, _ = _kept(lead)
    assert record.withdrawn_at is not None  # the consent itself stays, ended

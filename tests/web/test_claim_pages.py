"""The claim journey through the pages: staff see who has no account (未开通) on their
registers and print an invitation, shown once; its QR code opens the claim page with the
code filled in; the person claims with the mobile number on file and signs in; sign-up
with a number the station holds asks for the code; hostile input is refused clearly."""

import re

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import ConsentMethod, ConsentParty, Graduate, ProfileClaim, User
from matchmaker.services import introductions as intro
from matchmaker.services.clock import today
from tests.factories import PASSWORD
from tests.web import two_tenants
from tests.web.pages import said

CODE = re.compile(r'<code class="claim-code">([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</code>')
NEW = "a new and long pass phrase"
RECORDED = (
    "A deputy recorded %(count)d answer(s) you gave in person, by phone or on a signed"
    " form. Each is shown on its introduction, where you can withdraw it."
)


def _shown(app, message: str, **params) -> str:
    """A message as the (Chinese) page shows it."""
    from flask_babel import force_locale, gettext
    from markupsafe import escape

    with app.test_request_context(), force_locale("zh"):
        return str(escape(gettext(message, **params)))


@pytest.fixture
def world(make_user, reference):
    return two_tenants.build(make_user, reference)


@pytest.fixture
def held(world):
    """The world's graduate, introduced, as a station's roster brings people in: no
    account, a mobile number on file."""
    graduate = world.users["graduate"].graduate
    graduate.user_id = None
    graduate.phone = "+8613912340001"
    db.session.commit()
    return graduate


def _invite(staff, graduate_id: int):
    page = staff.get("/station/graduates")
    assert f'action="/station/graduates/{graduate_id}/invitation"' in page.text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    data = {"csrf_token": token.group(1)} if token else {}
    return staff.post(f"/station/graduates/{graduate_id}/invitation", data=data)


def _claim(client, code: str, on_file: str = "139 1234 0001", **extra):
    data = {"claim_code": code, "on_file": on_file, "password": NEW, "confirm": NEW,
            "accept_terms": "y"} | extra  # fmt: skip
    return client.post("/auth/claim", data=data)


def test_staff_print_an_invitation_once_and_the_person_claims_with_it(world, held, web_app, client):
    staff = two_tenants.signed_in(web_app, world.users["staff"])
    register = staff.get("/station/graduates").text
    assert _shown(web_app, "No account (未开通)") in register
    issued = _invite(staff, held.id)
    assert issued.status_code == 200 and issued.headers["Cache-Control"] == "no-store"
    codes = CODE.findall(issued.text)
    assert len(codes) == 1 and "<svg" in issued.text
    code = codes[0]
    link = f"/auth/claim?code={code}"
    assert link in issued.text  # the QR code's link, also printed under the steps
    assert code not in staff.get("/station/graduates").text  # shown once
    ends = _shown(web_app, "invited, until %(date)s", date="")[:4]
    assert ends in staff.get("/station/graduates").text

    opened = client.get(link)
    assert f'value="{code}"' in opened.text  # the QR code fills the code in
    claimed = _claim(client, code)
    assert claimed.status_code == 302 and claimed.headers["Location"] == "/home"
    db.session.expire_all()
    claimed_profile = db.session.get(Graduate, held.id)
    assert claimed_profile.user.phone == "+8613912340001"
    home = client.get("/", follow_redirects=True)
    assert held.name in home.text  # signed in, on the profile's own home
    signed_out = web_app.test_client()
    again = signed_out.post("/auth/login", data={"email": "13912340001", "password": NEW})
    assert again.status_code == 302  # signs in with the mobile number from now on
    assert _shown(web_app, "Has an account") in staff.get("/station/graduates").text


def test_a_refused_password_writes_nothing_and_the_code_still_works(world, held, web_app, client):
    staff = two_tenants.signed_in(web_app, world.users["staff"])
    code = CODE.findall(_invite(staff, held.id).text)[0]
    users = db.session.scalar(select(func.count(User.id)))
    weak = "12345678"  # long enough for the form, too common for the service
    refused = _claim(client, code, password=weak, confirm=weak)
    assert refused.status_code == 200 and said(web_app, "password_common") in refused.text
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id))) == users
    assert db.session.scalar(select(ProfileClaim.used_at)) is None
    assert db.session.get(Graduate, held.id).user_id is None
    assert _claim(client, code).status_code == 302


def test_another_stations_staff_cannot_invite_and_get_404(world, held, web_app):
    far = two_tenants.signed_in(web_app, world.users["far_staff"])
    assert far.post(f"/station/graduates/{held.id}/invitation").status_code == 404
    assert db.session.scalar(select(func.count(ProfileClaim.id))) == 0


def test_a_recorded_answer_greets_the_claimant_who_can_withdraw_it(world, held, web_app, client):
    lead = world.talent
    deputy = world.users["deputy"]
    intro.record_offline_consent(
        lead, deputy, ConsentParty.GRADUATE, True, ConsentMethod.PAPER, held.name, today(),
        ["name", "phone"], True,
    )  # fmt: skip
    db.session.commit()
    staff = two_tenants.signed_in(web_app, world.users["staff"])
    code = CODE.findall(_invite(staff, held.id).text)[0]
    welcome = _claim(client, code, on_file="+86 139-1234-0001")
    assert welcome.status_code == 302
    home = client.get("/", follow_redirects=True).text
    assert _shown(web_app, RECORDED, count=1) in home
    page = client.get(f"/leads/{lead.id}")
    assert page.status_code == 200 and f"/leads/{lead.id}/withdraw" in page.text


def test_sign_up_with_a_number_the_station_holds_asks_for_the_code(world, held, web_app, client):
    data = {"role": "graduate", "display_name": "李明", "phone": "13912340001",
            "password": NEW, "confirm": NEW, "accept_terms": "y"}  # fmt: skip
    refused = client.post("/auth/register", data=data)
    assert refused.status_code == 200
    assert said(web_app, "claim_code_needed") in refused.text
    users = db.session.scalar(select(func.count(User.id)))
    profiles = db.session.scalar(select(func.count(Graduate.id)))
    staff = two_tenants.signed_in(web_app, world.users["staff"])
    code = CODE.findall(_invite(staff, held.id).text)[0]
    joined = client.post("/auth/register", data=data | {"claim_code": code.lower()})
    assert joined.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id))) == users + 1
    assert db.session.scalar(select(func.count(Graduate.id))) == profiles
    assert db.session.get(Graduate, held.id).user.phone == "+8613912340001"


def test_a_signed_in_account_without_a_profile_claims_with_two_fields(
    world, held, web_app, make_user
):
    from matchmaker import terms
    from matchmaker.models import Role
    from matchmaker.services import accounts

    user = accounts.register("new@test.example", PASSWORD, Role.GRADUATE, "新用户",
                             terms_version=terms.current_version())  # fmt: skip
    db.session.commit()
    client = two_tenants.signed_in(web_app, user)
    form = client.get("/auth/claim").text
    assert 'name="on_file"' in form and 'name="password"' not in form
    staff = two_tenants.signed_in(web_app, world.users["staff"])
    code = CODE.findall(_invite(staff, held.id).text)[0]
    done = client.post("/auth/claim", data={"claim_code": code, "on_file": "13912340001"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).graduate is not None


@pytest.mark.parametrize(
    "code, on_file",
    [("长" * 10_000, "13912340001"), ("ABCD-EFGH-JKMN", "x" * 300), ("<script>", "a\x00b"),
     ("", ""), ("9" * 64, "１３９１２３４０００１")],
)  # fmt: skip
def test_hostile_claims_get_a_clear_answer_and_write_nothing(world, held, client, code, on_file):
    users = db.session.scalar(select(func.count(User.id)))
    response = _claim(client, code, on_file)
    assert response.status_code == (400 if "\x00" in on_file else 200)  # NUL: refused whole
    assert "<script>" not in response.text
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id))) == users

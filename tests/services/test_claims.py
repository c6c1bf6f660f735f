"""People and firms a station registered take over their profile with the station's
claim code: the code works once, for its time, with the details on file; five wrong
tries void it; a new invitation voids the old one. Sign-up and the profile forms never
make a second profile of someone the station holds, and a roster never makes a second
one of, or overwrites, a profile its owner keeps with an account (both ways round)."""

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from matchmaker import terms
from matchmaker.extensions import db
from matchmaker.models import (
    AuditEvent,
    Consent,
    ConsentMethod,
    ConsentParty,
    Enterprise,
    Graduate,
    ProfileClaim,
    Role,
    User,
)
from matchmaker.services import claims, imports, privacy, profiles
from matchmaker.services import introductions as intro
from matchmaker.services.clock import now, today
from matchmaker.services.errors import DomainError
from tests.factories import PASSWORD, enterprise_profile, graduate_profile

MOBILE = "13912340001"
E164 = "+8613912340001"


def _roster(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(imports.GRADUATE_COLUMNS))
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in imports.GRADUATE_COLUMNS})
    return out.getvalue().encode("utf-8")


def _person(**changes) -> dict:
    return {
        "姓名": "赵小花", "毕业院校": "许昌学院", "专业": "园林", "学历": "本科",
        "出生年月": "2001.03", "家乡": "许昌市鄢陵县陈化店镇", "手机号码": "139 1234 0001",
    } | changes  # fmt: skip


def _import(actor, rows: list[dict]) -> imports.Preview:
    result = imports.preview("graduates", "花名册.csv", _roster(rows))
    assert result.ok, result.problems
    imports.apply(result, actor)
    db.session.commit()
    return result


@pytest.fixture
def staff(make_user):
    return make_user(Role.STAFF)


@pytest.fixture
def imported(staff):
    """A graduate the station imported from its roster: no account."""
    _import(staff, [_person()])
    return db.session.scalar(select(Graduate).where(Graduate.phone == E164))


def _sign_up(**changes):
    details = dict(
        email=None, phone=MOBILE, password=PASSWORD, role=Role.GRADUATE, display_name="赵小花",
        terms_version=terms.current_version(),
    ) | changes  # fmt: skip
    return claims.sign_up(**details)


def _graduates() -> int:
    return db.session.scalar(select(func.count(Graduate.id)))


def test_staff_invite_their_stations_people_and_the_code_is_kept_only_hashed(staff, imported):
    invitation = claims.issue(staff, imported)
    db.session.commit()
    record = db.session.scalar(select(ProfileClaim))
    assert record.graduate_id == imported.id and record.issued_by_id == staff.id
    plain = invitation.code.replace("-", "")
    assert len(plain) == 12 and plain not in record.code_sha256
    assert now() + timedelta(days=29) < invitation.expires_at <= now() + timedelta(days=30)
    assert claims.open_invitation(imported).id == record.id
    action = db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()))
    assert action == "claim_code_issued"


def test_only_the_area_station_invites_and_only_people_without_an_account(
    staff, imported, make_user, reference
):
    imported.hometown = reference.region("河南省/濮阳市/华龙区/孟轲乡")  # another station's area
    imported.registered_by_id = None  # … and not brought in by this station's roster
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        claims.issue(staff, imported)
    assert refused.value.code == "profile_not_in_care"
    assert claims.issue(make_user(Role.ADMIN), imported).code  # an administrator may
    with pytest.raises(DomainError) as owned:
        claims.issue(staff, make_user(Role.GRADUATE).graduate)
    assert owned.value.code == "profile_has_account"
    for role in (Role.DEPUTY, Role.GRADUATE, Role.ENTERPRISE):
        with pytest.raises(DomainError):
            claims.issue(make_user(role), imported)


def test_claiming_makes_the_account_links_the_profile_and_spends_the_code(staff, imported):
    code = claims.issue(staff, imported).code
    db.session.commit()
    # typed as heard: lower case, spaces; the number as the station wrote it, full-width
    user, profile = claims.claim_with_new_account(
        code.lower().replace("-", " "), "１３９-1234-0001", password=PASSWORD,
        terms_version=terms.current_version(),
    )  # fmt: skip
    db.session.commit()
    assert profile.id == imported.id and profile.user_id == user.id
    assert (user.role, user.phone, user.display_name) == (Role.GRADUATE, E164, "赵小花")
    assert user.terms_version == terms.current_version()
    assert _graduates() == 1
    record = db.session.scalar(select(ProfileClaim))
    assert record.used_by_id == user.id and record.used_at is not None
    with pytest.raises(DomainError) as again:  # once only
        claims.claim_with_new_account(code, MOBILE, password=PASSWORD, terms_version="x")
    assert again.value.code == "claim_code_wrong"


@pytest.mark.parametrize("wrong", ["13912340002", "someone@test.example", ""])
def test_wrong_details_count_and_the_fifth_voids_the_code(staff, imported, wrong):
    code = claims.issue(staff, imported).code
    db.session.commit()
    for _ in range(claims.CLAIM_MAX_FAILURES):
        with pytest.raises(DomainError) as refused:
            claims.claim_with_new_account(code, wrong, password=PASSWORD, terms_version="v")
        assert refused.value.code == "claim_code_wrong"
        db.session.rollback()
    record = db.session.scalar(select(ProfileClaim))
    assert record.failures == claims.CLAIM_MAX_FAILURES and record.voided_at is not None
    with pytest.raises(DomainError):  # now even the right number fails
        claims.claim_with_new_account(code, MOBILE, password=PASSWORD, terms_version="v")
    db.session.rollback()
    assert db.session.get(Graduate, imported.id).user_id is None
    assert db.session.scalar(select(func.count(User.id)).where(User.role == Role.GRADUATE)) == 0


def test_an_expired_or_replaced_code_fails_like_a_wrong_one(staff, imported):
    old = claims.issue(staff, imported).code
    new = claims.issue(staff, imported).code
    db.session.commit()
    with pytest.raises(DomainError) as replaced:
        claims.claim_with_new_account(old, MOBILE, password=PASSWORD, terms_version="v")
    assert replaced.value.code == "claim_code_wrong"
    db.session.rollback()
    record = db.session.scalar(select(ProfileClaim).where(ProfileClaim.voided_at.is_(None)))
    record.expires_at = now() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(DomainError) as expired:
        claims.claim_with_new_account(new, MOBILE, password=PASSWORD, terms_version="v")
    assert expired.value.code == "claim_code_wrong"
    db.session.rollback()
    assert db.session.get(Graduate, imported.id).user_id is None


# --- never a second profile, both ways round ----------------------------------------------


def test_signing_up_with_a_number_the_station_holds_asks_for_the_code(staff, imported):
    with pytest.raises(DomainError) as asked:
        _sign_up()
    assert (asked.value.code, asked.value.field) == ("claim_code_needed", "phone")
    db.session.rollback()
    code = claims.issue(staff, imported).code
    db.session.commit()
    user = _sign_up(claim_code=code)
    db.session.commit()
    assert user.graduate.id == imported.id and _graduates() == 1


def test_a_profile_form_with_a_number_the_station_holds_takes_that_profile(
    staff, imported, reference
):
    user = _sign_up(phone=None, email="zhao@test.example")  # signed up by e-mail only
    db.session.commit()
    form = graduate_profile(reference) | {"phone": "139 1234 0001", "name": "赵小花"}
    with pytest.raises(DomainError) as asked:
        profiles.save_graduate(user, **form)
    assert (asked.value.code, asked.value.field) == ("claim_code_needed", "phone")
    db.session.rollback()
    code = claims.issue(staff, imported).code
    db.session.commit()
    saved = profiles.save_graduate(user, **form, claim_code=code)
    db.session.commit()
    assert saved.id == imported.id and saved.user_id == user.id
    assert saved.school == "河南农业大学"  # the form's values, saved over the roster's
    assert _graduates() == 1


def test_a_firm_the_station_holds_is_taken_over_by_its_credit_code(staff, make_user, reference):
    held = Enterprise(**(enterprise_profile(reference, 7) | {"phone": None}))
    db.session.add(held)
    db.session.commit()
    user = claims.sign_up(
        email="boss@test.example", phone=None, password=PASSWORD, role=Role.ENTERPRISE,
        display_name="王丽", terms_version=terms.current_version(),
    )  # fmt: skip
    db.session.commit()
    form = enterprise_profile(reference, 7) | {"name": "鄢陵县测试花木有限公司（新）"}
    with pytest.raises(DomainError) as asked:
        profiles.save_enterprise(user, **form)
    assert (asked.value.code, asked.value.field) == ("claim_code_needed", "credit_code")
    db.session.rollback()
    code = claims.issue(staff, held).code
    db.session.commit()
    with pytest.raises(DomainError):  # the credit code is on file, an e-mail not
        claims.claim(code, ["nobody@test.example"], user)
    db.session.rollback()
    firm = profiles.save_enterprise(user, **form, claim_code=code)
    db.session.commit()
    assert firm.id == held.id and firm.user_id == user.id and firm.name.endswith("（新）")
    assert db.session.scalar(select(func.count(Enterprise.id))) == 1


def test_a_roster_after_self_registration_matches_and_keeps_the_owners_profile(staff, make_user):
    owner = make_user(Role.GRADUATE)  # its profile's mobile: 13837400001
    written = owner.graduate.intro
    result = _import(staff, [_person(**{"手机号码": "138-3740-0001", "备注": "镇里登记"})])
    assert result.actions == ["kept"]
    db.session.refresh(owner.graduate)
    assert _graduates() == 1 and owner.graduate.intro == written
    assert owner.graduate.name == "李明"  # the roster's 赵小花 did not overwrite it


def test_a_firm_roster_after_self_registration_keeps_the_firms_record(staff, make_user):
    owner = make_user(Role.ENTERPRISE)
    code = owner.enterprise.credit_code
    header = list(imports.ENTERPRISE_COLUMNS)
    row = {
        "企业名称": "别的名字有限公司", "统一社会信用代码": code, "行业": "花木/园林",
        "所在地": "许昌市鄢陵县陈化店镇", "联系电话": "13800000000",
    }  # fmt: skip
    data = ",".join(header) + "\n" + ",".join(row.get(c, "") for c in header) + "\n"
    result = imports.preview("enterprises", "企业.csv", data.encode())
    assert result.ok and result.actions == ["kept"]
    imports.apply(result, staff)
    db.session.commit()
    db.session.refresh(owner.enterprise)
    assert owner.enterprise.name != "别的名字有限公司"
    assert db.session.scalar(select(func.count(Enterprise.id))) == 1


# --- answers a deputy recorded before the account existed ----------------------------------


def test_answers_recorded_offline_become_the_claimants_to_see_and_withdraw(talent, make_user):
    lead, graduate_user, _, deputy = talent
    graduate = lead.graduate
    graduate.user_id = None  # as imported
    db.session.commit()
    intro.introduce(lead, deputy, "note")
    intro.record_offline_consent(
        lead, deputy, ConsentParty.GRADUATE, True, ConsentMethod.PHONE, "李明", today(),
        ["name", "phone"], True,
    )  # fmt: skip
    staff = make_user(Role.STAFF)
    code = claims.issue(staff, graduate).code
    db.session.commit()
    user = claims.sign_up(
        email="liming@test.example", phone=None, password=PASSWORD,
        role=Role.GRADUATE, display_name="李明", terms_version=terms.current_version(),
        claim_code=code,
    )  # fmt: skip
    db.session.commit()
    record = db.session.scalar(select(Consent).where(Consent.party == ConsentParty.GRADUATE))
    assert record.user_id == user.id and claims.recorded_for(user) == 1
    exported = privacy.personal_data(user.graduate)
    assert [c["lead"] for c in exported["consents"]] == [lead.id]
    assert intro.may_withdraw(lead, intro.party_of(lead, user))
    intro.withdraw_consent(lead, user)
    db.session.commit()
    assert record.withdrawn_at is not None
    assert graduate_user.id != user.id  # the fixture's old account played no part


def test_a_firms_recorded_answer_becomes_its_own_and_no_other_sides(talent, make_user):
    lead, _, employer, deputy = talent
    firm = employer.enterprise
    firm.user_id = None  # as imported
    lead.graduate.user_id = None
    db.session.commit()
    intro.introduce(lead, deputy, "note")
    for party in (ConsentParty.EMPLOYER, ConsentParty.GRADUATE):
        intro.record_offline_consent(
            lead, deputy, party, True, ConsentMethod.IN_PERSON, "王丽", today(), ["phone"], True
        )
    code = claims.issue(make_user(Role.STAFF), firm).code
    db.session.commit()
    user = claims.sign_up(
        email="boss@test.example", phone=None, password=PASSWORD, role=Role.ENTERPRISE,
        display_name="王丽", terms_version=terms.current_version(),
    )  # fmt: skip
    claims.claim(code, [firm.credit_code.lower()], user)
    db.session.commit()
    owners = dict(db.session.execute(select(Consent.party, Consent.user_id)).all())
    assert owners == {ConsentParty.EMPLOYER: user.id, ConsentParty.GRADUATE: None}


def test_people_a_stations_roster_brought_in_without_a_hometown_are_its_to_invite(
    staff, make_user, reference
):
    from matchmaker.services import registers
    from matchmaker.services.catalogue import station_area

    _import(staff, [_person(**{"家乡": ""})])
    person = db.session.scalar(select(Graduate).where(Graduate.phone == E164))
    assert person.hometown_id is None and person.registered_by_id == staff.station_id
    area = station_area(staff.station)
    everyone = registers.RegisterFilter()
    listed = db.session.scalars(registers.graduates(area, everyone, staff.station_id)).all()
    assert person in listed
    assert person not in db.session.scalars(registers.graduates(area, everyone)).all()
    assert claims.issue(staff, person).code
    far = make_user(Role.STAFF)
    far.station = reference.station("孟轲乡新兴产业人大代表联络站")
    db.session.commit()
    with pytest.raises(DomainError):
        claims.issue(far, person)

"""Translated messages for the codes carried by ``DomainError`` and ``IdentifierError``."""

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .labels import LEAD_STATUS
from .models import LeadStatus
from .templating import long_date

MESSAGES = {
    "credit_code_length": _l(
        "A unified social credit code has 18 characters; this one has %(length)s."
    ),
    "credit_code_format": _l(
        "A unified social credit code uses only digits and the capital letters A–Y"
        " without I, O, S, V and Z."
    ),
    "credit_code_check": _l(
        "The check character (the 18th) does not match the first 17 characters:"
        " it should be %(expected)s, not %(given)s. Please check the code on the"
        " business licence."
    ),
    "credit_code_taken": _l("An enterprise with this credit code is already registered."),
    "phone_invalid": _l("Enter a valid mainland China phone number, such as 13812345678."),
    "email_invalid": _l("Enter a valid e-mail address."),
    "email_taken": _l("An account with this e-mail address already exists."),
    "login_failed": _l("Wrong e-mail address, mobile number or password."),
    "mobile_invalid": _l("Enter a mainland China mobile number of 11 digits, such as 13812345678."),
    "phone_taken": _l("An account with this mobile number already exists."),
    "sign_in_name_required": _l("Enter an e-mail address or a mobile number to sign in with."),
    "reset_link_expired": _l(
        "This link has expired: a link to set a new password lasts 30 minutes. Ask for a new one."
    ),
    "reset_link_used": _l(
        "This link has already been used, or the password was changed since it was sent."
        " Ask for a new one if you need it."
    ),
    "reset_link_invalid": _l("This link is not valid. Copy the whole link, or ask for a new one."),
    "reset_code_wrong": _l(
        "This account and code do not match, or the code has expired or been used up."
        " Check them, or ask the station for a new code."
    ),
    "claim_code_wrong": _l(
        "This claim code and these details do not match, or the code has expired or been used."
        " Check them against the invitation, or ask the station for a new one."
    ),
    "claim_code_needed": _l(
        "The station has registered you (or your enterprise) with this detail already. Enter the"
        " claim code from the station's invitation and that profile becomes yours; without a"
        " code, ask the station for one."
    ),
    "claim_wrong_account": _l(
        "This claim code is for another kind of account (a graduate's or an enterprise's)."
    ),
    "profile_has_account": _l("This profile has an account already: nothing to claim."),
    "profile_not_in_care": _l("Only the station of this person's or firm's area can invite them."),
    "terms_not_accepted": _l(
        "Please read and accept the privacy policy and the user agreement to go on."
    ),
    "account_not_in_care": _l("There is no account with this e-mail or mobile number among yours."),
    "range_reversed": _l("The lower bound must not be above the upper bound."),
    "region_unknown": _l("Choose a region from the list."),
    "sector_unknown": _l("Choose a sector from the list."),
    "sector_not_served": _l("Choose among the sectors your station serves."),
    "station_unknown": _l("Choose a station from the list."),
    "enterprise_unknown": _l("Choose an enterprise from the list."),
    "sector_code_taken": _l("A sector with this code already exists."),
    "sector_name_taken": _l("A sector with this name already exists."),
    "station_name_taken": _l("A station with this name already exists."),
    "not_open": _l("Only an open posting can be changed or closed."),
    "outcome_unknown": _l("Choose how this posting ended."),
    "own_account": _l("You cannot deactivate your own account."),
    "password_length": _l("Use between 8 and 128 characters."),
    "password_common": _l("This password is too common; choose another, a short phrase is best."),
    "password_guessable": _l(
        "This password is too easy to guess from this service, its places or your name."
    ),
    "password_wrong": _l("The current password is not right."),
    "account_locked": _l("Too many wrong passwords for this account; try again in 15 minutes."),
    "file_too_large": _l("The file is too large: at most %(limit_mb)s MB."),
    "file_type": _l("Upload an .xlsx or a .csv file."),
    "file_empty": _l("The file has no rows."),
    "too_many_rows": _l("The file has too many rows: at most %(limit)s per import."),
    "file_broken": _l("The file cannot be read as an Excel workbook; save it again as .xlsx."),
    "file_encoding": _l("The CSV file is neither UTF-8 nor GB18030; save it again."),
    "columns_missing": _l("These columns are missing: %(columns)s."),
    "fields_unmapped": _l(
        "No column is matched to these required fields: %(columns)s. Choose the column"
        " that holds each of them."
    ),
    "columns_twice": _l("More than one column is matched to: %(columns)s. Keep one for each."),
    "too_many_columns": _l("The header row has too many columns: at most %(limit)s."),
    "mapping_invalid": _l("The column choices do not fit this file; check the file again."),
    "header_not_found": _l(
        "No header row was found in the first %(rows)s rows: the row with the column names"
        " (such as 姓名, 毕业院校, 所学专业) must be among them. Download the template to see"
        " the expected columns."
    ),
    "not_clean": _l("Fix every problem in the file before importing."),
    "transition_not_allowed": _l("This step is not possible while the lead is %(status)s."),
    "conflict_of_interest": _l(
        "You declared an interest in an enterprise on this lead, so another deputy handles it."
    ),
    "not_your_lead": _l("This lead is not yours to act on."),
    "hand_over_closed": _l("A closed or dismissed lead cannot be handed over."),
    "hand_over_not_introduced": _l(
        "Only a lead a deputy has introduced can be handed over; a suggestion goes to"
        " every deputy of its sector."
    ),
    "hand_over_other_station": _l("Choose a deputy of the lead's station."),
    "hand_over_same_deputy": _l("This deputy already handles the lead."),
    "hand_over_other_sector": _l("This deputy does not follow the lead's sector."),
    "hand_over_conflicted": _l(
        "This deputy declared an interest in an enterprise on the lead, so cannot handle it."
    ),
    "hand_over_inactive": _l("This deputy's account is deactivated."),
    "deputy_has_open_leads": _l(
        "This deputy still has %(count)s open leads at the station: its staff hand them to"
        " another deputy first."
    ),
    "reason_unknown": _l("Choose a reason from the list."),
    "date_not_in_future": _l("Choose a date after today."),
    "date_in_future": _l(
        "This date is still to come (today is %(today)s): record a step once it has happened."
    ),
    "date_before_contact": _l(
        "This date is before the two sides were put in contact on %(since)s; check the date."
    ),
    "retention_too_early": _l(
        "A %(months)s-month check can be recorded from %(earliest)s, %(months)s months after"
        " the hire on %(hired)s."
    ),
    "retention_before_previous": _l(
        "The 6-month check cannot be dated before the 3-month check on %(previous)s."
    ),
    "funds_before_signing": _l(
        "Funds cannot have arrived before the signing on %(signed)s; check the date."
    ),
    "production_before_funds": _l(
        "Production cannot have started before the funds arrived on %(funds)s; check the date."
    ),
    "already_confirmed": _l("You have already confirmed this outcome."),
    "already_answered": _l(
        "You have already answered this introduction; to take a consent back, withdraw it."
    ),
    "date_required": _l("Enter the date."),
    "not_a_side": _l("Choose one of the two sides of this lead."),
    "side_has_account": _l(
        "This side has an account: they answer the introduction themselves, on their own page."
    ),
    "consent_method": _l("Choose how the answer was given: in person, by phone or on paper."),
    "given_by_required": _l(
        "Enter the name of the person who gave the answer (50 characters at most)."
    ),
    "date_before_introduction": _l(
        "The answer cannot be dated before the introduction; check the date."
    ),
    "fields_required": _l("Tick at least one detail they agreed to share."),
    "notice_not_read": _l("Read them the notice first, and tick the box to say you did."),
    "photo_type": _l(
        "This file is not a photo that can be read: upload a JPEG, PNG or WebP image"
        " of the signed form."
    ),
    "photo_too_large": _l("The photo is too large: at most %(limit_mb)s MB."),
    "photo_too_many_pixels": _l(
        "The photo has too many pixels: at most %(limit)s megapixels. Take it again at a"
        " lower resolution."
    ),
    "photo_needs_paper": _l(
        "A photo is of a signed paper form: choose “Signed paper form” as how they answered,"
        " or leave the photo out."
    ),
    "notice_changed": _l("The notice has changed since you opened it; read it again."),
    "no_consent_to_withdraw": _l("There is no consent of yours to withdraw."),
    "position_required": _l("Enter the position."),
    "amount_required": _l("Enter the signed amount in ten-thousand yuan."),
    "reason_required": _l("Say briefly why."),
    "retention_months": _l("Retention is checked at 3 and at 6 months."),
    "retention_order": _l("Record the 3-month check first."),
    "closing_note_required": _l("Write a closing note."),
    "not_closed": _l("Only a closed lead's outcome can be confirmed."),
    "firm_not_verified": _l(
        "%(name)s has not been verified by the liaison station yet; it can be introduced"
        " once verified."
    ),
    "need_filled": _l("This position has been filled."),
    "graduate_hired": _l("This graduate has already been hired."),
    "role_not_self_service": _l("Only enterprises and graduates can register themselves."),
}


def describe(code: str, **params) -> str:
    """The message for ``code`` in the current locale, with ``params`` filled in."""
    message = MESSAGES.get(code)
    if "status" in params:
        params = {**params, "status": LEAD_STATUS[LeadStatus(params["status"])]}
    if message is None:
        return _("Something in this form is not valid.")
    params = {k: long_date(v) if isinstance(v, date) else v for k, v in params.items()}
    return str(message) % params if params else str(message)

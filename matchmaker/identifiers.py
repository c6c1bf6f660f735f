"""Checks and normal forms for the identifiers people type: credit codes, phones, e-mail."""

import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength


class IdentifierError(ValueError):
    """A value that is not a valid identifier; ``code`` says what is wrong."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def normalise_text(value: str) -> str:
    """NFKC-fold full-width letters and digits, and trim surrounding space."""
    return unicodedata.normalize("NFKC", value or "").strip()


def normalise_credit_code(value: str) -> str:
    """Upper-case, NFKC-folded credit code with spaces and dashes removed."""
    text = normalise_text(value).upper()
    return "".join(ch for ch in text if ch not in " -")


def check_credit_code(value: str) -> str:
    """Return the normalised unified social credit code, or raise ``IdentifierError``.

    Follows GB 32100-2015: 18 characters from 0-9 and A-Y without I, O, S, V, Z,
    the last being a check character computed from the first 17.
    """
    code = normalise_credit_code(value)
    try:
        return uscc.validate(code)
    except InvalidLength:
        raise IdentifierError("credit_code_length", length=len(code)) from None
    except InvalidChecksum:
        expected = uscc.calc_check_digit(code[:17])
        raise IdentifierError("credit_code_check", expected=expected, given=code[17]) from None
    except (InvalidFormat, InvalidComponent):
        raise IdentifierError("credit_code_format") from None


def check_phone(value: str) -> str:
    """Return a Chinese phone number in E.164 form (+86…), or raise ``IdentifierError``."""
    text = normalise_text(value)
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise IdentifierError("phone_invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise IdentifierError("phone_invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_mobile(value: str) -> str:
    """Return a mainland mobile number in E.164 form (+861…), or raise ``IdentifierError``.

    Accepts what people type: full-width digits, spaces, dashes, a leading +86.
    """
    e164 = check_phone(value)
    number = phonenumbers.parse(e164, "CN")
    mobile = (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    if number.country_code != 86 or phonenumbers.number_type(number) not in mobile:
        raise IdentifierError("mobile_invalid")
    return e164


def display_phone(e164: str | None) -> str:
    """Format a stored E.164 number the way people in China write it."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, "CN")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def check_email(value: str) -> str:
    """Return the normalised, lower-cased e-mail address, or raise ``IdentifierError``."""
    try:
        result = validate_email(normalise_text(value), check_deliverability=False)
    except EmailNotValidError:
        raise IdentifierError("email_invalid") from None
    return result.normalized.lower()

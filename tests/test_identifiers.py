import pytest
from stdnum.cn import uscc

from matchmaker.identifiers import (
    IdentifierError,
    check_credit_code,
    check_email,
    check_phone,
    display_phone,
)

VALID = "91350100M000100Y43"  # the example code printed in GB 32100-2015


def test_a_valid_code_passes_and_is_normalised():
    assert check_credit_code(VALID) == VALID
    assert check_credit_code(" 91350100m000100y43 ") == VALID


def test_full_width_input_is_folded_first():
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in VALID)
    assert check_credit_code(full_width) == VALID


@pytest.mark.parametrize("position", range(17))
def test_changing_any_character_breaks_the_check(position):
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    original = VALID[position]
    replacement = alphabet[(alphabet.index(original) + 1) % len(alphabet)]
    broken = VALID[:position] + replacement + VALID[position + 1 :]
    with pytest.raises(IdentifierError) as caught:
        check_credit_code(broken)
    assert caught.value.code in {"credit_code_check", "credit_code_format"}


def test_wrong_check_character_names_the_expected_one():
    with pytest.raises(IdentifierError) as caught:
        check_credit_code(VALID[:17] + "2")
    assert caught.value.code == "credit_code_check"
    assert caught.value.params == {"expected": "3", "given": "2"}
    assert uscc.calc_check_digit(VALID[:17]) == "3"


@pytest.mark.parametrize(
    ("value", "code"),
    [("9135010", "credit_code_length"), ("91350100M0001O0Y43", "credit_code_format")],
)
def test_bad_length_and_letters_are_named(value, code):
    with pytest.raises(IdentifierError) as caught:
        check_credit_code(value)
    assert caught.value.code == code


def test_phones_are_stored_in_e164_and_shown_nationally():
    assert check_phone("138 3741 2345") == "+8613837412345"
    assert check_phone("0374-7181234") == "+863747181234"
    assert display_phone("+8613837412345") == "138 3741 2345"
    with pytest.raises(IdentifierError):
        check_phone("12345")


def test_emails_are_lower_cased_and_checked():
    assert check_email("Wang.Li@Example.COM") == "wang.li@example.com"
    with pytest.raises(IdentifierError):
        check_email("not-an-address")


@pytest.mark.parametrize(
    "typed",
    ["13912345678", "139 1234 5678", "139-1234-5678", "+86 139 1234 5678", "+86-13912345678",
     "１３９１２３４５６７８", "＋８６ １３９ １２３４ ５６７８", " 13912345678 "],
)  # fmt: skip
def test_a_mobile_number_is_read_however_it_is_written(typed):
    from matchmaker.identifiers import check_mobile

    assert check_mobile(typed) == "+8613912345678"


@pytest.mark.parametrize(
    "typed", ["0371-12345678", "037112345678", "12345", "", "+1 202 555 0143", "1391234567x"]
)
def test_what_is_not_a_mainland_mobile_is_refused(typed):
    from matchmaker.identifiers import check_mobile

    with pytest.raises(IdentifierError):
        check_mobile(typed)

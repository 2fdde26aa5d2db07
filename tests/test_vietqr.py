"""VietQR payloads, checked against codes that banks and payment providers published."""
import pytest
from vietnam_qr_pay import QRPay

from storefront.vietqr import BankAccount, bank_account_for, complete_account, qr_svg, transfer_payload
from tests.factories import make_outlet

# (bank BIN, account number, amount, purpose, payload as published)
PUBLISHED = [
    # subiz/vietqr README: 120.000 ₫ to 0011001932418 at BIN 970415, note "ung ho lu lut"
    ("970415", "0011001932418", 120_000, "ung ho lu lut",
     "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN"
     "62170813ung ho lu lut6304C15C"),
    # payOS API documentation, a payment link's qrCode: 2.000 ₫ with the order code as the note
    ("970422", "VQRQABRLS0448", 2_000, "18f8746b181045f0a2ce",
     "00020101021238570010A000000727012700069704220113VQRQABRLS04480208QRIBFTTA5303704540420005802VN"
     "6224082018f8746b181045f0a2ce63040FC0"),
    # viet-qr-pay (PHP) README: a static code, no amount and no note
    ("970416", "257678859", None, None,
     "00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F"),
    # a static code of account 2208205479380 at BIN 970405, published beside a decoder
    ("970405", "2208205479380", None, None,
     "00020101021138570010A00000072701270006970405011322082054793800208QRIBFTTA53037045802VN630497A6"),
]


def crc16_ccitt(text: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as EMVCo's field 63 uses, written out here
    independently of the library."""
    crc = 0xFFFF
    for byte in text.encode():
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


@pytest.mark.parametrize(("bin_", "number", "amount", "purpose", "published"), PUBLISHED)
def test_payloads_match_published_examples(bin_, number, amount, purpose, published):
    qr = QRPay.init_viet_qr(bank_bin=bin_, bank_number=number,
                            amount=str(amount) if amount else None, purpose=purpose)
    assert qr.build() == published


@pytest.mark.parametrize("published", [example[-1] for example in PUBLISHED])
def test_the_published_checksums_are_crc16_ccitt(published):
    assert crc16_ccitt(published[:-4]) == published[-4:]


def test_an_order_payload_carries_the_account_amount_and_order_number():
    payload = transfer_payload(BankAccount("970436", "0071000888888", "HTX OCOP"), amount=530_000,
                               purpose="OC261206-A1B2C3")
    assert payload == (
        "000201010212"
        "38570010A00000072701270006970436011300710008888880208QRIBFTTA"
        "5303704" "5406530000" "5802VN" "62190815OC261206-A1B2C3"
        "6304" + crc16_ccitt(payload[:-4])
    )
    parsed = QRPay(payload)
    assert parsed.is_valid
    assert (parsed.consumer.bank_bin, parsed.consumer.bank_number, parsed.amount, parsed.additional_data.purpose) == (
        "970436", "0071000888888", "530000", "OC261206-A1B2C3")


def test_a_changed_payload_fails_its_checksum():
    payload = transfer_payload(BankAccount("970436", "0071000888888", "HTX OCOP"), amount=530_000, purpose="OC1")
    assert not QRPay(payload.replace("530000", "930000")).is_valid


def test_the_qr_code_is_an_svg_without_inline_style_or_script():
    svg = str(qr_svg("000201", title="VietQR OC1"))
    assert svg.startswith("<svg") and "<title>VietQR OC1</title>" in svg
    assert "viewBox=" in svg and "width=" not in svg  # scales to the size the page gives it, never cropped
    assert "style=" not in svg and "<script" not in svg


@pytest.mark.parametrize(("bin_", "number", "name"), [
    ("", "", ""), ("97043", "123", "A"), ("970436", "", "A"), ("970436", "123", " "), ("970436", "12-3", "A"),
    ("970436", "1" * 20, "A"),
])
def test_an_incomplete_or_malformed_account_is_no_account(bin_, number, name):
    assert complete_account(bin_, number, name) is None


def test_the_outlets_own_account_comes_before_the_operators(app, db):
    app.config.update(VIETQR_BANK_BIN="970418", VIETQR_ACCOUNT_NUMBER="12010000999999", VIETQR_ACCOUNT_NAME="OCOP Market")
    own = make_outlet("QN-OWN", bank_bin="970436", bank_account_number="0071000888888", bank_account_name="HTX Tiên Cảnh")
    plain = make_outlet("QN-PLAIN")
    assert bank_account_for(own) == BankAccount("970436", "0071000888888", "HTX Tiên Cảnh")
    assert bank_account_for(plain) == BankAccount("970418", "12010000999999", "OCOP Market")
    app.config.update(VIETQR_BANK_BIN="")
    assert bank_account_for(plain) is None

"""VietQR: the bank-transfer QR code that every Vietnamese banking app scans (NAPAS 247).

The payload is EMVCo merchant-presented data: merchant account information under GUID
A000000727 with the bank's BIN and the account number, service QRIBFTTA (transfer to an account),
the amount in VND, the order number as the transfer's purpose, and a CRC16-CCITT checksum. The
`vietnam-qr-pay` library builds and parses it (tests/test_vietqr.py checks it against payloads
published by banks and payment providers); segno draws it as inline SVG.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import select
from vietnam_qr_pay import QRPay
from vietnam_qr_pay.constants.banks import BanksObject

from storefront.extensions import db
from storefront.orders.models import Status
from storefront.outlets.models import Outlet

BANK_BIN = re.compile(r"^\d{6}$")
ACCOUNT_NUMBER = re.compile(r"^[0-9A-Za-z]{1,19}$")  # some banks issue virtual accounts with letters
# NAPAS members by BIN, under the short names banking apps show (the library's list).
BANK_NAMES = {bank.bin: bank.short_name for bank in BanksObject.values()}


@dataclass(frozen=True)
class BankAccount:
    bin: str
    number: str
    name: str

    @property
    def bank_name(self) -> str | None:
        return BANK_NAMES.get(self.bin)


def complete_account(bin_: str | None, number: str | None, name: str | None) -> BankAccount | None:
    bin_, number, name = (bin_ or "").strip(), (number or "").strip(), (name or "").strip()
    if BANK_BIN.match(bin_) and ACCOUNT_NUMBER.match(number) and name:
        return BankAccount(bin_, number, name)
    return None


def operator_bank_account() -> BankAccount | None:
    config = current_app.config
    return complete_account(config["VIETQR_BANK_BIN"], config["VIETQR_ACCOUNT_NUMBER"], config["VIETQR_ACCOUNT_NAME"])


def bank_account_for(outlet: Outlet) -> BankAccount | None:
    """The outlet's own account when it has one, else the operator's; None: no transfers."""
    return complete_account(outlet.bank_bin, outlet.bank_account_number, outlet.bank_account_name) or operator_bank_account()


def transfers_offered() -> bool:
    """Whether the checkout can offer bank transfers anywhere: the operator's account, or an open
    sales point's own."""
    if operator_bank_account():
        return True
    outlets = db.session.scalars(select(Outlet).where(Outlet.active.is_(True), Outlet.bank_account_number != ""))
    return any(complete_account(o.bank_bin, o.bank_account_number, o.bank_account_name) for o in outlets)


def transfer_payload(account: BankAccount, *, amount: int, purpose: str) -> str:
    """The EMVCo text of a transfer of `amount` đồng to `account` with `purpose` as its note."""
    return QRPay.init_viet_qr(
        bank_bin=account.bin, bank_number=account.number, amount=str(amount), purpose=purpose
    ).build()


def qr_svg(payload: str, *, title: str) -> Markup:
    """The QR code as an <svg> element to put in the page (no script, no inline style)."""
    return Markup(segno.make(payload, error="m").svg_inline(border=4, title=title, omitsize=True))


@dataclass(frozen=True)
class TransferDetails:
    """What a customer needs to pay an order by transfer: the account, the amount, the note,
    and the same as a QR code."""

    account: BankAccount
    amount: int
    note: str
    payload: str
    svg: Markup


def transfer_to(account: BankAccount | None, *, amount: int, note: str) -> TransferDetails | None:
    if account is None or amount <= 0:
        return None
    payload = transfer_payload(account, amount=amount, purpose=note)
    return TransferDetails(account, amount, note, payload, qr_svg(payload, title=f"VietQR {note}"))


def transfer_details(order) -> TransferDetails | None:
    """For an order still waiting for its bank transfer (None otherwise, or when its outlet's
    account was removed since the order was placed)."""
    if order.payment_method != "bank_transfer" or order.status != Status.AWAITING_TRANSFER:
        return None
    return transfer_to(bank_account_for(order.outlet), amount=order.total, note=order.number)

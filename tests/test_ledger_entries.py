"""Ledger entries: amounts as users write them."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from aide_alim.ledger.entries import parse_amount


@settings(max_examples=40, deadline=None)
@given(cents=st.integers(min_value=-(10**9), max_value=10**9).filter(lambda c: c != 0))
def test_french_and_plain_amounts_parse_to_the_cent(cents):
    amount = Decimal(cents) / 100
    plain = f"{amount:.2f}"
    french = f"{amount:,.2f}".replace(",", "\u202f").replace(".", ",") + " €"
    excel = f"{amount:,.2f}".replace(",", " ").replace(".", ",")
    assert parse_amount(plain) == parse_amount(french) == parse_amount(excel) == amount

"""The one French formatter (Babel): numbers, amounts, dates, plurals."""

from __future__ import annotations

import datetime as dt
import math

from aide_alim.i18n import fmt

NB, NNB = "\u00a0", "\u202f"


def test_numbers_group_thousands_and_use_a_decimal_comma() -> None:
    assert fmt.number(1234.5, 1) == f"1{NNB}234,5"
    assert fmt.number(197549) == f"197{NNB}549"
    assert fmt.number(-0.2) == "0"  # never "-0"
    assert fmt.number(math.nan) == fmt.number(None) == fmt.number("x") == "–"


def test_units_stay_attached_to_their_number() -> None:
    assert fmt.kg(7.5) == f"7,5{NB}kg"
    assert fmt.kg(1234.4) == f"1{NNB}234{NB}kg"
    assert fmt.eur(12.5) == f"12,50{NB}€"
    assert fmt.eur(197549.2) == f"197{NNB}549{NB}€"
    assert fmt.eur(4500, 2) == f"4{NNB}500,00{NB}€"
    assert fmt.pct(0.736) == f"74{NB}%"
    assert fmt.pct(0.0, 1) == f"0,0{NB}%"
    assert fmt.quantity(685.23, "km", 1) == f"685,2{NB}km"


def test_dates_and_times_in_french() -> None:
    day = dt.date(2020, 10, 6)
    assert fmt.date(day) == "mardi 6 octobre 2020"
    assert fmt.long_date(dt.date(2021, 3, 31)) == "31 mars 2021"
    assert fmt.short_date(day) == "06/10/2020"
    assert fmt.day_name(day) == "mardi"
    assert fmt.clock(615) == "10:15"
    assert fmt.clock_fr(615) == f"10{NB}h{NB}15" and fmt.clock_fr(480) == f"8{NB}h"
    assert fmt.duration(3.864) == f"3{NB}h{NB}52" and fmt.duration(0.5) == f"30{NB}min"
    assert fmt.week_label(dt.date(2020, 10, 5)) == (
        "semaine 41 de 2020 (du lundi 5 au dimanche 11 octobre 2020)"
    )
    assert fmt.week_label(dt.date(2020, 9, 28)).endswith(
        "(du lundi 28 septembre au dimanche 4 octobre 2020)"
    )


def test_plurals_follow_french_rules() -> None:
    assert fmt.plural(1, "semaine publiée") == f"1{NB}semaine publiée"
    assert fmt.plural(0, "semaine publiée") == f"0{NB}semaine publiée"
    assert fmt.plural(3, "semaine publiée") == f"3{NB}semaines publiées"
    assert fmt.plural(2, "anomalie") == f"2{NB}anomalies"

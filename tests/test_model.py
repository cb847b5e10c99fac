"""The scenario model: immutability, variants, parameter checks, parsing helpers."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from aide_alim.scenario import (
    DEFAULT_CATEGORIES,
    Association,
    Day,
    Logistics,
    Lot,
    Policy,
    RoutingParams,
    Scenario,
    Site,
    SiteKind,
    Temperature,
    TimeWindow,
)
from aide_alim.scenario.categories import normalise_category, normalise_temperature, slug


def _scenario() -> Scenario:
    hub = Site("hub", "Entrepôt", SiteKind.HUB, 47.3, 5.0)
    shop = Site("s1", "Supermarché", SiteKind.SUPPLIER, 47.32, 5.04)
    assoc = Association(
        "a1", "Épicerie", "épicerie sociale", "21231", 47.33, 5.03, 100, 500, 100, 0,
        frozenset({Day.MON, Day.THU}), TimeWindow.parse("09:00-12:00"),
    )  # fmt: skip
    lot = Lot(
        "l1", "s1", "Pâtes", "epicerie_seche", Temperature.AMBIENT, 120, 6, 0, 2.5,
        dt.date(2020, 10, 5),
    )  # fmt: skip
    return Scenario(
        name="t", week="2020-W41", hub="hub", associations=(assoc,), sites=(hub, shop),
        lots=(lot,), vehicles=(), categories=DEFAULT_CATEGORIES,
    )  # fmt: skip


def test_scenario_is_immutable_and_variants_leave_the_original_alone() -> None:
    base = _scenario()
    with pytest.raises(dataclasses.FrozenInstanceError):
        base.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        base.categories["x"] = base.categories["pain"]  # type: ignore[index]
    variant = base.replace(policy=base.policy.replace(rule="maxmin", basis="meals"))
    assert variant.policy.rule == "maxmin"
    assert base.policy.rule == "leximin"
    assert variant.lots is base.lots


def test_week_dates_and_lookups() -> None:
    scenario = _scenario()
    assert scenario.week_start == dt.date(2020, 10, 5)
    assert scenario.date_of(Day.FRI) == dt.date(2020, 10, 9)
    assert scenario.day_of(dt.date(2020, 10, 11)) is Day.SUN
    assert scenario.day_of(dt.date(2020, 10, 12)) is None
    assert scenario.association_by_id["a1"].storage_kg(Temperature.CHILLED) == 100
    assert scenario.hub_site.kind is SiteKind.HUB
    assert scenario.lot_by_id["l1"].units == 20


def test_need_and_amount_follow_the_basis() -> None:
    scenario = _scenario()
    assoc, lot = scenario.associations[0], scenario.lots[0]
    assert scenario.need(assoc) == pytest.approx(105.0)
    meals = scenario.replace(policy=Policy(basis="meals"))
    assert meals.need(assoc) == pytest.approx(210.0)
    assert meals.amount(lot, 10) == pytest.approx(20.0)
    value = scenario.replace(policy=Policy(basis="value"))
    assert value.amount(lot, 10) == pytest.approx(25.0)
    assert value.need(assoc) == pytest.approx(105.0 * 2.5)


def test_bad_week_is_refused() -> None:
    with pytest.raises(ValueError, match='expected an ISO week like "2020-W41", got "2020-41"'):
        _scenario().replace(week="2020-41")


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: Policy(rule="random"), "Expected rule in leximin, maxmin"),  # type: ignore[arg-type]
        (lambda: Policy(basis="lbs"), "Expected basis in kg, value, meals, got 'lbs'."),  # type: ignore[arg-type]
        (lambda: Policy(max_split=0), "Expected max_split >= 1, got 0."),
        (lambda: Policy(ration_kg=0), "Expected ration_kg > 0, got 0."),
        (lambda: Logistics(circuity=0.9), "Expected circuity >= 1, got 0.9."),
        (lambda: Logistics(model="air"), "Expected model hub or direct, got 'air'"),  # type: ignore[arg-type]
        (lambda: RoutingParams(time_limit_s=0), "Expected time_limit_s > 0, got 0."),
    ],
)
def test_parameter_ranges_are_checked(factory: object, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.").replace("(", r"\(")):
        factory()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("text", "window"),
    [("09:00-12:00", (540, 720)), ("9h-12h30", (540, 750)), (" 14:00 – 18:00 ", (840, 1080))],
)
def test_time_window_parsing(text: str, window: tuple[int, int]) -> None:
    parsed = TimeWindow.parse(text)
    assert (parsed.start_min, parsed.end_min) == window


@pytest.mark.parametrize("text", ["09:00", "12:00-09:00", "25:00-26:00", "matin"])
def test_bad_time_window_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected a window"):
        TimeWindow.parse(text)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Épicerie sèche", "epicerie_seche"),
        ("FRUITS ET LÉGUMES", "fruits_legumes"),
        ("Viande, poisson, œufs", "viande_poisson_oeufs"),
        ("Poisson", None),  # not an alias: refused rather than guessed
        ("viande_poisson_oeufs", "viande_poisson_oeufs"),
        ("Surgelés", "surgeles"),
        ("Bébé", "bebe"),
        ("caviar", None),
    ],
)
def test_category_names_as_people_write_them(text: str, category: str | None) -> None:
    assert normalise_category(text) == category


def test_temperature_names_in_french_and_english() -> None:
    assert normalise_temperature("Surgelé") is Temperature.FROZEN
    assert normalise_temperature("frais") is Temperature.CHILLED
    assert normalise_temperature("ambient") is Temperature.AMBIENT
    assert normalise_temperature("tiède") is None
    assert slug("Produits d'entretien") == "produits_d_entretien"


def test_every_category_value_is_sourced_or_labelled_an_estimate() -> None:
    for category in DEFAULT_CATEGORIES.values():
        assert category.value_eur_kg > 0
        assert category.value_source.startswith(("estimate:", "http", "source:"))

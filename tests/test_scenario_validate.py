# ruff: noqa: E501  (the tables pin whole messages, one case per line)
"""Validation: one broken copy of ``scenarios/tiny`` per kind of problem, with its wording pinned.

Row numbers are those a spreadsheet shows (header = row 1): in tiny, lots L1..L5 are rows 2..6,
associations A1..A3 rows 2..4, sites hub/ferme/grossiste rows 2..4, vehicles V1/V2 rows 2..3.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from scenario_helpers import (
    FIXTURES,
    TINY,
    copy_scenario,
    drop_column,
    edit_toml,
    keep_header_only,
    read_rows,
    rename_column,
    set_cell,
    write_rows,
)

from aide_alim.errors import Problem, ScenarioError
from aide_alim.scenario import check_scenario, load_scenario
from aide_alim.scenario.categories import DEFAULT_CATEGORIES
from aide_alim.scenario.dictionary import data_dictionary
from aide_alim.scenario.model import RULES
from aide_alim.scenario.schema import COLUMNS

CATEGORIES = ", ".join(c.label for c in DEFAULT_CATEGORIES.values())
DAYS = 'days like "mon wed fri" (or "lun mer ven", "mon-fri")'


@dataclass(frozen=True)
class Case:
    name: str
    mutate: Callable[[Path], object]
    expected: Problem
    only: bool = True  # the expected problem is the only error (no cascade)


def cell(file: str, row_id: str, column: str, value: str) -> Callable[[Path], object]:
    return lambda folder: set_cell(folder, file, row_id, column, value)


def toml(old: str, new: str) -> Callable[[Path], object]:
    return lambda folder: edit_toml(folder, old, new)


def both(*mutations: Callable[[Path], object]) -> Callable[[Path], object]:
    def apply(folder: Path) -> None:
        for mutation in mutations:
            mutation(folder)

    return apply


def extra_cell(folder: Path) -> None:
    rows = read_rows(folder / "lots.csv")
    rows[2].append("oops")
    write_rows(folder / "lots.csv", rows)


def garbage(file: str) -> Callable[[Path], object]:
    def write(folder: Path) -> None:
        (folder / file).write_bytes(bytes(range(256)) * 4)

    return write


def E(file: str, row: int | None, column: str | None, message: str) -> Problem:
    return Problem(file, row, column, message)


def W(file: str, row: int | None, column: str | None, message: str) -> Problem:
    return Problem(file, row, column, message, "warning")


ERRORS = [
    Case(
        "missing column",
        lambda f: drop_column(f, "lots.csv", "kg"),
        E("lots.csv", 1, "kg", 'expected a required column "kg", got none in the header'),
    ),
    Case(
        "unknown column with a close name",
        lambda f: rename_column(f, "lots.csv", "unit_kg", "unit_kgs"),
        E("lots.csv", 1, "unit_kgs", 'expected a known column (did you mean "unit_kg"?), got "unit_kgs"'),
        only=False,  # unit_kg is then missing too
    ),
    Case(
        "unknown column",
        lambda f: rename_column(f, "vehicles.csv", "name", "telephone"),
        E("vehicles.csv", 1, "telephone", 'expected a known column, got "telephone"'),
    ),
    Case(
        "column twice",
        lambda f: rename_column(f, "vehicles.csv", "name", "Cost EUR km"),
        E("vehicles.csv", 1, "Cost EUR km", 'expected each column once, got "cost_eur_km" twice'),
    ),
    Case(
        "wrong type",
        cell("lots.csv", "L3", "kg", "beaucoup"),
        E("lots.csv", 4, "kg", 'expected a number >= 0, got "beaucoup"'),
    ),
    Case(
        "negative quantity",
        cell("lots.csv", "L3", "kg", "-12"),
        E("lots.csv", 4, "kg", 'expected a number >= 0, got "-12"'),
    ),
    Case(
        "zero carton",
        cell("lots.csv", "L3", "unit_kg", "0"),
        E("lots.csv", 4, "unit_kg", 'expected a number >= 0.001, got "0"'),
    ),
    Case(
        "empty required cell",
        cell("lots.csv", "L1", "kg", ""),
        E("lots.csv", 2, "kg", 'expected a number >= 0, got ""'),
    ),
    Case(
        "empty required text",
        cell("associations.csv", "A2", "name", ""),
        E("associations.csv", 3, "name", 'expected a value (text, ≤ 200 characters), got ""'),
    ),
    Case(
        "not a number",
        cell("lots.csv", "L3", "price_eur_kg", "nan"),
        E("lots.csv", 4, "price_eur_kg", 'expected a number >= 0, got "nan"'),
    ),
    Case(
        "bad date",
        cell("lots.csv", "L2", "use_by", "31/02/2020"),
        E("lots.csv", 3, "use_by", 'expected a date like "2020-10-05" or "05/10/2020", got "31/02/2020"'),
    ),
    Case(
        "latitude outside WGS84",
        cell("sites.csv", "ferme", "lat", "147.2"),
        E("sites.csv", 3, "lat", 'expected a latitude between -90 and 90 (WGS84 degrees), got "147.2"'),
    ),
    Case(
        "longitude outside WGS84",
        cell("associations.csv", "A3", "lon", "-190"),
        E("associations.csv", 4, "lon", 'expected a longitude between -180 and 180 (WGS84 degrees), got "-190"'),
    ),
    Case(
        "unit larger than the lot",
        cell("lots.csv", "L1", "unit_kg", "200"),
        E("lots.csv", 2, "unit_kg", 'expected a unit <= kg (100), got "200"'),
    ),
    Case(
        "unknown category",
        cell("lots.csv", "L1", "category", "jouets"),
        E("lots.csv", 2, "category", f'expected a category among {CATEGORIES}, got "jouets"'),
    ),
    Case(
        "misspelt category",
        cell("lots.csv", "L1", "category", "fruit legume"),
        E(
            "lots.csv",
            2,
            "category",
            f'expected a category among {CATEGORIES} (did you mean "Fruits et légumes"?), '
            'got "fruit legume"',
        ),
    ),
    Case(
        "unknown temperature",
        cell("lots.csv", "L1", "temperature", "tiède"),
        E("lots.csv", 2, "temperature", 'expected ambient, chilled or frozen (or sec, frais, surgelé), got "tiède"'),
    ),
    Case(
        "unknown refused category",
        cell("associations.csv", "A3", "refuses", "surgeles, jouets"),
        E(
            "associations.csv",
            4,
            "refuses",
            f'expected a category among {CATEGORIES} (unknown: "jouets"), got "surgeles, jouets"',
        ),
    ),
    Case(
        "unknown site of a lot",
        cell("lots.csv", "L1", "site", "fermme"),
        E("lots.csv", 2, "site", 'expected a site id of sites.csv (did you mean "ferme"?), got "fermme"'),
    ),
    Case(
        "unknown depot of a vehicle",
        cell("vehicles.csv", "V1", "depot", "garage"),
        E("vehicles.csv", 2, "depot", 'expected a site id of sites.csv, got "garage"'),
    ),
    Case(
        "unknown hub",
        toml('hub = "hub"', 'hub = "plateforme"'),
        E("scenario.toml", None, "hub", 'expected a site id of sites.csv, got "plateforme"'),
    ),
    Case(
        "hub that is a supplier",
        toml('hub = "hub"', 'hub = "ferme"'),
        E("scenario.toml", None, "hub", 'expected a site of kind hub, got "ferme" of kind supplier'),
    ),
    Case(
        "no hub at all",
        both(toml('hub = "hub"', ""), cell("sites.csv", "hub", "kind", "supplier")),
        E(
            "scenario.toml",
            None,
            "hub",
            "expected a key hub naming the hub site, or exactly one site of kind hub, got none",
        ),
    ),
    Case(
        "duplicate id",
        cell("lots.csv", "L2", "id", "L1"),
        E("lots.csv", 3, "id", 'expected a unique id, got "L1" again (first on row 2)'),
    ),
    Case(
        "DLC before availability",
        cell("lots.csv", "L2", "use_by", "01/10/2020"),
        E("lots.csv", 3, "use_by", 'expected a DLC on or after available (2020-10-05), got "01/10/2020"'),
    ),
    Case(
        "bad open days",
        cell("associations.csv", "A1", "open_days", "mon wensday"),
        E("associations.csv", 2, "open_days", f'expected {DAYS}, got "mon wensday"'),
    ),
    Case(
        "backward day range",
        cell("vehicles.csv", "V1", "days", "fri-mon"),
        E("vehicles.csv", 2, "days", f'expected {DAYS}, got "fri-mon"'),
    ),
    Case(
        "backward window",
        cell("associations.csv", "A1", "receive_window", "12:00-09:00"),
        E(
            "associations.csv",
            2,
            "receive_window",
            'expected a time window like "09:00-12:00" with its start before its end, got "12:00-09:00"',
        ),
    ),
    Case(
        "bad boolean",
        cell("vehicles.csv", "V2", "refrigerated", "peut-être"),
        E("vehicles.csv", 3, "refrigerated", 'expected true or false (oui/non, vrai/faux, 1/0), got "peut-être"'),
    ),
    Case(
        "bad commune code",
        cell("associations.csv", "A1", "commune", "Dijon"),
        E("associations.csv", 2, "commune", 'expected an INSEE commune code like "21231", got "Dijon"'),
    ),
    Case(
        "fractional beneficiaries",
        cell("associations.csv", "A1", "beneficiaries", "12,5"),
        E("associations.csv", 2, "beneficiaries", 'expected a whole number >= 0, got "12,5"'),
    ),
    Case(
        "bad site kind",
        cell("sites.csv", "ferme", "kind", "magasin"),
        E("sites.csv", 3, "kind", 'expected hub or supplier, got "magasin"'),
    ),
    Case(
        "a value split by a separator",
        extra_cell,
        E(
            "lots.csv",
            3,
            None,
            'expected at most 12 cells (one per column), got 13 (a separator inside a value? e.g. "oops")',
        ),
    ),
    Case(
        "no lot",
        lambda f: keep_header_only(f, "lots.csv"),
        E("lots.csv", None, None, "expected at least one lot this week, got none"),
    ),
    Case(
        "no association",
        lambda f: keep_header_only(f, "associations.csv"),
        E("associations.csv", None, None, "expected at least one association this week, got none"),
    ),
    Case(
        "unknown parameter",
        toml('rule = "leximin"', 'rul = "leximin"'),
        E("scenario.toml", None, "policy.rul", 'expected a key of [policy] (did you mean "rule"?), got "rul"'),
    ),
    Case(
        "unknown top-level key",
        toml('week = "2020-W41"', 'week = "2020-W41"\nweeks = 3'),
        E("scenario.toml", None, "weeks", 'expected a known key (did you mean "week"?), got "weeks"'),
    ),
    Case(
        "unknown section",
        toml("[policy]", "[polcy]"),
        E(
            "scenario.toml",
            None,
            "polcy.rule",
            'expected a section policy, logistics or routing (did you mean "policy"?), got "polcy"',
        ),
        only=False,
    ),
    Case(
        "parameter out of range",
        toml('rule = "leximin"', 'rule = "fair"'),
        E("scenario.toml", None, "policy.rule", f"expected rule in {', '.join(RULES)}, got 'fair'"),
    ),
    Case(
        "parameter range without a got",
        toml('rule = "leximin"', "min_delivery_kg = -5"),
        E("scenario.toml", None, "policy.min_delivery_kg", 'expected min_delivery_kg >= 0, got "-5"'),
    ),
    Case(
        "parameter of the wrong type",
        toml("seed = 1", 'seed = "un"'),
        E("scenario.toml", None, "routing.seed", 'expected a whole number, got "un"'),
    ),
    Case(
        "missing road graph",
        toml("[logistics]", '[logistics]\nroad_graph = "dijon.graphml"'),
        E(
            "scenario.toml",
            None,
            "logistics.road_graph",
            'expected a GraphML road network file, got "dijon.graphml" (no file {folder}/dijon.graphml)',
        ),
    ),
    Case(
        "bad ISO week",
        toml('week = "2020-W41"', 'week = "2020-41"'),
        E("scenario.toml", None, "week", 'expected an ISO week like "2020-W41", got "2020-41"'),
    ),
    Case(
        "missing week",
        toml('week = "2020-W41"', ""),
        E("scenario.toml", None, "week", 'expected a key "week" (ISO week, e.g. "2020-W41"), got none'),
    ),
    Case(
        "TOML syntax error",
        toml("ration_kg = 1.0", "ration_kg = 1,05"),
        E(
            "scenario.toml",
            9,
            None,
            "expected valid TOML (key = value, [section]), got a syntax error: "
            "Expected newline or end of document after a statement (at line 9, column 14)",
        ),
    ),
    Case(
        "binary garbage instead of a table",
        garbage("lots.csv"),
        E("lots.csv", None, None, "expected a text file (UTF-8 or Windows-1252), got binary or undecodable data"),
    ),
    Case(
        "missing table",
        lambda f: (f / "vehicles.csv").unlink(),
        E("vehicles.csv", None, None, "expected a file vehicles.csv in \"{folder}\", got none"),
    ),
    Case(
        "empty table",
        lambda f: (f / "sites.csv").write_text("\n\n", encoding="utf-8"),
        E("sites.csv", None, None, "expected a header row and data rows, got an empty table"),
        only=False,  # the lots' sites and the hub are then unknown
    ),
]  # fmt: skip


@pytest.mark.parametrize("case", ERRORS, ids=[c.name for c in ERRORS])
def test_each_error_is_located_and_worded(case: Case, tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    case.mutate(folder)
    expected = Problem(
        case.expected.file,
        case.expected.row,
        case.expected.column,
        case.expected.message.replace("{folder}", str(folder)),
    )
    report = check_scenario(folder)
    assert not report.ok and report.scenario is None and report.summary == {}
    assert expected in report.errors
    if case.only:
        assert report.errors == (expected,)
    with pytest.raises(ScenarioError) as raised:
        load_scenario(folder)
    assert expected in raised.value.errors
    assert str(expected) in str(raised.value)


LYON = both(cell("sites.csv", "ferme", "lat", "45.76"), cell("sites.csv", "ferme", "lon", "4.83"))

WARNINGS = [
    Case(
        "supplier out of reach of every association",
        LYON,
        W(
            "sites.csv",
            3,
            "lat",
            'expected a site within 80 km of an association (logistics.reach_km), got "45.76, 4.83": the nearest association is 170 km away',
        ),
    ),
    Case(
        "association out of reach of every site",
        cell("associations.csv", "A2", "lat", "48.85"),
        W(
            "associations.csv",
            3,
            "lat",
            'expected an association within 80 km of a site (logistics.reach_km), got "48.85, 5.005": the nearest site is 170 km away',
        ),
    ),
    Case(
        "huge storage in an association",
        cell("associations.csv", "A1", "dry_kg", "50 000"),
        W("associations.csv", 2, "dry_kg", 'expected at most 20000 kg of free storage in an association, got "50 000"'),
    ),
    Case(
        "huge vehicle",
        cell("vehicles.csv", "V1", "capacity_kg", "60000"),
        W("vehicles.csv", 2, "capacity_kg", 'expected a capacity of at most 50000 kg, got "60000"'),
    ),
    Case(
        "too many beneficiaries",
        cell("associations.csv", "A2", "beneficiaries", "6000"),
        W("associations.csv", 3, "beneficiaries", 'expected at most 5,000 persons a week in one association, got "6000"'),
    ),
    Case(
        "price above market value",
        cell("lots.csv", "L3", "price_eur_kg", "3,10"),
        W("lots.csv", 4, "price_eur_kg", 'expected a price at most the market value (2.5 €/kg), got "3,10"'),
    ),
    Case(
        "chilled category kept ambient",
        cell("lots.csv", "L2", "temperature", "ambient"),
        W("lots.csv", 3, "temperature", 'expected "chilled" for the category produits_laitiers (ambient only if shelf-stable), got "ambient"'),
    ),
    Case(
        "DLC before the week",
        both(cell("lots.csv", "L2", "available", "2020-10-01"), cell("lots.csv", "L2", "use_by", "02/10/2020")),
        W(
            "lots.csv",
            3,
            "use_by",
            "expected a DLC on or after the week's Monday (2020-10-05): nothing can be delivered, "
            'got "02/10/2020"',
        ),
    ),
    Case(
        "available after the week",
        cell("lots.csv", "L1", "available", "2020-10-12"),
        W("lots.csv", 2, "available", 'expected a lot available by the week\'s Sunday (2020-10-11), got "2020-10-12"'),
    ),
    Case(
        "cold lots and no refrigerated vehicle",
        cell("vehicles.csv", "V2", "refrigerated", "non"),
        W("vehicles.csv", None, "refrigerated", "expected a refrigerated vehicle for the 3 chilled or frozen lots, got none"),
    ),
]  # fmt: skip


@pytest.mark.parametrize("case", WARNINGS, ids=[c.name for c in WARNINGS])
def test_each_warning_is_located_and_does_not_block(case: Case, tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    case.mutate(folder)
    report = check_scenario(folder)
    assert report.ok and report.errors == ()
    assert report.warnings == (case.expected,)
    assert report.scenario is not None and len(report.scenario.lots) == 5


def test_shipped_tiny_has_no_problem() -> None:
    report = check_scenario(TINY)
    assert report.ok and report.errors == () and report.warnings == ()


def test_a_dozen_faults_in_four_files_are_all_reported_in_one_run() -> None:
    report = check_scenario(FIXTURES / "dozen_faults")
    found = {(p.file, p.row, p.column) for p in report.errors}
    assert found == {
        ("scenario.toml", None, "policy.rule"),
        ("scenario.toml", None, "routing.seed"),
        ("sites.csv", 1, "telephone"),
        ("sites.csv", 1, "kind"),
        ("associations.csv", 2, "commune"),
        ("associations.csv", 3, "id"),
        ("associations.csv", 4, "lat"),
        ("lots.csv", 2, "kg"),
        ("lots.csv", 2, "use_by"),
        ("lots.csv", 3, "category"),
        ("lots.csv", 4, "site"),
        ("lots.csv", 5, "available"),
        ("lots.csv", 6, "unit_kg"),
    }
    # vehicles.csv is ';'-separated Windows-1252 with decimal commas and oui/non: valid.
    assert not any(p.file == "vehicles.csv" for p in report.errors)
    assert (FIXTURES / "dozen_faults" / "vehicles.csv").read_bytes().count(b";") > 10


def test_problems_come_in_file_then_row_order(tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    set_cell(folder, "lots.csv", "L4", "kg", "-1")
    set_cell(folder, "lots.csv", "L1", "site", "nowhere")
    set_cell(folder, "lots.csv", "L2", "kg", "x")
    rows = [p.row for p in check_scenario(folder).errors]
    assert rows == [2, 3, 5]


def test_row_numbers_count_the_empty_rows_a_spreadsheet_shows(tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    lines = (folder / "lots.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(3, ",,,,,,,,,,,")  # an empty row between L2 and L3
    lines[4] = lines[4].replace(",80,", ",-80,")
    (folder / "lots.csv").write_text("\n".join(lines) + "\n\n\n", encoding="utf-8")
    (error,) = check_scenario(folder).errors
    assert (error.row, error.column, error.message) == (
        5,
        "kg",
        'expected a number >= 0, got "-80"',
    )


def test_defaults_fill_empty_and_missing_optional_cells(tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    for column in ("value_eur_kg", "temperature", "best_before", "use_by"):
        drop_column(folder, "lots.csv", column)
    for column in ("cost_eur_km", "cost_eur_h", "co2_g_km", "shift", "days", "name"):
        drop_column(folder, "vehicles.csv", column)
    for column in ("collects", "budget_eur", "refuses", "other_supply_kg", "address"):
        drop_column(folder, "associations.csv", column)
    set_cell(folder, "lots.csv", "L3", "price_eur_kg", "")
    set_cell(folder, "lots.csv", "L4", "available", "")
    set_cell(folder, "associations.csv", "A1", "frozen_kg", "")
    scenario = load_scenario(folder)
    lot = scenario.lot_by_id["L4"]
    assert lot.temperature.value == "chilled" and lot.value_eur_kg == 9.0
    assert lot.available.isoformat() == "2020-10-05" and lot.use_by is None
    assert scenario.lot_by_id["L3"].price_eur_kg == 0.0
    vehicle = scenario.vehicle_by_id["V2"]
    assert (vehicle.cost_eur_km, vehicle.co2_g_km, str(vehicle.shift)) == (
        0.47,
        216.0,
        "08:00-16:00",
    )
    a1 = scenario.association_by_id["A1"]
    assert (a1.collects, a1.budget_eur, a1.refuses, a1.frozen_kg) == (False, 0.0, frozenset(), 0.0)


def test_categories_csv_overrides_and_adds_categories(tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    (folder / "categories.csv").write_text(
        "id,label,temperature,value_eur_kg,source\n"
        "Fruits et légumes,,ambient,2.4,Banque alimentaire 2020\n"
        "epices,Épices,ambient,12,\n",
        encoding="utf-8",
    )
    set_cell(folder, "lots.csv", "L3", "category", "Épices")
    scenario = load_scenario(folder)
    assert scenario.categories["fruits_legumes"].value_eur_kg == 2.4
    assert scenario.categories["fruits_legumes"].label == "Fruits et légumes"
    assert scenario.categories["fruits_legumes"].value_source == "Banque alimentaire 2020"
    assert scenario.lot_by_id["L3"].category == "epices"
    assert scenario.lot_by_id["L3"].value_eur_kg == 12.0
    assert scenario.lot_by_id["L1"].value_eur_kg == 2.4


def test_an_ambient_category_may_be_kept_cold_without_warning(tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    set_cell(folder, "lots.csv", "L1", "temperature", "chilled")  # fresh salad, kept cold
    report = check_scenario(folder)
    assert report.ok and not report.warnings


def test_free_text_columns_for_people_are_ignored(tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    rename_column(folder, "vehicles.csv", "name", "Commentaires")
    assert check_scenario(folder).ok


def test_data_dictionary_documents_every_column_and_parameter() -> None:
    text = data_dictionary()
    for table, specs in COLUMNS.items():
        section = text.split(f"### {table}.csv")[1].split("###")[0]
        for spec in specs:
            assert f"| `{spec.name}` |" in section, (table, spec.name)
    for key in ("policy.rule", "logistics.reach_km", "routing.seed", "week", "hub"):
        assert f"| `{key}` |" in text


def test_readme_documents_every_column() -> None:
    readme = (TINY.parents[1] / "README.md").read_text(encoding="utf-8")
    if "lots.csv" not in readme:
        pytest.skip("the README has no data dictionary yet")
    for table, specs in COLUMNS.items():
        for spec in specs:
            assert f"`{spec.name}`" in readme or f"| {spec.name} |" in readme, (table, spec.name)

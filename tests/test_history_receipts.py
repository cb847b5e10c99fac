"""Receipts: what associations actually received, checked, recorded, and compared with the plan."""

# ruff: noqa: F811  (the db and db_url fixtures are imported from history_helpers)

from __future__ import annotations

import pandas as pd
import pytest
from history_helpers import (
    db,  # noqa: F401 - fixture
    db_url,  # noqa: F401 - fixture
    two_week_scenario,
)

from aide_alim.db import Database
from aide_alim.history import (
    HistoryError,
    ReceiptError,
    publish_week,
    read_history,
    read_receipts,
    record_receipts,
)


def _table(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["lot", "association", "kg_received"])


def _received(db: Database) -> dict[str, float]:
    d = read_history(db).deliveries
    return {str(k): float(v) for k, v in d.groupby("association")["kg"].sum().items()}


def test_read_receipts_semicolons_decimal_commas_and_windows_1252(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "retour.csv"
    path.write_bytes("Lot;Association;kg_received;comment\nl1;a1;75,5;abîmé\n".encode("cp1252"))
    table = read_receipts(path)
    assert table[["lot", "association", "kg_received", "comment", "row"]].values.tolist() == [
        ["l1", "a1", 75.5, "abîmé", 2]
    ]


def test_read_receipts_lists_every_problem_with_its_row(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "retour.csv"
    path.write_text("lot,association,kg_received\nl1,a1,beaucoup\n,a2,3\nl1,a1,-2\n")
    with pytest.raises(ReceiptError) as error:
        read_receipts(path)
    text = str(error.value)
    assert (
        'retour.csv, row 2, column kg_received: expected a number of kg >= 0, got "beaucoup"'
        in text
    )
    assert "retour.csv, row 3, column lot: expected an id, got an empty cell" in text
    assert 'row 4, column kg_received: expected a number of kg >= 0, got "-2"' in text
    assert 'lot "l1" for association "a1" already given on row 2' in text


def test_read_receipts_missing_column(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "retour.csv"
    path.write_text("lot,association,kg\nl1,a1,3\n")
    with pytest.raises(ReceiptError, match="missing kg_received; found lot, association, kg"):
        read_receipts(path)


def test_receipts_replace_the_plan_and_the_latest_wins(db) -> None:
    scn, alloc = two_week_scenario()  # plan: a1 80 kg, a2 40 kg of l1
    publish_week(db, scn, alloc)
    diff = record_receipts(db, "2020-W41", _table(("l1", "a1", 70.0)))
    assert diff.to_dict("records") == [
        {"lot": "l1", "association": "a1", "planned_kg": 80.0, "kg_received": 70.0,
         "difference_kg": -10.0, "flag": "less", "comment": ""}
    ]  # fmt: skip
    assert _received(db) == {"a1": 70.0, "a2": 40.0}  # a2 did not report: its plan counts
    # The coordinator corrects a1's figure: the latest receipt counts.
    diff = record_receipts(db, "2020-W41", _table(("l1", "a1", 80.2)), source="coordinator")
    assert diff.empty  # within the tolerance of 0.5 kg
    assert _received(db) == {"a1": 80.2, "a2": 40.0}


def test_unplanned_and_missing_are_flagged(db) -> None:
    scn, alloc = two_week_scenario()
    scn = scn.replace(lots=(*scn.lots, scn.lots[0].__class__(**{**_lot_fields(scn), "id": "l2"})))
    publish_week(db, scn, alloc)
    diff = record_receipts(db, "2020-W41", _table(("l2", "a2", 12.0)))
    flags = dict(zip(diff["lot"], diff["flag"], strict=True))
    assert flags == {"l1": "missing", "l2": "unplanned"}
    assert _received(db) == {"a1": 80.0, "a2": 52.0}  # l1 planned 40 still counts, + l2 12


def _lot_fields(scn) -> dict[str, object]:  # type: ignore[no-untyped-def]
    lot = scn.lots[0]
    return {name: getattr(lot, name) for name in lot.__slots__}


def test_receipts_must_name_the_weeks_lots_and_associations(db) -> None:
    scn, alloc = two_week_scenario()
    publish_week(db, scn, alloc)
    with pytest.raises(ReceiptError) as error:
        record_receipts(db, "2020-W41", _table(("l9", "a1", 1.0), ("l1", "zz", 2.0)), file="r.csv")
    text = str(error.value)
    assert 'r.csv, row 2, column lot: expected a lot of week 2020-W41, got "l9"' in text
    assert (
        'r.csv, row 3, column association: expected an association of week 2020-W41, got "zz"'
        in text
    )
    assert read_history(db).deliveries["received_known"].sum() == 0  # nothing recorded


def test_receipts_for_an_unpublished_week(db) -> None:
    with pytest.raises(HistoryError, match="Week 2020-W50 is not published"):
        record_receipts(db, "2020-W50", _table(("l1", "a1", 1.0)))
    with pytest.raises(HistoryError, match='Expected an ISO week like "2020-W41", got "W50"'):
        record_receipts(db, "W50", _table(("l1", "a1", 1.0)))


def test_more_than_the_whole_lot_is_an_error_located_in_the_file(db) -> None:
    scn, alloc = two_week_scenario()
    publish_week(db, scn, alloc)
    lot_kg = scn.lot_by_id["l1"].kg
    with pytest.raises(ReceiptError) as error:
        record_receipts(db, "2020-W41", _table(("l1", "a1", lot_kg * 10)), file="r.csv")
    assert f'r.csv, row 2, column kg_received: expected at most the {lot_kg:g} kg of lot "l1"' in (
        str(error.value)
    )
    assert read_history(db).deliveries["received_known"].sum() == 0


def test_bad_numbers_and_unknown_ids_are_reported_together(db) -> None:
    scn, alloc = two_week_scenario()
    publish_week(db, scn, alloc)
    table = pd.DataFrame(
        [("l1", "a1", "beaucoup"), ("l9", "a1", "3")], columns=["lot", "association", "kg_received"]
    )
    with pytest.raises(ReceiptError) as error:
        record_receipts(db, "2020-W41", table, file="r.csv")
    text = str(error.value)
    assert 'row 2, column kg_received: expected a number of kg >= 0, got "beaucoup"' in text
    assert 'row 3, column lot: expected a lot of week 2020-W41, got "l9"' in text


def test_a_partial_file_flags_only_its_associations_unless_complete(db) -> None:
    scn, alloc = two_week_scenario()  # plan: a1 80 kg, a2 40 kg of l1
    publish_week(db, scn, alloc)
    diff = record_receipts(db, "2020-W41", _table(("l1", "a1", 80.0)))
    assert diff.empty  # a2 did not send its figures: nothing to say about it
    diff = record_receipts(db, "2020-W41", _table(("l1", "a1", 80.0)), complete=True)
    assert diff[["lot", "association", "flag"]].to_dict("records") == [
        {"lot": "l1", "association": "a2", "flag": "missing"}
    ]


def test_a_lot_an_earlier_receipt_recorded_is_not_missing(db) -> None:
    # Issue 15, item 12: a2 returns l1 first, then l2 in a second file; l1 is not "missing".
    scn, alloc = two_week_scenario()
    scn = scn.replace(lots=(*scn.lots, scn.lots[0].__class__(**{**_lot_fields(scn), "id": "l2"})))
    publish_week(db, scn, alloc)
    record_receipts(db, "2020-W41", _table(("l1", "a2", 40.0)))
    diff = record_receipts(db, "2020-W41", _table(("l2", "a2", 12.0)))
    assert dict(zip(diff["lot"], diff["flag"], strict=True)) == {"l2": "unplanned"}


def test_a_header_only_file_records_nothing(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Issue 15, item 5: an IntegrityError traceback before.
    scn, alloc = two_week_scenario()
    publish_week(db, scn, alloc)
    path = tmp_path / "vide.csv"
    path.write_text("lot,association,kg_received\n")
    with pytest.raises(ReceiptError, match=r"vide\.csv: expected at least one row of receipts"):
        record_receipts(db, "2020-W41", read_receipts(path, validate=False), file=path.name)


def test_receipts_take_association_names_as_people_write_them(db) -> None:
    scn, alloc = two_week_scenario()  # a1 is named "Association a1"
    publish_week(db, scn, alloc)
    diff = record_receipts(db, "2020-W41", _table(("l1", "  ASSOCIATION A1 ", 70.0)))
    assert diff["association"].tolist() == ["a1"]
    assert _received(db)["a1"] == 70.0


def test_a_near_miss_on_an_association_name_gets_a_suggestion(db) -> None:
    scn, alloc = two_week_scenario()
    publish_week(db, scn, alloc)
    with pytest.raises(ReceiptError) as error:
        record_receipts(db, "2020-W41", _table(("l1", "Asociation a2", 2.0)), file="r.csv")
    assert 'expected an association of week 2020-W41 (did you mean "Association a2"?), got' in str(
        error.value
    )

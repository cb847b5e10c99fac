"""A convention file's format: another year loads, structural errors are located by line."""

from __future__ import annotations

import pytest

from aide_alim.ledger import LedgerError, load_convention
from aide_alim.ledger.convention_files import default_convention_path


def test_another_year_loads_from_the_same_format(tmp_path):
    text = default_convention_path().read_text(encoding="utf-8")
    text = text.replace("year = 2020", "year = 2021").replace(
        "report_deadline = 2021-03-31", "report_deadline = 2022-03-31"
    )
    path = tmp_path / "convention_2021.toml"
    path.write_text(text, encoding="utf-8")
    convention = load_convention(path)
    assert convention.year == 2021
    assert str(convention.report_deadline) == "2022-03-31"
    assert convention.source == str(path)


def test_structural_errors_are_all_reported_with_their_line(tmp_path):
    text = default_convention_path().read_text(encoding="utf-8")
    text = text.replace('id = "1.3"\naxis = "1"', 'id = "1.3"\naxis = "9"')
    text = text.replace("budget = 14000 ", "budget = -14000 ")
    text = text.replace('kind = "qualitatif"', 'kind = "texte"', 1)
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LedgerError) as info:
        load_convention(path)
    message = str(info.value)
    lines = text.splitlines()
    axis_line = lines.index('axis = "9"') + 1
    assert "3 errors in broken.toml" in message
    assert f"line {axis_line}, actions[3] (1.3).axis: unknown axis '9'" in message
    assert "actions[7] (2.2).budget: expected an amount ≥ 0 €, found -14000" in message
    assert "indicators[3].kind: expected one of ['nombre', 'qualitatif'], found 'texte'" in message


def test_invalid_toml_names_the_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('format = 1\n[convention\nname = "x"\n', encoding="utf-8")
    with pytest.raises(LedgerError, match=r"bad.toml, line 2: not valid TOML"):
        load_convention(path)

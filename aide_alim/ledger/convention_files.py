"""Where a convention comes from: a TOML file, given by path or shipped with the package.

The 2020 Dijon convention ships with the package (``data/convention_dijon_2020.toml``); another
year or another territory is written in the same format (see
:mod:`aide_alim.ledger.convention_reader`) and passed by path.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from aide_alim.errors import Problem
from aide_alim.i18n import _
from aide_alim.ledger.convention import Convention, LedgerError
from aide_alim.ledger.convention_reader import parse_convention

DEFAULT_CONVENTION = "convention_dijon_2020.toml"


def default_convention_path() -> Path:
    """Path of the 2020 Dijon convention shipped with the package."""
    return Path(str(resources.files("aide_alim.ledger") / "data" / DEFAULT_CONVENTION))


def packaged_conventions() -> dict[int, Path]:
    """The conventions shipped with the package, by year (files ``convention_*.toml``)."""
    found: dict[int, Path] = {}
    folder = default_convention_path().parent
    for path in sorted(folder.glob("convention_*.toml")):
        try:
            found[load_convention(path).year] = path
        except LedgerError:
            continue
    return found


def find_convention(*, year: int | None = None, path: str | Path | None = None) -> Convention:
    """The convention in ``path`` (checked against ``year`` if given), else the packaged one
    for ``year`` (else the default 2020 convention)."""
    if path is not None:
        convention = load_convention(path)
        if year is not None and convention.year != year:
            raise LedgerError(
                [
                    Problem(
                        str(path),
                        None,
                        "convention.year",
                        _("expected the {year} convention, found {found}").format(
                            year=year, found=convention.year
                        ),
                    )
                ],
                what=Path(path).name,
            )
        return convention
    if year is None:
        return load_convention()
    shipped = packaged_conventions()
    if year not in shipped:
        years = ", ".join(str(y) for y in sorted(shipped))
        raise LedgerError(
            [
                Problem(
                    "--year",
                    None,
                    None,
                    _(
                        "no convention for {year} is shipped (only {years}); write one in the same "
                        "format and pass it with --convention FILE"
                    ).format(year=year, years=years),
                )
            ],
            what=_("the choice of convention"),
        )
    return load_convention(shipped[year])


def load_convention(path: str | Path | None = None) -> Convention:
    """Read and validate a convention file (default: the 2020 Dijon convention).

    Raises :class:`LedgerError` listing every problem with its line in the file.
    """
    file = Path(path) if path is not None else default_convention_path()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise LedgerError(
            [
                Problem(
                    str(file),
                    None,
                    None,
                    _("cannot read the file ({error})").format(error=exc.strerror),
                )
            ],
            what=str(file.name),
        ) from None
    return parse_convention(text, file_name=str(file))

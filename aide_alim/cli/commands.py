"""Imports every command module so that each registers itself on :data:`aide_alim.cli.main`.

Add one import line per command module.
"""
from aide_alim.cli import synth  # noqa: F401
from aide_alim.cli import validate  # noqa: F401
from aide_alim.cli import sweep  # noqa: F401
from aide_alim.cli import ledger  # noqa: F401
from aide_alim.cli import run  # noqa: F401
from aide_alim.cli import history  # noqa: F401
from aide_alim.cli import route  # noqa: F401
from aide_alim.cli import allocate  # noqa: F401

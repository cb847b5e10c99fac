"""Imports every command module so that each registers itself on :data:`aide_alim.cli.main`.

Add one import line per command module.
"""

from aide_alim.cli import (
    allocate,  # noqa: F401
    history,  # noqa: F401
    ledger,  # noqa: F401
    offers,  # noqa: F401
    portal,  # noqa: F401
    route,  # noqa: F401
    run,  # noqa: F401
    sweep,  # noqa: F401
    synth,  # noqa: F401
    validate,  # noqa: F401
)

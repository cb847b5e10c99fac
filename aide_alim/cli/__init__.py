"""The ``aide-alim`` command line: a thin shell over the library.

Each command lives in its own module of this package, opens its input, calls one library
function and renders the result. Any error becomes a one-line ``Error: …`` message and a
non-zero exit status, never a traceback (:class:`aide_alim.cli.common.SafeGroup`).
"""

from __future__ import annotations

import atexit
import gc

import click

from aide_alim import __version__
from aide_alim.cli.common import SafeGroup


@click.group(
    cls=SafeGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="aide-alim")
def main() -> None:
    """aide-alim: share out the week's food-aid lots fairly and plan their collection.

    A typical week: ``aide-alim validate scenarios/dijon`` to check the files, then
    ``aide-alim run scenarios/dijon --out plans/`` to allocate, route and write the documents.
    """


def _register() -> None:
    # Each command module adds itself to ``main``; importing them here keeps ``main`` complete.
    from aide_alim.cli import commands  # noqa: F401
    from aide_alim.i18n import localise

    localise(main)  # help in French unless the environment asks for English


_register()

# At exit the interpreter runs full garbage collections over every object of the loaded
# libraries (pandas, matplotlib, PyVRP…): ~0.4 s for nothing in a command that ends. Frozen
# objects are skipped; files are already closed and the other exit handlers still run.
atexit.register(gc.freeze)

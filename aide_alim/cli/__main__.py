"""``python -m aide_alim.cli``: the ``aide-alim`` command without its launcher script."""

from aide_alim.cli import main

main(prog_name="aide-alim")

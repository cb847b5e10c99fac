"""French first: Babel formatting (:mod:`aide_alim.i18n.fmt`) and the CLI's message catalogues."""

"""The web portal: associations, the coordinator and the convention's steering, in French.

A thin shell over the library, like the CLI: :func:`create_app` builds the ASGI application over
the history database (``aide-alim serve`` runs it with uvicorn). One module per concept:
:mod:`.app` (application, login), :mod:`.web` (request plumbing), :mod:`.security`,
:mod:`.auth` (accounts, sessions, audit), :mod:`.association`, :mod:`.coordinator` and
:mod:`.steering` (pages per role), :mod:`.plans` (published plans), :mod:`.declarations`,
:mod:`.worker` (runs and publications in the background), :mod:`.tables` (its tables).

Needs the ``web`` extra: ``pip install -e ".[web]"``.
"""

from aide_alim.portal.app import create_app

__all__ = ["create_app"]

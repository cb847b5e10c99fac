"""The prospector's page: the register of opportunities (action 3.1), week by week.

Every offer recorded by ``aide-alim offers add`` with its verdict (prendre, négocier with the
price at which it is worth it, refuser), the reasons that decide it, its rank and its outcome
(taken: kg and price agreed; refused: why). Read-only: scoring needs the week's files, which the
command line has. Every user string is escaped by the templates (autoescape).
"""

from __future__ import annotations

import re

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from aide_alim.offers.register import read_register
from aide_alim.portal.web import Ctx, page, render

_WEEK = re.compile(r"^\d{4}-W\d{2}$")


@page("coordinator", "steering")
def register_page(ctx: Ctx) -> Response:
    week = ctx.request.query_params.get("semaine", "")
    if week and not _WEEK.match(week):
        week = ""
    table = read_register(ctx.db, week=week or None)
    weeks = sorted(set(read_register(ctx.db)["week"]), reverse=True)
    rows = table.sort_values(["week", "rank"], ascending=[False, True]).to_dict("records")
    return render(ctx, "coordinator/offers.html", rows=rows, weeks=weeks, week=week)


def routes() -> list[BaseRoute]:
    return [Route("/coord/offres", register_page)]

"""What the coordinator should know about the week's logistics, in plain French.

Sentences for the summary: how close the plan is to the bound, why associations that collect
at the hub may get more when the fleet binds, the leftovers that will be lost soon (DLC), and
what the fleet could not move (so that the prospection does not look for more of it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aide_alim.documents.prospection import left_for_vehicles
from aide_alim.i18n import fmt
from aide_alim.planning.reasons import close_dlc
from aide_alim.scenario.model import Scenario

if TYPE_CHECKING:
    from aide_alim.planning.core import RoutedAllocation


def planning_notes(scenario: Scenario, routed: RoutedAllocation) -> tuple[str, ...]:
    """The summary's sentences on this week's logistics (see module docstring)."""
    out: list[str] = []
    allocation = routed.allocation
    metrics = allocation.metrics
    got = float(metrics.get("min_fill_ratio", float("nan")))
    bound = routed.bound
    if bound is not None and got == got:
        out.append(
            f"Couverture de l'association la moins bien servie : {fmt.pct(got)}. Au mieux, "
            "avec les véhicules de cette semaine, aucun plan ne dépasse "
            f"{fmt.pct(bound.min_fill_ratio)} ni {fmt.kg(bound.kg_distributed)} distribués "
            "(borne calculée sur le temps de chaque véhicule, jour par jour et créneau par "
            "créneau)."
        )
    table = allocation.by_association
    if len(table) and "fill_ratio" in table:
        collects = {a.id for a in scenario.associations if a.collects}
        fills = table.set_index("association")["fill_ratio"]
        own = fills[fills.index.isin(collects)]
        others = fills[~fills.index.isin(collects)]
        if len(own) and len(others) and own.min() > others.min() + 0.02:
            out.append(
                f"Les {len(own)} associations qui viennent chercher leur part à l'entrepôt sont "
                f"couvertes à {fmt.pct(float(own.min()))} au moins, les autres à "
                f"{fmt.pct(float(others.min()))} au moins : leur nourriture ne prend pas de "
                "place dans les tournées de livraison, qui sont ce qui manque cette semaine. "
                "La répartition relève d'abord les moins bien servies ; ce qui reste ne peut "
                "aller qu'aux associations que les véhicules n'ont pas besoin de visiter."
            )
    limited = left_for_vehicles(routed.leftovers)
    labels = {"ambient": "ambiants", "chilled": "frais", "frozen": "surgelés"}
    for temperature, kg in sorted(limited.items()):
        if kg >= 1:
            out.append(
                f"{fmt.kg(kg)} de produits {labels.get(temperature, temperature)} n'ont pas pu "
                "être transportés (véhicules de la bonne température complets dans les créneaux "
                "possibles) : inutile d'en chercher davantage cette semaine sans un véhicule ou "
                "un créneau de plus."
            )
    soon = close_dlc(routed.leftovers)
    if len(soon):
        lots = ", ".join(sorted(soon["lot"].astype(str))[:8])
        more = "…" if len(soon) > 8 else ""
        out.append(
            f"À DLC proche et non placés : {len(soon)} lot{'s' if len(soon) > 1 else ''} "
            f"({fmt.kg(float(soon['kg'].sum()))} : {lots}{more}) — à proposer en dépannage "
            "ou à un partenaire avant qu'ils ne soient perdus."
        )
    if routed.kg_held_back > 0:
        out.append(
            f"{fmt.kg(routed.kg_held_back)} attribués n'ont trouvé place dans aucune tournée : "
            "ils restent chez le fournisseur et ne sont promis à personne."
        )
    return tuple(out)


__all__ = ["planning_notes"]

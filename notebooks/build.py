"""Write the study notebooks (``*.ipynb`` in this folder) from the cells below, without outputs.

The notebooks are generated so that they stay reviewable as code and are committed clean:

    python notebooks/build.py          # rewrite every notebook
    python notebooks/build.py 03       # only those whose name starts with 03

They use aide_alim's public API only and run from this folder (Jupyter's default), reading
``../scenarios/dijon``. ``tests/test_notebooks.py`` executes each one and checks that the
committed files carry no outputs.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

Cell = tuple[str, str]


def md(text: str) -> Cell:
    return ("md", textwrap.dedent(text).strip())


def code(text: str) -> Cell:
    return ("code", textwrap.dedent(text).strip())


SETUP = code(
    """
    from pathlib import Path

    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    plt.rcParams.update({"figure.dpi": 90, "axes.grid": True, "grid.alpha": 0.3})
    from aide_alim.i18n.fmt import eur, number, pct

    # Figures the French way: 197 549 €, 0,83 (Babel, as in the documents).
    pd.options.display.float_format = lambda x: number(x, 2)
    SCENARIO = Path("..") / "scenarios" / "dijon"
    """
)

# --- 01: the scenario -------------------------------------------------------------------------

SCENARIO_NB: list[Cell] = [
    md(
        """
        # Le scénario de Dijon Métropole : qui a besoin de quoi, et où ?

        Ce carnet présente la semaine type livrée avec l'outil (`scenarios/dijon`) : les
        23 communes de la métropole, les associations d'aide alimentaire, les sites où l'on
        collecte les denrées (fournisseurs) et la plateforme mutualisée. Il compare ensuite le
        **besoin** des associations à l'**offre** de la semaine.

        *Besoin* d'une association = nombre de personnes accueillies par semaine × ration
        hebdomadaire (1,05 kg par personne, moyenne nationale de l'aide alimentaire).
        """
    ),
    SETUP,
    code(
        """
        from aide_alim import data
        from aide_alim.scenario import load_scenario, summarize

        scenario = load_scenario(SCENARIO)
        resume = summarize(scenario)
        communes = data.communes()
        associations = pd.DataFrame(
            {
                "id": a.id,
                "nom": a.name,
                "type": a.kind,
                "commune": a.commune,
                "lat": a.lat,
                "lon": a.lon,
                "personnes": a.beneficiaries,
                "retire_a_la_plateforme": a.collects,
            }
            for a in scenario.associations
        )
        sites = pd.DataFrame(
            {"id": s.id, "nom": s.name, "type": str(s.kind), "lat": s.lat, "lon": s.lon}
            for s in scenario.sites
        )
        pd.Series(
            {
                "Associations": resume["counts"]["associations"],
                "Personnes accueillies par semaine": resume["counts"]["beneficiaries"],
                "Sites fournisseurs": resume["counts"]["suppliers"],
                "Lots proposés cette semaine": resume["counts"]["lots"],
                "Véhicules (dont frigorifiques)": f"{resume['counts']['vehicles']} "
                f"({resume['counts']['refrigerated_vehicles']})",
            },
            name=scenario.name,
        ).to_frame()
        """
    ),
    md(
        """
        ## La carte

        Chaque commune est un disque gris (taille proportionnelle à sa population, centre de
        la commune). Les associations sont colorées par type, leur taille suit le nombre de
        personnes accueillies. Les triangles sont les fournisseurs, l'étoile la plateforme.
        Pas de fond de carte : l'outil fonctionne hors ligne.
        """
    ),
    code(
        """
        fig, ax = plt.subplots(figsize=(11, 8))
        ax.scatter(
            communes["lon_centre"], communes["lat_centre"], s=communes["population"] / 150,
            color="lightgrey", edgecolor="grey", alpha=0.6, label="Commune (population)",
        )
        for _, c in communes.iterrows():
            ax.annotate(c["name"], (c["lon_centre"], c["lat_centre"]), fontsize=7, color="dimgrey",
                        xytext=(0, -10), textcoords="offset points", ha="center")
        couleurs = dict(zip(sorted(associations["type"].unique()), plt.cm.Set1.colors))
        for kind, groupe in associations.groupby("type"):
            ax.scatter(groupe["lon"], groupe["lat"], s=groupe["personnes"] / 3, alpha=0.75,
                       color=couleurs[kind], edgecolor="black", linewidth=0.4, label=kind)
        fournisseurs = sites[sites["type"] == "supplier"]
        ax.scatter(fournisseurs["lon"], fournisseurs["lat"], marker="^", s=50, color="teal",
                   edgecolor="black", linewidth=0.4, label="Fournisseur")
        hub = sites[sites["id"] == scenario.hub]
        ax.scatter(hub["lon"], hub["lat"], marker="*", s=400, color="gold", edgecolor="black",
                   label="Plateforme mutualisée", zorder=5)
        ax.set_aspect(1 / np.cos(np.radians(47.3)))  # degrees of longitude are shorter here
        ax.set_xlabel("Longitude (°E)")
        ax.set_ylabel("Latitude (°N)")
        ax.set_title("Dijon Métropole : associations, fournisseurs et plateforme")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, markerscale=0.6)
        plt.tight_layout()
        plt.show()
        """
    ),
    md(
        """
        ## Le besoin face à l'offre

        Trois questions : y a-t-il assez à manger pour tout le monde cette semaine ? Les
        associations ont-elles la place de stocker ce qui arrive (sec, frais, surgelé) ? Où se
        trouve le besoin dans la métropole ?
        """
    ),
    code(
        """
        besoin = resume["need"]
        bilan = pd.Series(
            {
                "Besoin de la semaine": besoin["need_kg"],
                "Offre collectée (lots)": besoin["supply_kg"],
                "Autres approvisionnements": besoin["other_supply_kg"],
            }
        )
        temperature = pd.DataFrame(resume["by_temperature"]).T
        temperature.index = ["Ambiant", "Frais (0–4 °C)", "Surgelé (−18 °C)"]

        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
        ax1.bar(["Besoin"], bilan.iloc[0], color="indianred")
        ax1.bar(["Offre"], bilan.iloc[1], color="seagreen", label="Lots de la semaine")
        ax1.bar(["Offre"], bilan.iloc[2], bottom=bilan.iloc[1], color="lightgreen",
                label="Autres approvisionnements")
        ax1.set_ylabel("kg par semaine")
        ax1.set_title(f"Offre ÷ besoin = {pct(besoin['supply_over_need'])}")
        ax1.legend()
        x = np.arange(len(temperature))
        ax2.bar(x - 0.2, temperature["kg"], width=0.4, label="Offre de la semaine",
                color="seagreen")
        ax2.bar(x + 0.2, temperature["storage_free_kg"], width=0.4, label="Stockage libre",
                color="steelblue")
        ax2.set_xticks(x, temperature.index)
        ax2.set_ylabel("kg")
        ax2.set_title("Offre et place disponible, par classe de température")
        ax2.legend()
        plt.tight_layout()
        plt.show()
        bilan.to_frame("kg")
        """
    ),
    code(
        """
        categories = pd.DataFrame(resume["by_category"]).T.sort_values("kg")
        fig, ax = plt.subplots(figsize=(9, 5))
        ax.barh(categories["label"], categories["kg"], color="seagreen")
        ax.set_xlabel("kg proposés cette semaine")
        ax.set_title("Offre de la semaine par catégorie de produits")
        plt.tight_layout()
        plt.show()
        """
    ),
    code(
        """
        par_commune = (
            associations.groupby("commune")
            .agg(associations=("id", "count"), personnes=("personnes", "sum"))
            .join(communes.set_index("insee_code")[["name", "population"]])
            .assign(
                besoin_kg=lambda t: t["personnes"] * scenario.policy.ration_kg,
                personnes_pour_1000_habitants=lambda t: 1000 * t["personnes"] / t["population"],
            )
            .sort_values("personnes", ascending=False)
            .rename(columns={"name": "commune_nom"})
        )
        sans_association = sorted(set(communes["name"]) - set(par_commune["commune_nom"]))
        print(f"{len(par_commune)} communes ont au moins une association ; "
              f"{len(sans_association)} n'en ont aucune dans le scénario.")
        par_commune
        """
    ),
    md("## Ce qu'il faut retenir (calculé ci-dessus, sur la semaine livrée)"),
    code(
        """
        from IPython.display import Markdown


        def tonnes(kg):
            return f"{number(kg / 1000, 1)} t" if kg >= 1000 else f"{number(kg)} kg"


        place = temperature["storage_free_kg"] / temperature["kg"]
        serree = place.idxmin()
        premiere = categories["kg"].idxmax()
        total = categories["kg"].sum()
        grande = par_commune.iloc[0]
        densite = par_commune.sort_values("personnes_pour_1000_habitants").iloc[-1]
        constats = [
            f"- **L'offre {'ne couvre pas' if besoin['supply_over_need'] < 1 else 'couvre'} le "
            f"besoin** : {tonnes(besoin['supply_kg'])} de lots et "
            f"{tonnes(besoin['other_supply_kg'])} d'autres approvisionnements pour "
            f"{tonnes(besoin['need_kg'])} de besoin, soit {pct(besoin['supply_over_need'])}.",
            f"- **La classe la plus serrée est « {serree} »** : "
            + " ; ".join(
                f"{nom[:1].lower() + nom[1:]} : {tonnes(t['storage_free_kg'])} de place libre pour "
                f"{tonnes(t['kg'])} proposés"
                for nom, t in temperature.iterrows()
            )
            + ".",
            f"- **« {categories.loc[premiere, 'label']} » domine l'offre** "
            f"({tonnes(categories.loc[premiere, 'kg'])} sur {tonnes(total)}).",
            f"- **Le besoin est concentré** : {grande['commune_nom']} regroupe "
            f"{grande['associations']} des {len(associations)} associations et "
            f"{number(grande['personnes'])} des {number(associations['personnes'].sum())} "
            f"personnes accueillies ; {densite['commune_nom']} accueille "
            f"{number(densite['personnes_pour_1000_habitants'])} personnes pour 1 000 habitants ; "
            f"{len(sans_association)} des {len(communes)} communes n'ont aucune association "
            "dans le scénario et dépendent des structures voisines.",
        ]
        Markdown("\\n".join(constats))
        """
    ),
]

# --- 02: organisation models ------------------------------------------------------------------

ORGANISATION_NB: list[Cell] = [
    md(
        """
        # Quel mode d'organisation ? Plateforme avec livraisons, retrait, ou direct

        L'action 3.2 de la convention demande d'étudier « comment ramasser les denrées, quelle
        utilisation de moyens ». On compare trois organisations sur la même semaine :

        1. **Plateforme + livraisons** : les véhicules collectent chez les fournisseurs, tout
           passe par la plateforme, puis les véhicules livrent chaque association ;
        2. **Plateforme + retrait** : même collecte, mais chaque association vient chercher sa
           part à la plateforme avec ses propres moyens ;
        3. **Direct** : les véhicules vont du fournisseur à l'association sans passer par la
           plateforme.

        Pour chacune : répartition équitable (règle leximin), puis tournées (PyVRP, 1 s de
        recherche par problème). On compare kilomètres, heures, coût, CO₂ et équité.
        """
    ),
    SETUP,
    code(
        """
        import dataclasses

        from aide_alim.allocation import allocate
        from aide_alim.routing import plan_routes
        from aide_alim.scenario import load_scenario

        base = load_scenario(SCENARIO)


        def tous(scenario, collecte):
            \"\"\"Every association collects at the hub (True) or is delivered (False).\"\"\"
            return scenario.replace(
                associations=tuple(
                    dataclasses.replace(a, collects=collecte) for a in scenario.associations
                )
            )


        organisations = {
            "Plateforme + livraisons": tous(base, False),
            "Plateforme + retrait": tous(base, True),
            "Direct fournisseur → association": tous(base, False).replace(
                logistics=base.logistics.replace(model="direct")
            ),
        }
        resultats = {}
        for nom, scenario in organisations.items():
            repartition = allocate(scenario)
            tournees = plan_routes(scenario, repartition.lines, time_limit_s=1.0, seed=1)
            resultats[nom] = (scenario, repartition, tournees)
            etat = {"optimal": "optimale", "feasible": "réalisable"}.get(
                str(repartition.status), str(repartition.status)
            )
            print(f"{nom} : répartition {etat}, {len(tournees.rounds)} tournées")
        """
    ),
    md(
        """
        Les totaux de l'outil ne comptent que les tournées des véhicules partagés. Quand les
        associations viennent chercher leur part, leurs propres trajets comptent aussi : on les
        estime ici par un aller-retour plateforme ↔ association (distance à vol d'oiseau ×
        coefficient de détour 1,3) par jour de retrait, avec les coûts et émissions d'une
        camionnette (0,47 €/km, 216 g CO₂/km).
        """
    ),
    code(
        """
        def km_vol_oiseau(lat1, lon1, lat2, lon2):
            lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
            h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(
                (lon2 - lon1) / 2
            ) ** 2
            return 2 * 6371 * np.arcsin(np.sqrt(h))


        def trajets_des_associations(scenario, tournees):
            retraits = tournees.stops[tournees.stops["family"] == "hub_pickup"]
            visites = retraits[["day", "associations"]].drop_duplicates()
            hub = scenario.hub_site
            km = 0.0
            for ids in visites["associations"]:
                for a_id in str(ids).split():
                    a = scenario.association_by_id[a_id]
                    km += 2 * scenario.logistics.circuity * km_vol_oiseau(
                        hub.lat, hub.lon, a.lat, a.lon
                    )
            return km, len(visites)


        lignes = {}
        for nom, (scenario, repartition, tournees) in resultats.items():
            t = tournees.totals
            km_assoc, retraits = trajets_des_associations(scenario, tournees)
            heures_assoc = km_assoc / scenario.logistics.speed_kmh + retraits * 20 / 60
            lignes[nom] = {
                "km (véhicules partagés)": t["km"],
                "km (associations, estimés)": km_assoc,
                "heures (véhicules partagés)": t["hours"],
                "heures (associations, estimées)": heures_assoc,
                "coût € (total)": t["cost_eur"] + 0.47 * km_assoc,
                "CO₂ kg (total)": t["co2_kg"] + 0.216 * km_assoc,
                "véhicule-jours": t["vehicle_days"],
                "kg répartis": repartition.metrics["kg_distributed"],
                "kg non acheminés": t["kg_unserved"],
                "taux de couverture minimal": repartition.metrics["min_fill_ratio"],
                "indice de Gini": repartition.metrics["gini"],
            }
        comparaison = pd.DataFrame(lignes)
        comparaison
        """
    ),
    code(
        """
        indicateurs = [
            ("km", ["km (véhicules partagés)", "km (associations, estimés)"]),
            ("heures", ["heures (véhicules partagés)", "heures (associations, estimées)"]),
            ("€", ["coût € (total)"]),
            ("kg CO₂", ["CO₂ kg (total)"]),
        ]
        noms = list(comparaison.columns)
        couleurs = ["steelblue", "darkorange", "seagreen"]
        fig, axes = plt.subplots(1, 4, figsize=(15, 4.2))
        for ax, (titre, lignes_) in zip(axes, indicateurs):
            bas = np.zeros(len(noms))
            for k, ligne in enumerate(lignes_):
                valeurs = comparaison.loc[ligne, noms].to_numpy(dtype=float)
                ax.bar(range(len(noms)), valeurs, bottom=bas, color=couleurs,
                       alpha=1.0 if k == 0 else 0.45, hatch=None if k == 0 else "//",
                       edgecolor="black", linewidth=0.3)
                bas += valeurs
            ax.set_xticks(range(len(noms)), ["Livraisons", "Retrait", "Direct"])
            ax.set_title(titre)
        axes[0].set_ylabel("par semaine")
        fig.suptitle("Moyens mobilisés (hachuré : trajets des associations elles-mêmes)")
        plt.tight_layout()
        plt.show()
        """
    ),
    code(
        """
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
        ax1.bar(range(3), comparaison.loc["taux de couverture minimal"], color=couleurs)
        ax1.set_title("Équité : couverture du besoin de l'association la moins servie")
        ax1.set_ylim(0, 1)
        ax1.set_xticks(range(3), ["Livraisons", "Retrait", "Direct"])
        achemine = comparaison.loc["kg répartis"] - comparaison.loc["kg non acheminés"]
        ax2.bar(range(3), achemine, color=couleurs, label="réparti et acheminé")
        ax2.bar(range(3), comparaison.loc["kg non acheminés"], bottom=achemine, color="grey",
                label="réparti mais non acheminé")
        ax2.set_xticks(range(3), ["Livraisons", "Retrait", "Direct"])
        ax2.set_ylabel("kg")
        ax2.set_title("Ce qui est réparti, et ce que les tournées ne peuvent pas acheminer")
        ax2.legend(loc="lower center")
        plt.tight_layout()
        plt.show()
        """
    ),
    code(
        """
        fig, axes = plt.subplots(1, 3, figsize=(16, 5.5))
        for ax, (nom, (_, _, tournees)) in zip(axes, resultats.items()):
            tournees.plot(ax=ax)
            ax.set_title(nom)
        plt.tight_layout()
        plt.show()
        """
    ),
    code(
        """
        non_servi = pd.concat(
            {nom: r[2].unserved.groupby("stage")["kg"].sum() for nom, r in resultats.items()},
            axis=1,
        ).fillna(0)
        non_servi.index.name = "étape où la marchandise reste (kg)"
        non_servi
        """
    ),
    md("## Ce qu'il faut retenir (calculé ci-dessus, sur la semaine livrée)"),
    code(
        """
        from IPython.display import Markdown

        c = comparaison
        livraisons, retrait, direct = c.columns
        couverture = c.loc["taux de couverture minimal"]
        non_achemine = c.loc["kg non acheminés"] / c.loc["kg répartis"]
        km_total = c.loc["km (véhicules partagés)"] + c.loc["km (associations, estimés)"]
        ecart = couverture.max() - couverture.min()
        constats = [
            f"- **L'équité {'dépend peu' if ecart < 0.03 else 'dépend'} du mode "
            f"d'organisation** : l'association la moins servie reçoit de {pct(couverture.min())} "
            f"à {pct(couverture.max())} de son besoin selon le mode, avec un indice de Gini "
            f"d'au plus {number(c.loc['indice de Gini'].max(), 3)}.",
            "- **Plateforme + livraisons** : "
            f"{number(c.loc['km (véhicules partagés)', livraisons])} km, "
            f"{number(c.loc['heures (véhicules partagés)', livraisons])} heures de conduite, "
            f"{eur(c.loc['coût € (total)', livraisons], 0)} et "
            f"{number(c.loc['CO₂ kg (total)', livraisons])} kg de CO₂ par semaine ; "
            f"{number(c.loc['kg non acheminés', livraisons])} kg de ce qui est réparti "
            f"({pct(non_achemine[livraisons])}) ne trouvent pas de place dans les tournées.",
            f"- **Direct** : {number(c.loc['km (véhicules partagés)', direct])} km et "
            f"{eur(c.loc['coût € (total)', direct], 0)} ; {pct(non_achemine[direct])} de ce qui "
            f"est réparti reste à quai ({number(c.loc['kg répartis', direct])} kg répartis au "
            f"lieu de {number(c.loc['kg répartis', livraisons])}).",
            "- **Le retrait par les associations** laisse "
            f"{number(c.loc['km (véhicules partagés)', retrait])} km aux véhicules partagés, mais "
            "une fois comptés les allers-retours des associations, le total passe à "
            f"{number(km_total[retrait])} km et {eur(c.loc['coût € (total)', retrait], 0)}, "
            f"contre {number(km_total[livraisons])} km avec les livraisons : l'effort est "
            f"{'déplacé et augmenté' if km_total[retrait] > km_total[livraisons] else 'déplacé'}, "
            "supporté par des bénévoles et des véhicules associatifs.",
        ]
        Markdown("\\n".join(constats))
        """
    ),
    md(
        """
        - **Le facteur limitant est la flotte**, pas la règle de partage : le carnet 04 (et le
          balayage `scenarios/dijon/sweeps/fleet.toml`) montre l'effet d'un véhicule de plus.

        Les tournées sont cherchées pendant un temps limité : les chiffres exacts varient d'un
        calcul à l'autre de quelques pour cent, les écarts entre organisations restent.
        """
    ),
]

# --- 03: fairness -----------------------------------------------------------------------------

FAIRNESS_NB: list[Cell] = [
    md(
        """
        # Équité ou gaspillage ? La frontière, et les règles de partage habituelles

        Une règle de partage doit à la fois **servir équitablement** toutes les associations et
        **ne rien laisser perdre**. Ces deux buts se contredisent en partie : imposer à chacun
        exactement sa part proportionnelle laisse des lots sans preneur (un lot de surgelés ne
        peut aller que là où il y a un congélateur libre).

        La règle *proportionnelle* de l'outil (Orgut et al.) minimise ce qui n'est pas
        distribué, sous la condition que chaque association reste à moins d'un **écart
        maximal** de sa part proportionnelle. En faisant varier cet écart, on trace la
        **frontière équité–gaspillage**. On y place ensuite les règles connues : premier
        arrivé premier servi, tour de rôle, partage proportionnel de chaque lot, moins servi
        d'abord, et les règles équitables de l'outil (max-min, leximin).

        Les variantes sont calculées en parallèle avec `aide_alim.sweep` (Dask, 2 processus).
        """
    ),
    SETUP,
    code(
        """
        from aide_alim.allocation import compare
        from aide_alim.scenario import load_scenario
        from aide_alim.sweep import sweep

        scenario = load_scenario(SCENARIO)
        ecarts = [0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0]
        frontiere = sweep(
            scenario,
            {"grid": {"rule": ["proportional"], "deviation_cap": ecarts}},
            workers=2,
            seed=0,
        )
        regles = compare(scenario)
        colonnes = ["min_fill_ratio", "gini", "max_deviation", "kg_distributed", "kg_left"]
        frontiere[["deviation_cap", "status", *colonnes]]
        """
    ),
    code(
        """
        NOMS = {
            "leximin": "Leximin (défaut)",
            "maxmin": "Max-min",
            "proportional": "Proportionnelle (écart 25 %)",
            "proportional_split": "Partage proportionnel de chaque lot",
            "fcfs": "Premier arrivé, premier servi",
            "round_robin": "Tour de rôle",
            "least_served": "Moins servi d'abord",
        }
        tableau = regles.set_index("rule")[colonnes + ["envy_pairs", "price_of_fairness_kg"]]
        tableau.index = [NOMS[r] for r in tableau.index]
        tableau.columns = [
            "couverture min.", "Gini", "écart max. à la part", "kg distribués",
            "kg non distribués", "paires avec envie", "prix de l'équité (kg)",
        ]
        tableau
        """
    ),
    code(
        """
        ok = frontiere[frontiere["status"].isin(["optimal", "feasible"])]
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5.5))

        ax1.plot(100 * ok["deviation_cap"], ok["kg_left"], "-o", color="indianred",
                 label="kg non distribués")
        ax1.set_xlabel("écart maximal autorisé à la part proportionnelle (%)")
        ax1.set_ylabel("kg non distribués", color="indianred")
        ax1.set_ylim(0, max(ok["kg_left"].max(), regles["kg_left"].max()) * 1.1)
        droite = ax1.twinx()
        droite.plot(100 * ok["deviation_cap"], ok["min_fill_ratio"], "-s", color="steelblue")
        droite.set_ylabel("couverture de l'association la moins servie", color="steelblue")
        droite.set_ylim(0, 1)
        droite.grid(False)
        ax1.set_title("Règle proportionnelle : relâcher l'écart ne réduit pas le gaspillage")

        decalages = {"leximin": (6, 4), "maxmin": (6, -12), "proportional": (6, -12)}
        for rule, ligne in regles.set_index("rule").iterrows():
            equitable = rule in ("leximin", "maxmin", "proportional")
            ax2.scatter(ligne["kg_left"], ligne["min_fill_ratio"], s=80, zorder=5,
                        marker="D" if equitable else "s")
            nom = "Leximin = Max-min" if rule == "leximin" else NOMS[rule]
            if rule != "maxmin":
                ax2.annotate(nom, (ligne["kg_left"], ligne["min_fill_ratio"]), fontsize=8,
                             xytext=decalages.get(rule, (6, 4)), textcoords="offset points")
        ax2.scatter(ok["kg_left"], ok["min_fill_ratio"], s=15, color="lightsteelblue",
                    label="proportionnelle, autres écarts", zorder=3)
        ax2.set_xlabel("kg non distribués (gaspillage potentiel)")
        ax2.set_ylabel("couverture de l'association la moins servie")
        ax2.set_xlim(0, regles["kg_left"].max() * 1.35)
        ax2.set_ylim(0, 1)
        ax2.set_title("Toutes les règles : en haut à gauche = équitable et sans gaspillage")
        ax2.legend(loc="upper right", fontsize=8)
        plt.tight_layout()
        plt.show()
        """
    ),
    md(
        """
        **Lecture** : à gauche, chaque point est la règle proportionnelle avec l'écart maximal
        indiqué (0 % = chacun exactement sa part). À droite, chaque règle est placée selon ce
        qu'elle laisse sans preneur (horizontalement) et ce qu'elle donne à l'association la
        moins servie (verticalement) : les losanges sont les règles équitables de l'outil, les
        carrés les règles habituelles.
        """
    ),
    code(
        """
        from aide_alim.allocation import allocate

        parts = {}
        for rule in ["leximin", "fcfs", "proportional_split"]:
            repartition = allocate(scenario.replace(policy=scenario.policy.replace(rule=rule)))
            parts[NOMS[rule]] = repartition.by_association.set_index("association")["fill_ratio"]
        parts = pd.DataFrame(parts).sort_values(NOMS["leximin"])
        fig, ax = plt.subplots(figsize=(12, 4.5))
        for nom, marqueur in zip(parts.columns, ["o", "s", "^"]):
            ax.plot(range(len(parts)), parts[nom], marqueur, label=nom, alpha=0.8)
        ax.set_xticks(range(len(parts)), parts.index, rotation=90, fontsize=7)
        ax.set_ylabel("taux de couverture du besoin")
        ax.set_title("Taux de couverture de chaque association selon la règle")
        ax.legend()
        plt.tight_layout()
        plt.show()
        """
    ),
    md("## Ce qu'il faut retenir (calculé ci-dessus, sur la semaine livrée)"),
    code(
        """
        from IPython.display import Markdown

        r = regles.set_index("rule")
        offre = float(r.loc["leximin", "kg_distributed"] + r.loc["leximin", "kg_left"])
        f = ok.set_index("deviation_cap")
        relache = f[f.index > 0]
        serre = f[f.index <= 0.2]
        constats = [
            f"- **Le long de la frontière, ce qui reste sans preneur va de "
            f"{number(f['kg_left'].min())} à {number(f['kg_left'].max())} kg** "
            f"({pct(f['kg_left'].min() / offre, 1)} à {pct(f['kg_left'].max() / offre, 1)} de "
            f"l'offre) ; relâcher l'écart de {pct(relache.index.min())} à "
            f"{pct(relache.index.max())} fait varier les kilos non distribués de "
            f"{number(relache['kg_left'].max() - relache['kg_left'].min())} kg.",
            f"- **La couverture de la moins servie** : de {pct(serre['min_fill_ratio'].min())} à "
            f"{pct(serre['min_fill_ratio'].max())} avec un écart jusqu'à 20 %, "
            f"{pct(r.loc['proportional', 'min_fill_ratio'])} avec l'écart de 25 % par défaut, "
            f"{pct(f['min_fill_ratio'].iloc[-1])} avec un écart de {pct(f.index[-1])}.",
            f"- **Leximin** : {pct(r.loc['leximin', 'min_fill_ratio'], 1)} du besoin pour la "
            f"moins servie (max-min : {pct(r.loc['maxmin', 'min_fill_ratio'], 1)}), Gini "
            f"{number(r.loc['leximin', 'gini'], 3)}, {number(r.loc['leximin', 'kg_left'])} kg "
            f"sans preneur, prix de l'équité {number(r.loc['leximin', 'price_of_fairness_kg'])} kg "
            f"({pct(r.loc['leximin', 'price_of_fairness_kg'] / offre, 1)} de l'offre).",
            "- **Les règles habituelles** : "
            + " ; ".join(
                f"{NOMS[k].lower()} laisse la moins servie à {pct(r.loc[k, 'min_fill_ratio'])} "
                f"et {number(r.loc[k, 'kg_left'])} kg sans preneur"
                for k in ("fcfs", "proportional_split", "least_served", "round_robin")
                if k in r.index
            )
            + ".",
        ]
        Markdown("\\n".join(constats))
        """
    ),
]

# --- 04: a simulated year ---------------------------------------------------------------------

YEAR_NB: list[Cell] = [
    md(
        """
        # Une année simulée : volume, régularité, impact financier, et ce qui fait durer

        La convention juge l'action 3.2 sur « l'amélioration des approvisionnements (volume et
        régularité) pour chaque structure » et « l'impact financier pour chaque structure ».
        Faute d'historique réel, on **simule** des semaines plausibles à partir de la semaine
        de Dijon (l'offre varie avec la saison et le hasard), on les répartit avec la règle
        leximin et on les publie dans une base SQLite temporaire, exactement comme le ferait
        la coordinatrice chaque semaine. On lit ensuite les indicateurs par association.

        Pour aller vite, la simulation ne calcule pas les tournées : le coût logistique par
        association n'est donc pas compté ici.
        """
    ),
    SETUP,
    code(
        """
        import tempfile

        from aide_alim.db import open_database
        from aide_alim.history import simulate_year
        from aide_alim.indicators import indicators
        from aide_alim.scenario import load_scenario

        SEMAINES = 12
        scenario = load_scenario(SCENARIO)
        dossier = tempfile.TemporaryDirectory()
        base = open_database(str(Path(dossier.name) / "historique.sqlite"))
        simulation = simulate_year(scenario, SEMAINES, 2020, base)
        tables = indicators(base)
        simulation[["week", "lots", "kg_offered", "kg_allocated", "min_fill_ratio"]]
        """
    ),
    code(
        """
        hebdo = tables["weekly"]
        noms = hebdo.drop_duplicates("association").set_index("association")["name"]
        kg = hebdo.pivot(index="week", columns="association", values="kg")
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(16, 4.5), width_ratios=[1, 1.2])
        ax1.plot(simulation["week"], simulation["kg_offered"], "-o", label="offert")
        ax1.plot(simulation["week"], simulation["kg_allocated"], "-o", label="réparti")
        ax1.set_ylabel("kg par semaine")
        ax1.set_ylim(0, simulation["kg_offered"].max() * 1.1)
        ax1.set_title("Volume offert et réparti chaque semaine")
        ax1.tick_params(axis="x", rotation=60)
        ax1.legend()
        top = kg.sum().sort_values(ascending=False).index[:8]
        ax2.stackplot(range(len(kg)), kg[top].T.to_numpy(), labels=[noms[a] for a in top])
        ax2.set_xticks(range(len(kg)), kg.index, rotation=60)
        ax2.set_ylabel("kg reçus")
        ax2.set_title("Les 8 associations qui reçoivent le plus")
        ax2.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
        plt.tight_layout()
        plt.show()
        """
    ),
    code(
        """
        regularite = tables["regularity"].set_index("association")
        taux = hebdo.pivot(index="association", columns="week", values="fill_ratio")
        taux = taux.loc[taux.mean(axis=1).sort_values().index]
        fig, ax = plt.subplots(figsize=(12, 9))
        image = ax.imshow(taux.to_numpy(), aspect="auto", cmap="RdYlGn", vmin=0, vmax=1.2)
        ax.set_yticks(range(len(taux)), [noms[a][:45] for a in taux.index], fontsize=7)
        ax.set_xticks(range(taux.shape[1]), taux.columns, rotation=60, fontsize=8)
        ax.set_title("Régularité : taux de couverture du besoin, semaine par semaine")
        fig.colorbar(image, ax=ax, label="(reçu + autres sources) ÷ besoin")
        plt.tight_layout()
        plt.show()
        regularite[["name", "share_served", "mean_kg", "cv_kg", "longest_gap_weeks"]].rename(
            columns={
                "name": "association",
                "share_served": "part des semaines servies",
                "mean_kg": "kg par semaine",
                "cv_kg": "variabilité (CV)",
                "longest_gap_weeks": "plus longue interruption (semaines)",
            }
        ).sort_values("variabilité (CV)", ascending=False).head(10)
        """
    ),
    code(
        """
        finance = tables["financial"].set_index("association").sort_values("net_value_eur")
        fig, ax = plt.subplots(figsize=(10, 9))
        y = np.arange(len(finance))
        ax.barh(y, finance["net_value_eur"], color="seagreen", label="valeur nette reçue")
        ax.barh(y, finance["paid_eur"], left=finance["net_value_eur"], color="indianred",
                label="payé par l'association")
        ax.set_yticks(y, [noms[a][:45] for a in finance.index], fontsize=7)
        ax.set_xlabel(f"€ sur {SEMAINES} semaines (valeur marchande)")
        ax.set_title("Impact financier : ce que chaque association aurait dû acheter")
        ax.legend()
        plt.tight_layout()
        plt.show()
        print(f"Valeur marchande totale reçue : {eur(finance['value_eur'].sum(), 0)} ; "
              f"payée : {eur(finance['paid_eur'].sum(), 0)} ; "
              f"soit {eur(finance['value_eur'].sum() / finance['kg'].sum(), 2)} par kg.")
        """
    ),
    code(
        """
        gini = tables["fairness_gini"]
        fig, ax = plt.subplots(figsize=(9, 3.8))
        ax.plot(gini["week"], gini["min"], "-o", label="association la moins servie")
        ax.plot(gini["week"], gini["max"], "-o", label="association la mieux servie")
        ax.set_ylabel("taux de couverture cumulé")
        ax.tick_params(axis="x", rotation=60)
        ax.set_title("Équité dans la durée : taux de couverture cumulés")
        ax.legend()
        plt.tight_layout()
        plt.show()
        """
    ),
    md(
        """
        ## Qu'est-ce qui fait durer l'organisation ? Flotte, stockage, budgets

        On fait varier, sur la semaine de Dijon, les leviers que la coordination ne maîtrise
        pas d'une semaine à l'autre : la **place de stockage** des associations (× 0,5 à
        × 1,5), leurs **budgets** d'achat (aucun, actuel, double) et la **taille de la
        flotte** (2 à 5 véhicules, tournées calculées). Calcul en parallèle avec
        `aide_alim.sweep`.
        """
    ),
    code(
        """
        from distributed import Client, LocalCluster

        from aide_alim.sweep import sweep

        # One local cluster of 2 processes for both sweeps (a sweep can also start its own).
        grappe = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address="127.0.0.1:0")
        with grappe, Client(grappe) as client:
            leviers = sweep(
                scenario,
                {"grid": {"storage_scale": [0.5, 1.0, 1.5], "budget_scale": [0.0, 1.0, 2.0]}},
                scheduler=client,
            )
            flotte = sweep(
                scenario,
                {"grid": {"vehicles": [2, 3, 4, 5]}, "route": True, "time_limit_s": 0.3},
                scheduler=client,
            )
        fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(16, 4.5))
        for budget, groupe in leviers.groupby("budget_scale"):
            etiquette = "sans budget d'achat" if budget == 0 else f"budgets × {budget:g}"
            ax1.plot(groupe["storage_scale"], groupe["kg_distributed"], "-o", label=etiquette)
            ax2.plot(groupe["storage_scale"], groupe["min_fill_ratio"], "-o", label=etiquette)
        for ax in (ax1, ax2):
            ax.set_xlabel("place de stockage des associations (× actuelle)")
            ax.legend(fontsize=8)
        ax1.set_ylabel("kg distribués")
        ax1.set_ylim(0, leviers["kg_distributed"].max() * 1.1)
        ax1.set_title("Stockage, budgets et volume")
        ax2.set_ylabel("couverture de l'association la moins servie")
        ax2.set_ylim(0, 1)
        ax2.set_title("Stockage, budgets et équité")
        achemine = flotte["kg_distributed"] - flotte["route_kg_unserved"]
        ax3.bar(flotte["vehicles"] - 0.2, flotte["kg_distributed"], width=0.4,
                label="réparti", color="steelblue")
        ax3.bar(flotte["vehicles"] + 0.2, achemine, width=0.4, label="effectivement acheminé",
                color="seagreen")
        ax3.set_xlabel("véhicules (4 = flotte actuelle)")
        ax3.set_ylabel("kg")
        ax3.set_title("Taille de la flotte")
        ax3.legend(loc="lower right")
        plt.tight_layout()
        plt.show()
        leviers.pivot(index="storage_scale", columns="budget_scale", values="min_fill_ratio")
        """
    ),
    code(
        """
        flotte[["vehicles", "kg_distributed", "route_kg_unserved", "route_km", "route_cost_eur",
                "route_co2_kg", "min_fill_ratio"]].rename(
            columns={
                "vehicles": "véhicules",
                "kg_distributed": "kg répartis",
                "route_kg_unserved": "kg non acheminés",
                "route_km": "km",
                "route_cost_eur": "coût €",
                "route_co2_kg": "kg CO₂",
                "min_fill_ratio": "couverture min.",
            }
        )
        """
    ),
    code(
        """
        dossier.cleanup()
        """
    ),
    md("## Ce qu'il faut retenir (calculé ci-dessus, sur les semaines simulées)"),
    code(
        """
        from IPython.display import Markdown


        def tonnes(kg):
            return f"{number(kg / 1000, 1)} t" if abs(kg) >= 1000 else f"{number(kg)} kg"


        sim = simulation.sort_values("week")
        part = sim["kg_allocated"] / sim["kg_offered"]
        servies = (regularite["weeks_served"] == regularite["weeks"]).all()
        fin = tables["financial"]
        lev = leviers.set_index(["budget_scale", "storage_scale"])
        actuel, sans, double = lev.loc[(1.0, 1.0)], lev.loc[(0.0, 1.0)], lev.loc[(2.0, 1.0)]
        moitie, plus = lev.loc[(1.0, 0.5)], lev.loc[(1.0, 1.5)]
        reste = flotte.set_index("vehicles")
        reste = reste["route_kg_unserved"] / reste["kg_distributed"]
        constats = [
            f"- **Volume** : l'offre simulée passe de {tonnes(sim['kg_offered'].iloc[0])} la "
            f"première semaine à {tonnes(sim['kg_offered'].iloc[-1])} la dernière ; "
            f"{pct(sim['kg_allocated'].sum() / sim['kg_offered'].sum())} en est réparti sur la "
            f"période ({pct(part.min())} la moins bonne semaine).",
            "- **Régularité** : "
            + ("chaque association est servie chaque semaine" if servies else
               f"{int((regularite['weeks_served'] < regularite['weeks']).sum())} associations "
               "manquent au moins une semaine")
            + " ; coefficient de variation des kilos reçus de "
            f"{number(regularite['cv_kg'].min(), 2)} à {number(regularite['cv_kg'].max(), 2)}.",
            f"- **Impact financier** : {eur(fin['value_eur'].sum(), 0)} de valeur marchande reçue "
            f"en {SEMAINES} semaines, dont {eur(fin['paid_eur'].sum(), 0)} payés par les "
            f"associations ({pct(fin['paid_eur'].sum() / fin['value_eur'].sum())}), soit de "
            f"{eur(fin['net_value_eur'].min(), 0)} à {eur(fin['net_value_eur'].max(), 0)} de "
            "valeur nette par association.",
            f"- **Équité dans la durée** : l'écart entre la moins et la mieux servie (taux "
            f"cumulé) va de {number(gini['spread'].min(), 2)} à {number(gini['spread'].max(), 2)} ;"
            f" la moins servie passe de {number(gini['min'].iloc[0], 2)} à "
            f"{number(gini['min'].iloc[-1], 2)}.",
            f"- **Budgets d'achat** : sans eux, la distribution passe de "
            f"{tonnes(actuel['kg_distributed'])} à {tonnes(sans['kg_distributed'])} et la "
            f"couverture minimale de {pct(actuel['min_fill_ratio'])} à "
            f"{pct(sans['min_fill_ratio'])} ; les doubler fait varier la distribution de "
            f"{tonnes(double['kg_distributed'] - actuel['kg_distributed'])}.",
            f"- **Stockage** : moitié moins de place coûte "
            f"{tonnes(actuel['kg_distributed'] - moitie['kg_distributed'])} et "
            f"{number(100 * (actuel['min_fill_ratio'] - moitie['min_fill_ratio']))} points de "
            f"couverture minimale ; 50 % de place en plus apporte "
            f"{tonnes(plus['kg_distributed'] - actuel['kg_distributed'])}.",
            "- **Flotte** : part de ce qui est réparti mais non acheminé — "
            + ", ".join(f"{n} véhicules : {pct(r)}" for n, r in reste.items())
            + " (4 = flotte actuelle).",
        ]
        Markdown("\\n".join(constats))
        """
    ),
    md(
        """
        Pérenniser le mode d'organisation, c'est d'abord garantir ce que les chiffres ci-dessus
        désignent comme les leviers les plus forts — des budgets d'achat (ou un fonds collectif)
        et une flotte qui achemine ce qui est réparti — puis l'équipement froid des
        associations.
        """
    ),
]

NOTEBOOKS: dict[str, list[Cell]] = {
    "01_scenario_dijon.ipynb": SCENARIO_NB,
    "02_organisation.ipynb": ORGANISATION_NB,
    "03_fairness.ipynb": FAIRNESS_NB,
    "04_simulated_year.ipynb": YEAR_NB,
}


def build(name: str, cells: list[Cell]) -> nbformat.NotebookNode:
    notebook = new_notebook(
        cells=[
            new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in cells
        ],
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    )
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"{name[:2]}-{index:02d}"  # stable ids: no diff noise when rebuilding
    return notebook


def main(prefixes: list[str]) -> None:
    for name, cells in NOTEBOOKS.items():
        if prefixes and not any(name.startswith(p) for p in prefixes):
            continue
        notebook = build(name, cells)
        nbformat.validate(notebook)
        nbformat.write(notebook, HERE / name)
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main(sys.argv[1:])

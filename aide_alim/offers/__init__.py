"""The prospector's desk (action 3.1): offers as data, their scores and verdicts, the register.

- :mod:`.model` — :class:`Offer` and :class:`Supplier`; :func:`with_offers` adds offers to a week;
- :mod:`.reading` — :func:`read_offers` (CSV/XLSX) and :func:`offer_from_fields`, located errors;
- :mod:`.collection` — the marginal cost of collecting an offer (insertion into the rounds);
- :mod:`.week` — :func:`load_week`: the week's allocation and rounds, from a run folder, the
  week cache or computed once (:func:`prepare_week`);
- :mod:`.need` — the need an offer meets, on the allocation's relaxation;
- :mod:`.scoring` — :func:`score_offers`: scores, verdict, ranking;
- :mod:`.register` — the register of opportunities (history database) and indicator 3.1.a;
- :mod:`.lots` — a taken offer becomes a lot of the week's files, with its provenance;
- :mod:`.generate` — plausible offers for a demo, the tests and a simulated quarter;
- :mod:`.simulate` — simulated weeks of prospection, scored, recorded and decided.
"""

from aide_alim.offers.model import Offer, Supplier, with_offers
from aide_alim.offers.reading import OfferError, offer_from_fields, read_offers
from aide_alim.offers.scoring import VERDICTS, Scores, Verdict, score_offers
from aide_alim.offers.week import Week, load_week, prepare_week

__all__ = [
    "VERDICTS",
    "Offer",
    "OfferError",
    "Scores",
    "Supplier",
    "Verdict",
    "Week",
    "load_week",
    "offer_from_fields",
    "prepare_week",
    "read_offers",
    "score_offers",
    "with_offers",
]

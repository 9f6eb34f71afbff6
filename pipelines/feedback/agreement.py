"""Inter-annotator agreement for pairwise rankings rated by several workers.

Ground Truth sends each pair to N workers drawn from a pool, so different pairs have different
raters and sometimes different N. Cohen's kappa needs the same two raters on every item and
Fleiss' kappa a fixed N per item; Krippendorff's alpha (nominal) allows both, so it is the
chance-corrected figure reported here, next to plain pairwise percent agreement. Pairs with one
valid judgment carry no agreement information and are left out of both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import krippendorff
import numpy as np


@dataclass(frozen=True)
class Agreement:
    pairs_rated_by_several: int
    percent_agreement: float | None  # share of agreeing worker pairs, over all items
    krippendorff_alpha: float | None  # None when undefined (a single label was ever used)

    def as_dict(self) -> dict[str, object]:
        return {
            "method": "krippendorff_alpha_nominal+pairwise_percent_agreement",
            "pairs_rated_by_several": self.pairs_rated_by_several,
            "percent_agreement": self.percent_agreement,
            "krippendorff_alpha": self.krippendorff_alpha,
        }


def measure_agreement(
    labels_per_item: Sequence[Sequence[str]], categories: Sequence[str]
) -> Agreement:
    """Agreement over items given each item's list of labels (one per worker)."""
    index = {category: i for i, category in enumerate(categories)}
    counts = np.array(
        [
            np.bincount([index[label] for label in labels], minlength=len(categories))
            for labels in labels_per_item
            if len(labels) >= 2
        ]
    ).reshape(-1, len(categories))
    if len(counts) == 0:
        return Agreement(0, None, None)
    per_item = counts.sum(axis=1)
    agreeing_pairs = (counts * (counts - 1)).sum()
    all_pairs = (per_item * (per_item - 1)).sum()
    percent = float(agreeing_pairs / all_pairs)
    alpha: float | None = None
    # Alpha divides by expected disagreement, which is zero when only one label was ever given.
    if np.count_nonzero(counts.sum(axis=0)) > 1:
        alpha = float(krippendorff.alpha(value_counts=counts, level_of_measurement="nominal"))
    return Agreement(len(counts), round(percent, 4), None if alpha is None else round(alpha, 4))

"""LSH banding: derived from the threshold as datasketch derives it, and finding pairs at it."""
from dataclasses import replace

import numpy as np
import pytest
from datasketch.lsh import _optimal_param

from newsclean.dedup import DedupOptions, Fingerprinter
from newsclean.dedup.lsh import FALSE_POSITIVE_WEIGHT, band_hashes, found_probability, lsh_bands
from similar_pairs import jaccard, pairs_at

#: Pairs built at Jaccard 0.3 that banding at --threshold 0.3 must find.  The derived 59x2
#: finds a pair at 0.3 with probability 0.996 (docs/dedup-recall.md), the old fixed 32x4
#: with 0.23: 0.8 leaves room for sampling and tells the two apart.
RECALL_AT_THRESHOLD = 0.8


@pytest.mark.parametrize("num_perm", [32, 128])
def test_bands_are_datasketchs_optimal_parameters(num_perm):
    for threshold in np.linspace(0, 1, 21).tolist():
        assert lsh_bands(threshold, num_perm) == _optimal_param(threshold, num_perm, FALSE_POSITIVE_WEIGHT,
                                                                1 - FALSE_POSITIVE_WEIGHT)


def test_the_default_keeps_32_bands_of_4_rows_and_bands_follow_the_threshold():
    assert (DedupOptions().bands, DedupOptions().rows) == (32, 4)  # archives built so far stay valid
    assert (DedupOptions(threshold=0.3).bands, DedupOptions(threshold=0.3).rows) == (59, 2)
    assert DedupOptions(threshold=0.3).settings != DedupOptions().settings
    assert (replace(DedupOptions(), threshold=0.3).bands, replace(DedupOptions(), threshold=0.3).rows) == (59, 2)
    chosen = DedupOptions(threshold=0.3, banding=(16, 8))
    assert (chosen.bands, chosen.rows) == (16, 8)


def found_share(pairs, options: DedupOptions) -> float:
    fp = Fingerprinter(options.ngram, options.num_perm)
    hashes = band_hashes(fp.signatures([text for pair in pairs for text in pair]), options.bands, options.rows)
    return float((hashes[0::2] == hashes[1::2]).any(axis=1).mean())


def test_pairs_at_threshold_0_3_are_found_at_threshold_0_3():
    pairs = pairs_at(0.3, 200)
    similarities = [jaccard(a, b, Fingerprinter()) for a, b in pairs]
    assert 0.3 <= min(similarities) and max(similarities) < 0.31
    derived = DedupOptions(threshold=0.3)
    assert found_probability(0.3, derived.bands, derived.rows) > RECALL_AT_THRESHOLD > found_probability(0.3, 32, 4)
    assert found_share(pairs, derived) >= RECALL_AT_THRESHOLD
    assert found_share(pairs, DedupOptions(threshold=0.3, banding=(32, 4))) < RECALL_AT_THRESHOLD  # as before

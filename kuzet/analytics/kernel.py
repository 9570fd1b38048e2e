"""The two numba passes behind exact interval statistics, without sorting a column.

Valid interval values (seconds, >= 0) fall into buckets that keep their order: 2**fine_bits buckets per
power of two from 2**-10 s to 2**31 s (the bucket is read off the float's exponent and top mantissa bits),
one bucket below and one above. The first pass counts each selected row into its group: incidents, reopened,
and per interval n, a compensated sum, minimum, maximum, negatives, within target, and a histogram over the
buckets. The caller then knows, for every quantile rank, the one bucket that holds it; the second pass copies
the values of just those buckets aside, where a partial sort of a few thousand values finds the exact one.

Both passes read the rows in storage order (no random access) over a row range, so the caller can split the
rows between threads (the passes release the GIL). Arrays: `values` and `bits` are (intervals × rows) — the
same float64 memory, the second viewed as uint64; `fine` gives each row its group; `tcode` indexes `targets`
(intervals × codes: the target in seconds, NaN for none).
"""

from __future__ import annotations

import numpy as np
from numba import njit

LOWEST_EXPONENT = -10  # values below 2**-10 s share the first bucket
EXPONENTS = 41  # powers of two from 2**-10 to 2**31 s; anything longer shares the last bucket
FLOAT_BIAS = 1023
MANTISSA_BITS = 52


def bucket_count(fine_bits: int) -> int:
    return EXPONENTS * (1 << fine_bits) + 2


@njit(cache=True, inline="always")
def _bucket(value: float, value_bits: np.uint64, fine_bits: int, buckets: int) -> int:
    if value == 0.0:  # also -0.0, whose sign bit would put it last
        return 0
    b = np.int64(value_bits >> np.uint64(MANTISSA_BITS - fine_bits))
    b = b - ((FLOAT_BIAS + LOWEST_EXPONENT) << fine_bits) + 1
    if b < 0:
        return 0
    if b > buckets - 1:
        return buckets - 1
    return int(b)


@njit(cache=True, nogil=True)
def count_pass(
    first: int,
    stop: int,
    mask: np.ndarray,
    fine: np.ndarray,
    reopened: np.ndarray,
    tcode: np.ndarray,
    values: np.ndarray,
    bits: np.ndarray,
    targets: np.ndarray,
    fine_bits: int,
    incidents: np.ndarray,
    reopen: np.ndarray,
    hist: np.ndarray,
    n: np.ndarray,
    total: np.ndarray,
    carry: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    negative: np.ndarray,
    judged: np.ndarray,
    within: np.ndarray,
) -> None:
    """Rows [first, stop): counts into the per-group arrays (incidents, reopen: groups; the others: intervals
    × groups; hist: intervals × groups × buckets). `total` + `carry` is a Neumaier-compensated sum; `low` and
    `high` start at +inf and -inf."""
    intervals = values.shape[0]
    buckets = hist.shape[2]
    for r in range(first, stop):
        if not mask[r]:
            continue
        g = fine[r]
        incidents[g] += 1
        if reopened[r]:
            reopen[g] += 1
        t = tcode[r]
        for k in range(intervals):
            v = values[k, r]
            if v >= 0.0:
                hist[k, g, _bucket(v, bits[k, r], fine_bits, buckets)] += 1
                if v < low[k, g]:
                    low[k, g] = v
                if v > high[k, g]:
                    high[k, g] = v
                n[k, g] += 1
                s = total[k, g]
                added = s + v
                if abs(s) >= v:
                    carry[k, g] += (s - added) + v
                else:
                    carry[k, g] += (v - added) + s
                total[k, g] = added
                target = targets[k, t]
                if target == target:
                    judged[k, g] += 1
                    if v <= target:
                        within[k, g] += 1
            elif v < 0.0:
                negative[k, g] += 1


@njit(cache=True, nogil=True)
def collect_pass(
    first: int,
    stop: int,
    mask: np.ndarray,
    fine: np.ndarray,
    values: np.ndarray,
    bits: np.ndarray,
    fine_bits: int,
    slot: np.ndarray,
    start: np.ndarray,
    out: np.ndarray,
) -> None:
    """Rows [first, stop): each valid value whose (interval, group, bucket) has a slot (slot >= 0) is copied
    to `out` at its slot's next place; `start` (per slot) advances as it is filled."""
    intervals = values.shape[0]
    buckets = slot.shape[2]
    for r in range(first, stop):
        if not mask[r]:
            continue
        g = fine[r]
        for k in range(intervals):
            v = values[k, r]
            if v >= 0.0:
                s = slot[k, g, _bucket(v, bits[k, r], fine_bits, buckets)]
                if s >= 0:
                    out[start[s]] = v
                    start[s] += 1

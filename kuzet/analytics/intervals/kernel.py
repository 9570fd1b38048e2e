"""The two numba passes behind exact interval statistics, without sorting a column.

Valid interval values (seconds, >= 0) fall into buckets that keep their order: 64 buckets per power of two
from 2**-10 s to 2**31 s (read off the float's exponent and top six mantissa bits), one bucket below and one
above. Each value's bucket is computed once, when its row is stored (`buckets_of`); a query may use coarser
buckets (`shift` bits fewer), to keep its histograms small when it has many groups.

The first pass counts each selected row into its group: incidents, reopened, and per interval a sum,
negatives, within target, and a histogram over the buckets. The caller then knows, for every rank it needs
(the quantiles' neighbours, the first and the last), the one bucket that holds it; the second pass copies the
values of just those buckets aside, where sorting a few thousand values finds the exact one.

Both passes read the rows in storage order (no random access) over a row range, so the caller can split the
rows between threads (the passes release the GIL). Arrays are (intervals × rows) for `values` (float64) and
`buckets` (uint16); `fine` gives each row its group; `tcode` indexes `targets` (the target in seconds by
code, NaN for none).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numba import njit

LOWEST_EXPONENT: Final = -10  # values below 2**-10 s share the first bucket
EXPONENTS: Final = 41  # powers of two from 2**-10 to 2**31 s; anything longer shares the last bucket
FINEST_BITS: Final = 6  # 2**6 buckets per power of two: each about 1 % wide
NEGATIVE: Final = np.uint16(65534)  # the bucket code of a negative interval
MISSING: Final = np.uint16(65535)  # … and of a missing one
_MANTISSA_BITS: Final = 52
_FLOAT_BIAS: Final = 1023


def bucket_count(fine_bits: int) -> int:
    return EXPONENTS * (1 << fine_bits) + 2


def buckets_of(values: np.ndarray) -> np.ndarray:
    """Each value's bucket at the finest resolution, or NEGATIVE or MISSING (NaN)."""
    with np.errstate(invalid="ignore"):
        valid = values >= 0.0
        negative = values < 0.0
    raw = (values.view(np.uint64) >> np.uint64(_MANTISSA_BITS - FINEST_BITS)).astype(np.int64)
    raw -= (_FLOAT_BIAS + LOWEST_EXPONENT) << FINEST_BITS
    bucket = np.clip(raw + 1, 0, bucket_count(FINEST_BITS) - 1)
    bucket[values == 0.0] = 0  # -0.0 too, whose sign bit would put it last
    out: np.ndarray = np.where(valid, bucket, np.where(negative, NEGATIVE, MISSING)).astype(np.uint16)
    return out


@njit(cache=True, inline="always")
def _coarser(bucket: int, shift: int) -> int:
    return ((bucket - 1) >> shift) + 1 if bucket > 0 else 0


@njit(cache=True, nogil=True)
def count_pass(
    first: int,
    stop: int,
    mask: np.ndarray,
    fine: np.ndarray,
    reopened: np.ndarray,
    values: np.ndarray,
    buckets: np.ndarray,
    shift: int,
    incidents: np.ndarray,
    reopen: np.ndarray,
    hist: np.ndarray,
    total: np.ndarray,
    negative: np.ndarray,
) -> None:
    """Rows [first, stop): counts into the per-group arrays (incidents, reopen: groups; total, negative:
    intervals × groups; hist: intervals × groups × buckets). (n is the histogram's sum; the minimum and the
    maximum are ranks to look up.)"""
    for r in range(first, stop):
        if mask[r]:
            g = np.uintp(fine[r])
            incidents[g] += 1
            reopen[g] += reopened[r]
    for k in range(values.shape[0]):
        vk, bk, hk, tk, nk = values[k], buckets[k], hist[k], total[k], negative[k]
        for r in range(first, stop):
            if mask[r]:
                b = bk[r]
                if b < NEGATIVE:
                    g = np.uintp(fine[r])
                    hk[g, _coarser(b, shift) if shift else b] += 1
                    tk[g] += vk[r]
                elif b == NEGATIVE:
                    nk[np.uintp(fine[r])] += 1


@njit(cache=True, nogil=True)
def judge_pass(
    first: int,
    stop: int,
    mask: np.ndarray,
    fine: np.ndarray,
    values: np.ndarray,
    tcode: np.ndarray,
    targets: np.ndarray,
    judged: np.ndarray,
    within: np.ndarray,
) -> None:
    """Rows [first, stop) of one interval (`values`, `targets` by code): the valid values that have a target,
    and those within it, per group."""
    for r in range(first, stop):
        if mask[r]:
            v = values[r]
            if v >= 0.0:
                target = targets[tcode[r]]
                if target == target:
                    g = np.uintp(fine[r])
                    judged[g] += 1
                    within[g] += v <= target


@njit(cache=True, nogil=True)
def collect_pass(
    first: int,
    stop: int,
    mask: np.ndarray,
    fine: np.ndarray,
    values: np.ndarray,
    buckets: np.ndarray,
    shift: int,
    row_of: np.ndarray,
    slot: np.ndarray,
    start: np.ndarray,
    out: np.ndarray,
) -> None:
    """Rows [first, stop): each valid value whose (interval, bucket, group) has a slot is copied to `out` at
    its slot's next place; `start` (per slot) advances as it is filled. The slots are a small table: row
    `row_of[k, bucket]` of `slot[k]`, by group; row 0 (every bucket nobody wants) holds -1.

    Wanted values are few and scattered: their rows are listed first and their values read afterwards, side
    by side, rather than each in turn as a cache miss in the middle of the scan."""
    rows = np.empty(stop - first + 1, np.int64)
    slots = np.empty(stop - first + 1, np.int32)
    for k in range(values.shape[0]):
        vk, bk, rk, sk = values[k], buckets[k], row_of[k], slot[k]
        found = 0
        for r in range(first, stop):
            b = bk[r]
            if b < NEGATIVE and mask[r]:
                if shift:
                    b = _coarser(b, shift)
                if rk[b]:
                    s = sk[rk[b], np.uintp(fine[r])]
                    if s >= 0:
                        rows[found] = r
                        slots[found] = s
                        found += 1
        for i in range(found):
            s = slots[i]
            out[start[s]] = vk[rows[i]]
            start[s] += 1

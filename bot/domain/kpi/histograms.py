"""Fixed log-scale buckets for the rolled-up duration histograms.

A daily rollup keeps, per day x slice x measure, how many rows fell in each bucket rather
than how many had each value: a duration in whole seconds (or a bot reply in whole
milliseconds) over a year has thousands of distinct values per slice, but only a few
hundred buckets, so a year's histograms merge from a few rows per day. Buckets are the
same for every day and slice, so histograms merge by adding counts.

Bucket bounds: a whole-number value ``v >= 2`` falls in bucket ``k = floor(16 *
log2(v))``, which holds ``[2^(k/16), 2^((k+1)/16))``; the histogram stores the bucket as
the smallest whole number in it. Values below 2 (0, 1, a negative duration from a clock
step) are kept as they are. Every whole number below 23 has a bucket of its own (the
buckets are narrower than 1 there), so short durations stay exact; above, a stored value
is at most :data:`PRECISION` (4.4 %) below the values it stands for.

Business hours (a complaint's resolution time), stored to the hundredth of an hour, are
bucketed the same way counted in hundredths: exact under 0.23 h, then within 4.4 %.

Because the mapping never reverses the order of two values, the nearest-rank percentile
of a bucketed histogram is exactly the bucket of the raw percentile:
``percentile(bucketed) == bucket_of(percentile(raw))``.
"""

from __future__ import annotations

import math

#: Buckets per doubling of the value.
STEPS_PER_DOUBLING = 16
#: Largest relative amount a stored bucket value is below a value in the bucket.
PRECISION = 2 ** (1 / STEPS_PER_DOUBLING) - 1


def bucket_of(value: float, scale: int = 1) -> float:
    """The value a rolled-up histogram stores for ``value``: the smallest whole number of
    its bucket (values below 2 are their own bucket), counted in units of ``1 / scale``
    (``scale=100`` buckets business hours stored to the hundredth as whole hundredths)."""
    units = round(value * scale)
    if units < 2:
        return units / scale
    k = math.floor(STEPS_PER_DOUBLING * math.log2(units))
    low = math.ceil(2 ** (k / STEPS_PER_DOUBLING) - 1e-9)
    # Guard against the float log putting a value one bucket too high.
    return min(low, units) / scale


def bucketed(counts: dict[float, int], scale: int = 1) -> dict[float, int]:
    """A ``{value: count}`` histogram merged into buckets (units of ``1 / scale``)."""
    out: dict[float, int] = {}
    for value, count in counts.items():
        key = bucket_of(value, scale)
        out[key] = out.get(key, 0) + count
    return out

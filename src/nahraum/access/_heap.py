"""The 4-ary min-heap every Dijkstra kernel uses (``_kernels``, the transit walker), inlined by
numba into its callers: keys ``hk``, payloads ``hn`` in two preallocated arrays, ``size`` passed
in and returned (numba functions cannot keep state)."""

from __future__ import annotations

from numba import njit


@njit(cache=True, inline="always")
def push(hk, hn, size, key, node):
    """Insert into a 4-ary min-heap (keys ``hk``, payload ``hn``); returns the new size.

    Four children per node halve the depth of a binary heap; measured 1.6× faster here."""
    i = size
    while i > 0:
        p = (i - 1) >> 2
        if hk[p] <= key:
            break
        hk[i] = hk[p]
        hn[i] = hn[p]
        i = p
    hk[i] = key
    hn[i] = node
    return size + 1


@njit(cache=True, inline="always")
def pop(hk, hn, size):
    """Remove the minimum of the 4-ary heap: (key, payload, new size)."""
    key = hk[0]
    node = hn[0]
    size -= 1
    if size > 0:
        lk = hk[size]
        ln = hn[size]
        i = 0
        while True:
            c = 4 * i + 1
            if c >= size:
                break
            m = c
            mk = hk[c]
            end = min(c + 4, size)
            for j in range(c + 1, end):
                if hk[j] < mk:
                    mk = hk[j]
                    m = j
            if mk >= lk:
                break
            hk[i] = mk
            hn[i] = hn[m]
            i = m
        hk[i] = lk
        hn[i] = ln
    return key, node, size

"""Small-cell suppression: property tests on random tables.

The check of "cannot be derived" is independent of the implementation: for each hidden cell,
scipy's linear programming finds the least and greatest value it can take given everything
published (inner cells and totals, all counts ≥ 0); the two must differ.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from onewindow.monitoring.opendata import THRESHOLD, suppress

# Counts like the real tables': mostly large, with small ones (and zeros) mixed in.
counts = st.one_of(st.integers(0, 12), st.integers(10, 5000))
tables = st.integers(1, 6).flatmap(
    lambda cols: st.lists(st.lists(counts, min_size=cols, max_size=cols), min_size=1, max_size=8)
)


def _grid(table: list[list[int]]) -> np.ndarray:
    inner = np.array(table)
    grid = np.zeros((inner.shape[0] + 1, inner.shape[1] + 1), dtype=int)
    grid[:-1, :-1] = inner
    grid[:-1, -1] = inner.sum(axis=1)
    grid[-1, :-1] = inner.sum(axis=0)
    grid[-1, -1] = inner.sum()
    return grid


def _range_of(grid: np.ndarray, hidden: np.ndarray, cell: tuple[int, int]) -> tuple[float, float]:
    """What an attacker can learn of `cell` from the published figures."""
    unknown = [tuple(c) for c in np.argwhere(hidden)]
    col = {c: k for k, c in enumerate(unknown)}
    rows, rhs = [], []
    n, m = grid.shape
    lines = [[(i, j) for j in range(m)] for i in range(n)] + [
        [(i, j) for i in range(n)] for j in range(m)
    ]
    for line in lines:
        a = np.zeros(len(unknown))
        b = 0.0
        for position, c in enumerate(line):
            sign = -1.0 if position == len(line) - 1 else 1.0  # cells − total = 0
            if c in col:
                a[col[c]] += sign
            else:
                b -= sign * grid[c]
        rows.append(a)
        rhs.append(b)
    objective = np.zeros(len(unknown))
    objective[col[cell]] = 1
    low = linprog(objective, A_eq=np.array(rows), b_eq=rhs, bounds=(0, None))
    high = linprog(-objective, A_eq=np.array(rows), b_eq=rhs, bounds=(0, None))
    return low.fun, -high.fun if high.status == 0 else np.inf


@settings(max_examples=150, deadline=None)
@given(tables)
def test_no_small_count_is_published_or_derivable(table: list[list[int]]) -> None:
    grid = _grid(table)
    hidden = np.array(suppress(table))
    # every count of 1 to 9 people, inner or total, is hidden
    assert not ((grid > 0) & (grid < THRESHOLD) & ~hidden).any()
    # no line has exactly one hidden cell
    assert all(row.sum() != 1 for row in hidden)
    assert all(col.sum() != 1 for col in hidden.T)
    # and no hidden cell can be worked out exactly from what is published
    for cell in map(tuple, np.argwhere(hidden)):
        low, high = _range_of(grid, hidden, cell)
        assert high - low >= 0.5, (cell, low, high)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(THRESHOLD, 10_000), min_size=3, max_size=3), min_size=1, max_size=6
    )
)
def test_a_table_without_small_counts_is_published_whole(table: list[list[int]]) -> None:
    assert not np.array(suppress(table)).any()


def test_secondary_suppression_hides_the_smallest_partner() -> None:
    #            internal  foreign
    table = [[500, 3], [800, 40], [700, 60]]
    hidden = np.array(suppress(table))
    # 3 is hidden; its row and column need a second hidden cell each: the smallest (40 in
    # the column; in the row, 500 is the only other inner cell, so 500 or the row total)
    assert hidden[0, 1] and hidden[1, 1]
    assert hidden[0].sum() >= 2 and hidden[:, 1].sum() >= 2
    # inner cells are hidden before totals: the city's total stays published
    assert not hidden[-1, -1]


def test_zero_is_published() -> None:
    assert not np.array(suppress([[0, 100], [200, 300]])).any()

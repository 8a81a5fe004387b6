"""Result objects returned by ``knapsack`` and ``set_cover``.

Both are frozen dataclasses.  ``optimal`` is True only when the method proved optimality (greedy
results are proven optimal only when they meet the bound); ``bound`` / ``lower_bound`` is the best
proven bound on the optimum (an upper bound for knapsack, a lower bound for set cover), so
``optimal`` implies objective == bound up to rounding.  ``stats`` holds method-specific counters
(nodes, states, time in seconds, which sub-method finished, ...).  ``SetCoverResult.remove_redundant``
says whether the greedy removed redundant sets afterwards (None for the exact methods).
"""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class KnapsackResult:
    value: float
    weight: float
    items: list
    optimal: bool
    bound: float
    method: str
    stats: dict = field(default_factory=dict)

    @property
    def gap(self):
        """Relative gap (bound - value) / bound, 0 when proven optimal."""
        return 0.0 if self.bound <= 0 else max(0.0, (self.bound - self.value) / self.bound)


@dataclass(frozen=True)
class SetCoverResult:
    cost: float
    chosen: list
    optimal: bool
    lower_bound: float
    method: str
    stats: dict = field(default_factory=dict)
    remove_redundant: bool = None

    @property
    def gap(self):
        """Relative gap (cost - lower_bound) / cost, 0 when proven optimal."""
        return 0.0 if self.cost <= 0 else max(0.0, (self.cost - self.lower_bound) / self.cost)

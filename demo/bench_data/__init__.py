"""The benchmark's data sets (BENCHMARKS.md): a retailer of their own, bench_s or bench_l, built
with set-based SQL in one session (deterministic from the seed: PostgreSQL's setseed() and
random() over generate_series, no parallel workers), then checked against every invariant the
database and the services keep."""

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchSize:
    name: str
    customers: int
    products: int
    product_groups: int
    stores: int
    receipts: int
    lines: int
    cards: int

    @property
    def schema(self) -> str:
        return f"bench_{self.name.lower()}"


SIZES = {
    "S": BenchSize("S", 10_000, 2_000, 100, 5, 40_000, 120_000, 12_000),
    "L": BenchSize("L", 1_000_000, 20_000, 500, 50, 4_000_000, 12_000_000, 1_200_000),
}

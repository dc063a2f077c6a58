"""The benchmark of BENCHMARKS.md (`make bench`): every target and side-by-side comparison measured
on a retailer of the benchmark's own, written to docs/benchmarks.md. Runs in .venv-bench."""

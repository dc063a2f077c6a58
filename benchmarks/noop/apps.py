from django.apps import AppConfig


class NoopConfig(AppConfig):
    name = "benchmarks.noop"
    label = "bench_noop"

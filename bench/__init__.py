"""Benchmarks (``make bench``): Whistle against the bare engine, latency, the read model at scale, many open
issues, and where the CPU goes. Each run appends its figures to docs/BENCHMARKS.md."""

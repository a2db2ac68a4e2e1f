"""Tools for tests and benchmarks that drive the real service (not used by the service itself)."""

//! A faithful local Intercom REST API (2.14) for tests, benchmarks and the demo workspace (filled by its own issue).

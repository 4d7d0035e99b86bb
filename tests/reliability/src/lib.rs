//! Reliability and security suites (filled by issue 7).

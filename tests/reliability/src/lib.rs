//! Shared parts of Agentdesk's reliability and security suites (issue 7; RELIABILITY.md says
//! what is promised and which test holds each promise). The suites themselves live in
//! `tests/`: each is a real test against real parts (the sandbox over loopback HTTP, real
//! SQLite files, the real `agentdesk` binary in its own process) and prints one
//! `figure: ...` line. `scripts/reliability/run.sh` runs the long variants
//! (`RELIABILITY_LONG=1`) and collects the figures.

pub mod cache;
pub mod cli;
pub mod figures;
pub mod hostile;

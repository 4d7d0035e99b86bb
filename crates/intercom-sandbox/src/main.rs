//! The `intercom-sandbox` binary: serves a generated workspace on 127.0.0.1 until SIGINT
//! or SIGTERM. The first stdout line is `listening on http://127.0.0.1:PORT`.

use std::io::Write;
use std::time::Duration;

use clap::Parser;
use intercom_sandbox::{FaultRates, Quirks, Sandbox, SandboxConfig, DEFAULT_STALL_MS};

/// A faithful local Intercom REST API (2.14).
#[derive(Parser, Debug)]
#[command(
    name = "intercom-sandbox",
    version,
    after_help = "Faults: --fault-rate, --reset-rate, --stall-rate, --malformed-rate and \
--rate-limited-rate are shares of Intercom requests (0 to 1, adding up to at most 1); each \
request gets at most one fault. The control API (PUT /_sandbox/faults, POST \
/_sandbox/fail_next) changes them while running.

Quirks: --quirks answers as a real workspace does (the hostile preset): merged contacts \
whose GET answers another id or 404, records deleted mid-sync, paging cursors that stick \
or loop, repeated pages, junk list items, unknown enum values, extra and missing optional \
fields, all decided from --seed. GET/PUT /_sandbox/quirks reads or changes them while \
running; POST /_sandbox/merge_contact and POST /_sandbox/delete merge and delete on demand."
)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Generator seed.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    #[arg(long, default_value_t = 5000)]
    conversations: usize,
    #[arg(long, default_value_t = 1000)]
    contacts: usize,
    #[arg(long, default_value_t = 12)]
    admins: usize,
    #[arg(long, default_value_t = 4)]
    teams: usize,
    /// Full-access token (repeatable).
    #[arg(long = "token", default_values_t = vec!["demo-token".to_string()])]
    tokens: Vec<String>,
    /// Read-only token (repeatable).
    #[arg(long = "read-only-token")]
    read_only_tokens: Vec<String>,
    /// Fixed latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Random extra latency up to this many milliseconds.
    #[arg(long, default_value_t = 0)]
    jitter_ms: u64,
    /// Requests per 10-second window per token.
    #[arg(long, default_value_t = 1666)]
    rate_limit: u32,
    /// Share of requests answered 500/502/503 (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Share of requests whose response is cut off: status, headers and half the body, then
    /// the connection drops (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    reset_rate: f64,
    /// Share of requests held for --stall-ms before the answer (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    stall_rate: f64,
    /// How long a stall lasts, in milliseconds (above 0 when --stall-rate is).
    #[arg(long, default_value_t = DEFAULT_STALL_MS)]
    stall_ms: u64,
    /// Share of requests answered 200 with a body that is not valid JSON (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    malformed_rate: f64,
    /// Share of requests answered 429 rate_limit_exceeded whatever the real counters say, a
    /// 429 storm (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    rate_limited_rate: f64,
    /// Live events per minute (0 = off).
    #[arg(long, default_value_t = 0.0)]
    live_rate: f64,
    /// Quirks mode with the hostile preset: merged contacts, deletions mid-sync, stuck and
    /// looping cursors, junk list items, unknown enum values, extra and missing fields.
    #[arg(long)]
    quirks: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let args = Args::parse();
    let faults = FaultRates {
        latency_ms: args.latency_ms,
        jitter_ms: args.jitter_ms,
        error_rate: args.fault_rate,
        reset_rate: args.reset_rate,
        stall_rate: args.stall_rate,
        stall_ms: args.stall_ms,
        malformed_rate: args.malformed_rate,
        rate_limited_rate: args.rate_limited_rate,
    };
    if let Err(e) = faults.validate() {
        // Name the flags, not the fields of the control API.
        let e = [
            ("rate_limited_rate", "--rate-limited-rate"),
            ("malformed_rate", "--malformed-rate"),
            ("error_rate", "--fault-rate"),
            ("reset_rate", "--reset-rate"),
            ("stall_rate", "--stall-rate"),
            ("stall_ms", "--stall-ms"),
        ]
        .iter()
        .fold(e, |e, (field, flag)| e.replace(field, flag));
        eprintln!("intercom-sandbox: {e}");
        return std::process::ExitCode::from(2);
    }
    let config = SandboxConfig {
        seed: args.seed,
        conversations: args.conversations,
        contacts: args.contacts,
        admins: args.admins,
        teams: args.teams,
        tokens: args.tokens,
        read_only_tokens: args.read_only_tokens,
        limited_tokens: Vec::new(),
        rate_limit: args.rate_limit,
        latency: Duration::from_millis(args.latency_ms),
        jitter: Duration::from_millis(args.jitter_ms),
        fault_rate: args.fault_rate,
        faults,
        live_rate: args.live_rate.max(0.0),
        port: args.port,
        epoch: None,
        quirks: if args.quirks {
            Quirks::hostile()
        } else {
            Quirks::default()
        },
        // The binary serves benchmarks and scripts that start it themselves: its control API
        // stays open to loopback clients (a web page's foreign Origin is refused still).
        control_secret: None,
        tickets: None,
    };
    // Listen for signals before announcing the address: a supervisor may stop us as soon as
    // it reads that line, and a signal before the handlers exist would kill the process
    // uncleanly (exit by signal, not 0).
    let stop = match StopSignals::install() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("intercom-sandbox: cannot listen for SIGINT/SIGTERM: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let sandbox = match Sandbox::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("intercom-sandbox: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {}", sandbox.base_url());
    let _ = out.flush();
    drop(out);
    stop.wait().await;
    sandbox.shutdown().await;
    std::process::ExitCode::SUCCESS
}

/// SIGINT and SIGTERM handlers, registered when this is built (not when first awaited).
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> std::io::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(StopSignals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(StopSignals {})
        }
    }

    async fn wait(mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => {}
                _ = self.terminate.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

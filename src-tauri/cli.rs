//! The command line: global options, and the headless subcommands that run without GTK or
//! a display (`agentdesk --help` lists them). With no subcommand the window opens.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::{exit, paths};

#[derive(Debug, Parser)]
#[command(
    name = "agentdesk",
    version,
    about = "A desktop inbox for Intercom support agents",
    long_about = "A desktop inbox for Intercom support agents.\n\n\
        With no subcommand, opens the window (it needs a display; under no display, run it \
        with `xvfb-run -a agentdesk`). The subcommands run headless."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every subcommand and the window accept.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Where caches, settings and logs live (default: $XDG_DATA_HOME/dev.agentdesk.app).
    #[arg(long, global = true, env = "AGENTDESK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print where Agentdesk keeps its data and logs.
    Paths,
}

/// Runs a headless subcommand and returns the exit code.
pub fn run_headless(command: Command, global: &GlobalArgs) -> i32 {
    let data_dir = paths::data_dir(global.data_dir.as_ref());
    match command {
        Command::Paths => {
            println!("data: {}", data_dir.display());
            println!("logs: {}", paths::log_dir(&data_dir).display());
            exit::OK
        }
    }
}

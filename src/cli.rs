//! The command line: the only module that knows clap.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "scholarsite", version, about = "Builds static researcher profile sites from researcher and work data")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build the site into the output folder
    Build {
        /// The site folder, holding site.toml and content/
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Where to write the site [default: ROOT/output]
        #[arg(long)]
        output: Option<PathBuf>,
        /// Override site.toml's base_url, e.g. https://lab.example.edu/people/
        #[arg(long)]
        base_url: Option<String>,
        /// Print only errors
        #[arg(long, short)]
        quiet: bool,
        /// Also write the build report (stage times, files) as JSON to this file
        #[arg(long, value_name = "FILE")]
        report_json: Option<PathBuf>,
    },
    /// Validate the site data and theme; write nothing
    Check {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long)]
        base_url: Option<String>,
        #[arg(long, short)]
        quiet: bool,
    },
}

pub fn parse() -> Cli {
    Cli::parse()
}

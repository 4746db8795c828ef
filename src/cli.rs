//! The command line: the only module that knows clap.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "scholarsite",
    version,
    about = "Builds static researcher profile sites from researcher and work data"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum ImportFormat {
    Bibtex,
    Orcid,
    Openalex,
    #[value(name = "csl-json")]
    CslJson,
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
    /// Build, serve on http://127.0.0.1:PORT/, and rebuild and reload pages on every change
    Serve {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// 0 picks a free port
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// The address to listen on; other than loopback exposes the site to the network
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Open the site in the default browser
        #[arg(long)]
        open: bool,
        /// Poll for changes instead of file-system events (network and container file systems)
        #[arg(long)]
        poll: bool,
    },
    /// Import works from BibTeX, ORCID, OpenAlex or CSL-JSON into content/
    Import {
        /// The format of the files
        #[arg(value_enum)]
        format: ImportFormat,
        /// One or more files to import
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// These are this researcher's works: link their name variants and report entries that do not name them
        #[arg(long, value_name = "ID")]
        researcher: Option<String>,
        /// Print the report; write nothing
        #[arg(long)]
        dry_run: bool,
        /// Any malformed entry fails the import (exit 1) and nothing is written
        #[arg(long)]
        strict: bool,
        /// Create researcher records for name-only authors on at least N imported works
        #[arg(long, value_name = "N")]
        create_researchers: Option<usize>,
    },
    /// Validate the site data and theme; write nothing
    Check {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long)]
        base_url: Option<String>,
        /// Also render every page in memory, as a build would, and report any error that shows only then
        #[arg(long)]
        render: bool,
        #[arg(long, short)]
        quiet: bool,
        /// Also write the report (stage times, files) as JSON to this file
        #[arg(long, value_name = "FILE")]
        report_json: Option<PathBuf>,
    },
}

pub fn parse() -> Cli {
    Cli::parse()
}

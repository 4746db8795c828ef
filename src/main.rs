//! scholarsite's entry point: parse the command line, run, map the result
//! to an exit code (0 ok, 1 bad data or failed build, 2 bad usage).

mod cli;

use scholarsite::{diag::Diagnostic, Error, Options, Report};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::parse();
    let report_json;
    let (result, quiet, verb) = match cli.command {
        cli::Command::Build {
            root,
            output,
            base_url,
            quiet,
            report_json: rj,
        } => {
            report_json = rj;
            (
                scholarsite::build(&Options {
                    root,
                    output,
                    base_url,
                }),
                quiet,
                "built",
            )
        }
        cli::Command::Serve {
            root,
            port,
            bind,
            open,
            poll,
        } => {
            return match scholarsite::serve::serve(scholarsite::serve::ServeOptions {
                root,
                bind,
                port,
                open,
                poll,
            }) {
                Ok(()) => ExitCode::SUCCESS,
                Err(msg) => {
                    let _ = writeln!(std::io::stderr(), "error: {}", msg);
                    ExitCode::from(1)
                }
            };
        }
        cli::Command::Import {
            format,
            paths,
            root,
            researcher,
            dry_run,
            strict,
            create_researchers,
        } => {
            use scholarsite::import::{self, Format};
            let format = match format {
                cli::ImportFormat::Bibtex => Format::Bibtex,
                cli::ImportFormat::Orcid => Format::Orcid,
                cli::ImportFormat::Openalex => Format::Openalex,
                cli::ImportFormat::CslJson => Format::CslJson,
            };
            return run_import(&import::Options {
                format,
                paths,
                root,
                researcher,
                dry_run,
                strict,
                create_researchers,
            });
        }
        cli::Command::Check {
            root,
            base_url,
            render,
            quiet,
            report_json: rj,
        } => {
            report_json = rj;
            (
                scholarsite::check(
                    &Options {
                        root,
                        output: None,
                        base_url,
                    },
                    render,
                ),
                quiet,
                "checked",
            )
        }
    };
    let mut err = std::io::stderr().lock();
    match result {
        Ok(report) => {
            print_diagnostics(&mut err, &report.warnings, quiet, verb == "checked");
            if !quiet {
                let _ = writeln!(std::io::stdout(), "{}", summary(&report, verb));
            }
            if let Some(path) = report_json {
                if let Err(e) = std::fs::write(&path, report_as_json(&report)) {
                    let _ = writeln!(err, "error: cannot write {}: {}", path.display(), e);
                    return ExitCode::from(1);
                }
            }
            ExitCode::SUCCESS
        }
        Err(Error::Invalid(diags)) => fail_invalid(&mut err, diags, verb == "checked"),
        Err(e) => {
            let _ = writeln!(err, "error: {}", e);
            let _ = writeln!(err, "the previous output, if any, is unchanged");
            ExitCode::from(1)
        }
    }
}

/// Imports; located errors of skipped entries go to stderr, the report to
/// stdout. Exit 0 when the import ran (skipped entries are in the report),
/// 1 when nothing was written because of errors, 2 on bad usage.
fn run_import(opts: &scholarsite::import::Options) -> ExitCode {
    use scholarsite::import::Error as E;
    let mut err = std::io::stderr().lock();
    match scholarsite::import::run(opts) {
        Ok(outcome) => {
            for d in &outcome.errors {
                let _ = writeln!(err, "{}", d);
            }
            let _ = write!(std::io::stdout(), "{}", outcome.report);
            ExitCode::SUCCESS
        }
        Err(E::Invalid(diags)) => fail_invalid(&mut err, diags, true),
        Err(E::Usage(msg)) => {
            let _ = writeln!(err, "error: {}", msg);
            ExitCode::from(2)
        }
        Err(e) => {
            let _ = writeln!(err, "error: {}", e);
            ExitCode::from(1)
        }
    }
}

/// Prints the diagnostics of a run that wrote nothing because of them: exit 1.
fn fail_invalid(
    err: &mut impl Write,
    diags: scholarsite::diag::Diagnostics,
    all_warnings: bool,
) -> ExitCode {
    let (errors, warnings) = (diags.error_count(), diags.warning_count());
    print_diagnostics(err, &diags.sorted(), false, all_warnings);
    let _ = writeln!(
        err,
        "error: {} error(s), {} warning(s); nothing was written",
        errors, warnings
    );
    ExitCode::from(1)
}

/// Warnings past this many are counted, not printed, on a build.
const MAX_PRINTED_WARNINGS: usize = 20;

fn print_diagnostics(w: &mut impl Write, diags: &[Diagnostic], quiet: bool, all_warnings: bool) {
    let mut warnings = 0;
    for d in diags {
        if !d.is_error() {
            warnings += 1;
            if quiet || (!all_warnings && warnings > MAX_PRINTED_WARNINGS) {
                continue;
            }
        }
        let _ = writeln!(w, "{}", d);
    }
    if !quiet && !all_warnings && warnings > MAX_PRINTED_WARNINGS {
        let _ = writeln!(
            w,
            "... and {} more warnings; `scholarsite check` lists them all",
            warnings - MAX_PRINTED_WARNINGS
        );
    }
}

/// The report for benchmarks and CI: counts, files and stage times.
fn report_as_json(r: &Report) -> String {
    let stages: Vec<String> = r
        .timings
        .0
        .iter()
        .map(|(s, d)| format!("{{\"stage\":\"{}\",\"seconds\":{:.6}}}", s, d.as_secs_f64()))
        .collect();
    format!(
        "{{\"researchers\":{},\"works\":{},\"topics\":{},\"institutions\":{},\"files\":{},\"written\":{},\"unchanged\":{},\"kept\":{},\"topics_extracted\":{},\"topics_cached\":{},\"phrases_scanned\":{},\"removed\":{},\"rendered_bytes\":{},\"warnings\":{},\"inputs_unchanged\":{},\"stages\":[{}]}}\n",
        r.researchers, r.works, r.topics, r.institutions, r.files, r.written, r.unchanged, r.kept, r.topics_extracted, r.topics_cached, r.phrases_scanned, r.removed, r.rendered_bytes, r.warnings.len(), r.inputs_unchanged, stages.join(",")
    )
}

fn summary(r: &Report, verb: &str) -> String {
    let total: f64 = r.timings.0.iter().map(|(_, d)| d.as_secs_f64()).sum();
    let mut s = if r.inputs_unchanged {
        "inputs unchanged since the last build; the output is intact (`scholarsite check` lists any warnings)".to_string()
    } else {
        format!(
            "{} {} researchers, {} works, {} topics, {} institutions",
            verb, r.researchers, r.works, r.topics, r.institutions
        )
    };
    if verb == "built" {
        s.push_str(&format!(
            "\n{} files in {}: {} written, {} unchanged, {} removed",
            r.files,
            r.output.display(),
            r.written,
            r.unchanged,
            r.removed
        ));
        if r.kept > 0 {
            s.push_str(&format!(
                " ({} unchanged pages kept without rendering)",
                r.kept
            ));
        }
    }
    if verb == "checked" && r.files > 0 {
        s.push_str(&format!(
            "\n{} files rendered in memory ({} bytes); nothing written",
            r.files, r.rendered_bytes
        ));
    }
    if !r.warnings.is_empty() {
        s.push_str(&format!("\n{} warning(s)", r.warnings.len()));
    }
    s.push_str(&format!("\n{:.2} s ({})", total, r.timings));
    s
}

// Rendering allocates many small strings from several threads; glibc's
// allocator spent a third of a large build in malloc and free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

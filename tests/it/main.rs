//! Integration tests: each builds a small real site in a temporary folder
//! and runs the real `scholarsite` binary on it.

mod support;

mod build;
mod errors;
mod graph;
mod import;
mod output;
mod security;
mod serve;
mod themes;

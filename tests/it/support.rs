//! A site in a temporary folder, and runs of the real binary on it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Site {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts a data error (exit 1) whose output contains every `needle`.
    #[track_caller]
    pub fn fails_with(self, needles: &[&str]) -> Self {
        assert_eq!(
            self.code, 1,
            "expected exit 1\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr lacks {:?}:\n{}",
                n,
                self.stderr
            );
        }
        self
    }
}

pub const MINIMAL_TOML: &str = "title = \"Test lab\"\n";

impl Site {
    /// An empty site with a minimal site.toml and content folders.
    pub fn new() -> Site {
        let site = Site {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        site.file("site.toml", MINIMAL_TOML);
        std::fs::create_dir_all(site.path("content/researchers")).unwrap();
        std::fs::create_dir_all(site.path("content/works")).unwrap();
        site
    }

    /// A copy of the repository's example site.
    pub fn example() -> Site {
        let site = Site {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        copy_dir(&repo.join("content"), &site.path("content"));
        std::fs::copy(repo.join("site.toml"), site.path("site.toml")).unwrap();
        site
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn file(&self, rel: &str, text: &str) -> &Site {
        self.bytes(rel, text.as_bytes())
    }

    pub fn bytes(&self, rel: &str, bytes: &[u8]) -> &Site {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
        self
    }

    pub fn remove(&self, rel: &str) -> &Site {
        std::fs::remove_file(self.path(rel)).unwrap();
        self
    }

    pub fn researcher(&self, id: &str, front: &str) -> &Site {
        self.file(
            &format!("content/researchers/{}.md", id),
            &format!("+++\n{}\n+++\n", front),
        )
    }

    pub fn work(&self, id: &str, front: &str) -> &Site {
        self.file(
            &format!("content/works/{}.md", id),
            &format!("+++\n{}\n+++\n", front),
        )
    }

    /// `n` works by researcher `id`, each with one of `coauthors` outside
    /// co-authors and one of `topics` topics, in content/works/all.jsonl.
    pub fn prolific(&self, id: &str, n: usize, coauthors: usize, topics: usize) -> &Site {
        let lines: Vec<String> = (0..n)
            .map(|i| format!("{{\"id\":\"w{}\",\"title\":\"Work {}\",\"year\":{},\"authors\":[{{\"id\":\"{}\"}},\"Co Author {}\"],\"topics\":[\"t{}\"]}}", i, i, 1950 + i % 70, id, i % coauthors, i % topics))
            .collect();
        self.file("content/works/all.jsonl", &lines.join("\n"))
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_scholarsite"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("RAYON_NUM_THREADS");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run scholarsite");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn build(&self) -> Run {
        self.run(&["build"])
    }

    pub fn check(&self) -> Run {
        self.run(&["check"])
    }

    /// A file of the built site.
    #[track_caller]
    pub fn out(&self, rel: &str) -> String {
        let p = self.path("output").join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {}", p.display(), e))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path("output").join(rel).exists()
    }

    /// Every file under a folder with its bytes, for before/after checks.
    pub fn snapshot(&self, rel: &str) -> BTreeMap<String, Vec<u8>> {
        snapshot(&self.path(rel))
    }
}

pub fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    if !root.exists() {
        return m;
    }
    for e in walkdir::WalkDir::new(root).sort_by_file_name() {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            m.insert(rel, std::fs::read(e.path()).unwrap());
        }
    }
    m
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let target = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Text with tags removed and whitespace collapsed, for assertions on
/// what a reader sees.
pub fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#x2F;", "/");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

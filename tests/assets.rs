//! The checked-in completion scripts (`completions/`) and man pages (`man/`)
//! are exactly what the clap definitions render today, so a change to a flag or a
//! help text that is not followed by a regeneration fails here — with the command
//! that fixes it. No database needed.

use std::path::Path;
use std::process::Command;

use crate::common;
use invoicectl::assets::{self, Asset};

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rendered(assets: &[Asset], path: &str) -> Vec<u8> {
    assets
        .iter()
        .find(|a| a.path == Path::new(path))
        .unwrap_or_else(|| panic!("{path} is not rendered"))
        .bytes
        .clone()
}

/// Every visible command of the tree, root included, as `invoicectl-a-b` page names.
fn page_names(cmd: &clap::Command, prefix: &str, out: &mut Vec<String>) {
    out.push(format!("{prefix}.1"));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        page_names(sub, &format!("{prefix}-{}", sub.get_name()), out);
    }
}

#[test]
fn checked_in_completions_and_man_pages_match_the_clap_definitions() {
    let assets = assets::render_all();

    // clap_complete's file names, one script per shell.
    for name in [
        "invoicectl.bash",
        "_invoicectl",
        "invoicectl.fish",
        "invoicectl.elv",
        "_invoicectl.ps1",
    ] {
        let script = rendered(&assets, &format!("completions/{name}"));
        assert!(
            String::from_utf8_lossy(&script).contains("demo"),
            "{name} completes every subcommand"
        );
    }
    // One man page per command, groups and leaves alike, and nothing else.
    let mut expected = Vec::new();
    page_names(&invoicectl::cli::command(), "invoicectl", &mut expected);
    for page in [
        "invoicectl.1",
        "invoicectl-export-start.1",
        "invoicectl-audit-tail.1",
        "invoicectl-db-setup.1",
        "invoicectl-export.1",
        "invoicectl-demo.1",
        "invoicectl-completions.1",
    ] {
        assert!(expected.iter().any(|p| p == page), "{page} expected");
    }
    let mut pages: Vec<String> = assets
        .iter()
        .filter(|a| a.path.starts_with("man"))
        .map(|a| a.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    expected.sort();
    pages.sort();
    assert_eq!(pages, expected);
    assert!(
        !pages.iter().any(|p| p.contains("generate-assets")),
        "the hidden maintainer command has no page"
    );

    // Byte for byte, and no stale file left over from a renamed command.
    let problems = assets::differences(repo_root(), &assets);
    assert!(
        problems.is_empty(),
        "completions/ and man/ are out of date with the clap definitions: {}\n\
         regenerate them with `{}` and commit the result",
        problems.join(", "),
        assets::REGENERATE
    );
}

#[test]
fn the_sync_check_catches_a_changed_help_text() {
    // Change one flag's help, as a developer editing src/ would.
    let drifted = invoicectl::cli::command().mut_subcommand("export", |export| {
        export.mut_subcommand("start", |start| {
            start.mut_arg("org", |org| org.help("Which organization (drifted help)"))
        })
    });
    let assets = assets::render_all_from(drifted);

    let page = rendered(&assets, "man/invoicectl-export-start.1");
    let checked_in = std::fs::read(repo_root().join("man/invoicectl-export-start.1")).unwrap();
    assert_ne!(page, checked_in);
    assert!(String::from_utf8_lossy(&page).contains("drifted help"));

    let problems = assets::differences(repo_root(), &assets);
    // The page of the changed command, and the scripts that show help texts.
    for path in [
        "man/invoicectl-export-start.1",
        "completions/_invoicectl",
        "completions/invoicectl.fish",
    ] {
        assert!(
            problems.contains(&format!("{path} (differs)")),
            "{path} should differ: {problems:?}"
        );
    }
    // Pages of untouched commands still match.
    assert!(
        !problems
            .iter()
            .any(|p| p.contains("invoicectl-audit-tail.1") || p.contains("invoicectl-db-setup.1")),
        "{problems:?}"
    );
}

#[test]
fn generate_assets_writes_a_clean_tree_removes_stale_files_and_check_reports_drift() {
    let dir = tempfile::tempdir().unwrap();
    let generate = |extra: &[&str]| {
        let mut cmd = assert_cmd::Command::new(common::BINARY);
        cmd.arg("generate-assets")
            .arg("--out-dir")
            .arg(dir.path())
            .args(extra)
            .env("INVOICECTL_CONFIG", dir.path().join("no-such-config.toml"));
        cmd
    };
    // A leftover page of a command that no longer exists.
    std::fs::create_dir_all(dir.path().join("man")).unwrap();
    std::fs::write(dir.path().join("man/invoicectl-old.1"), "stale").unwrap();
    generate(&["--check"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("man/invoicectl-old.1 (stale)"))
        .stderr(predicates::str::contains(assets::REGENERATE));

    generate(&[]).assert().success();
    assert!(!dir.path().join("man/invoicectl-old.1").exists());
    assert!(assets::differences(dir.path(), &assets::render_all()).is_empty());
    for asset in assets::render_all() {
        assert_eq!(
            std::fs::read(dir.path().join(&asset.path)).unwrap(),
            std::fs::read(repo_root().join(&asset.path)).unwrap(),
            "the generator writes what is checked in: {}",
            asset.path.display()
        );
    }
    generate(&["--check"]).assert().success();

    std::fs::write(dir.path().join("completions/invoicectl.bash"), "edited").unwrap();
    generate(&["--check"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "completions/invoicectl.bash (differs)",
        ));
}

#[test]
fn every_man_page_has_exit_status_environment_and_files_and_renders_cleanly() {
    let groff = Command::new("groff")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    // On CI (`CI` set, as .ci/run and every CI service do) the formatting check is
    // part of the contract: a missing groff fails it rather than skipping it. On a
    // developer's machine without groff, the structural checks below still run.
    let on_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(
        groff || !on_ci,
        "groff is not installed, and CI={:?} makes the man page formatting check \
         mandatory: install groff-base (.ci/run does)",
        std::env::var("CI").unwrap_or_default()
    );
    let mut pages = 0;
    for asset in assets::render_all() {
        if !asset.path.starts_with("man") {
            continue;
        }
        pages += 1;
        let name = asset.path.display().to_string();
        let text = String::from_utf8(asset.bytes.clone()).unwrap();
        for section in [
            ".SH NAME",
            ".SH SYNOPSIS",
            ".SH DESCRIPTION",
            ".SH \"EXIT STATUS\"",
            ".SH ENVIRONMENT",
            ".SH FILES",
        ] {
            assert!(text.contains(section), "{name} lacks {section}");
        }
        for code in ["0", "1", "2", "65", "66", "69", "75", "77"] {
            assert!(
                text.contains(&format!("\\fB{code}\\fR")),
                "{name}: exit code {code}"
            );
        }
        for var in [
            "DATABASE_URL",
            "PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE",
            "INVOICECTL_CONFIG",
            "INVOICECTL_USER",
            "INVOICECTL_DATA_DIR",
            "INVOICECTL_EXPORT_DIR",
            "INVOICECTL_SMTP_URL",
            "INVOICECTL_MAIL_FROM",
            "INVOICECTL_PAGE_SIZE",
            "INVOICECTL_WORKER_CONCURRENCY",
            "NO_COLOR",
            "RUST_LOG",
        ] {
            assert!(text.contains(var), "{name}: {var}");
        }
        for file in ["config.toml", "exports/", "outbox/"] {
            assert!(text.contains(file), "{name}: {file}");
        }
        // Where groff is installed (CI must have it), the page must also format
        // without a single warning; `-k` runs preconv first, as man(1) does, since
        // help texts hold UTF-8 (`run_…`).
        if groff {
            let path = repo_root().join(&asset.path);
            let out = Command::new("groff")
                .args(["-k", "-man", "-Tutf8", "-ww", "-z"])
                .arg(&path)
                .output()
                .unwrap();
            assert!(
                out.status.success() && out.stderr.is_empty(),
                "groff on {name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    assert!(pages >= 19, "{pages} man pages");
}

/// The exit codes in docs/reference.md and the settings table in
/// docs/configuration.md are rendered from the lists `--help` and the man pages use
/// (`generate-assets` writes them), so the four exit-code lists cannot disagree.
#[test]
fn generated_doc_blocks_are_up_to_date() {
    let problems = assets::doc_differences(repo_root());
    assert!(
        problems.is_empty(),
        "{problems:?}: run `{}`",
        assets::REGENERATE
    );
    let reference = std::fs::read_to_string(repo_root().join("docs/reference.md")).unwrap();
    for doc in invoicectl::error::EXIT_CODES {
        assert!(
            reference.contains(&format!("| {} | {} |", doc.code, doc.meaning)),
            "exit {} in docs/reference.md",
            doc.code
        );
    }
    let config = std::fs::read_to_string(repo_root().join("docs/configuration.md")).unwrap();
    for setting in invoicectl::settings_doc::SETTINGS {
        assert!(
            config.contains(&format!("`{}`", setting.var)),
            "{}",
            setting.var
        );
    }
}

/// The man page advice of the README works: pages installed under a directory that
/// `MANPATH` names are found by `man` (where man is installed).
#[test]
fn man_finds_installed_pages_through_manpath() {
    let dir = tempfile::tempdir().unwrap();
    let man1 = dir.path().join("man1");
    std::fs::create_dir_all(&man1).unwrap();
    for entry in std::fs::read_dir(repo_root().join("man")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, man1.join(path.file_name().unwrap())).unwrap();
    }
    let found = std::process::Command::new("man")
        .args(["-w", "invoicectl-export-start"])
        .env("MANPATH", format!("{}:", dir.path().display()))
        .output();
    match found {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let path = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                path.trim(),
                man1.join("invoicectl-export-start.1").display().to_string()
            );
        }
        Err(e) => eprintln!("man is not installed ({e}): MANPATH not checked"),
    }
}

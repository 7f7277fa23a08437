//! A full disk under local storage, on a real small filesystem: a tmpfs mounted for
//! the test (mounting needs root, or CAP_SYS_ADMIN; `.ci/run` runs as root). Nothing
//! is simulated: the worker's writes fail with the kernel's ENOSPC.
//!
//! What must hold: a full storage is the worker's problem, not each export's (runs
//! released without spending an attempt, claims paused, said once); a retry does
//! not need the space of the checkpointed pages a second time; no partial file
//! survives a completed export.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sqlx::PgPool;

use crate::common::invoices::insert_generated;
use crate::common::process::Process;
use crate::common::runs::{drain_until_final, file_of, run_status};
use crate::common::{Env, json_of};
use invoicectl::db::seed::seed_demo;

/// The worker's line when a queue pauses, said once per outage.
const PAUSED: &str = "cannot run this queue's tasks for now";
/// Its line when the queue works again.
const RESUMED: &str = "work again on this worker";
/// Worker flags for a fast pause curve (50 ms doubling to 600 ms) and takeovers.
const FAST: [&str; 6] = ["--lease", "2", "--heartbeat", "1", "--retry-scale", "0.01"];
const PAGE_SIZE: u32 = 500;

/// A tmpfs of `size` bytes mounted at `path`, unmounted when dropped.
struct Tmpfs {
    path: PathBuf,
}

impl Tmpfs {
    fn mount(path: &Path, size: u64) -> Tmpfs {
        std::fs::create_dir_all(path).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o"])
            .arg(format!("size={size},mode=0700"))
            .arg("tmpfs")
            .arg(path)
            .output()
            .expect("run mount(8)");
        assert!(
            out.status.success(),
            "this test mounts a small tmpfs to fill it for real, which needs root (or \
             CAP_SYS_ADMIN); .ci/run runs as root. mount said: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs {
            path: path.to_path_buf(),
        }
    }

    /// Bytes an unprivileged write can still use.
    fn free(&self) -> u64 {
        let c = std::ffi::CString::new(self.path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: statvfs(3) fills the struct we hand it; the path is NUL-terminated.
        let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { libc::statvfs(c.as_ptr(), &mut stat) }, 0);
        stat.f_bavail * stat.f_frsize
    }

    /// Every `.partial` file under the mount.
    fn partials(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for org in std::fs::read_dir(&self.path).unwrap() {
            let org = org.unwrap().path();
            if !org.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&org).unwrap() {
                let file = file.unwrap().path();
                if file.to_string_lossy().ends_with(".partial") {
                    found.push(file);
                }
            }
        }
        found
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

fn start(env: &Env, org: &str, user: &str) -> String {
    let out = env
        .cmd()
        .args([
            "export", "start", "--org", org, "--as", user, "--json", "--force",
        ])
        .assert()
        .success();
    json_of(&out.get_output().stdout)["runId"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn attempt_and_error(pool: &PgPool, run: &str) -> (i32, Option<String>) {
    sqlx::query_as("SELECT attempt, error->>'code' FROM run WHERE id = $1")
        .bind(run)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The bytes the run's CSV checkpoint vouches for.
async fn checkpointed_bytes(pool: &PgPool, run: &str) -> u64 {
    let bytes: Option<i64> = sqlx::query_scalar(
        "SELECT (checkpoint->>'bytes')::bigint FROM run_step WHERE run_id = $1 AND name = 'csv'",
    )
    .bind(run)
    .fetch_optional(pool)
    .await
    .unwrap()
    .flatten();
    bytes.unwrap_or(0) as u64
}

async fn download_url(pool: &PgPool, run: &str) -> String {
    sqlx::query_scalar("SELECT download_url FROM export WHERE run_id = $1")
        .bind(run)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A large export on a disk that fills half-way, then two small exports of other
/// organizations: every ENOSPC releases its run without spending an attempt; a
/// `--drain` worker exits 75 saying so once; a long-running worker pauses its
/// export claims, says so once, and probes; the failed page's bytes are given back
/// (the partial file is exactly the checkpointed pages). Once the disk has room for
/// the rest of the export — but not for a second copy of its checkpointed pages —
/// every export completes on its first attempt, the large one byte-identical to an
/// export on a roomy disk, and no partial file is left.
#[sqlx::test]
async fn a_full_disk_is_the_workers_problem_and_a_retry_needs_no_second_copy(pool: PgPool) {
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, "org_acme", 30_000).await;
    for org in ["org_globex", "org_initech"] {
        sqlx::query(
            "INSERT INTO invoice (id, organization_id, number, customer_name, customer_email,
                                  currency, amount_cents, status, issued_at, due_at)
             SELECT id || '_' || $1, $1, number, customer_name, customer_email, currency,
                    amount_cents, status, issued_at, due_at
             FROM invoice WHERE organization_id = 'org_acme' ORDER BY id LIMIT 2000",
        )
        .bind(org)
        .execute(&pool)
        .await
        .unwrap();
    }
    let env = Env::for_pool(&pool);
    let roomy = env.path().join("roomy");
    env.write_config(&format!(
        "page_size = {PAGE_SIZE}\nexport_dir = \"{}\"\n",
        roomy.display()
    ));
    // The reference: the same rows exported on a roomy disk.
    let reference_run = start(&env, "org_acme", "user_alice");
    drain_until_final(&env, &pool, &reference_run, &FAST, Duration::from_secs(120)).await;
    assert_eq!(run_status(&pool, &reference_run).await, "completed");
    let reference = std::fs::read(file_of(&download_url(&pool, &reference_run).await)).unwrap();
    let size = reference.len() as u64;
    let small: u64 = ["org_globex", "org_initech"]
        .iter()
        .map(|_| size / 15 + 64 * 1024)
        .sum();

    // A disk with room for about half of it.
    let disk = Tmpfs::mount(
        &env.path().join("disk"),
        (size * 2).next_multiple_of(1 << 20),
    );
    let filler = disk.path.join("filler");
    let filler_len = disk.free() - size / 2;
    let file = std::fs::File::create(&filler).unwrap();
    file.set_len(0).unwrap();
    std::io::Write::write_all(&mut &file, &vec![b'x'; filler_len as usize]).unwrap();
    env.write_config(&format!(
        "page_size = {PAGE_SIZE}\nexport_dir = \"{}\"\n",
        disk.path.display()
    ));
    let big = start(&env, "org_acme", "user_alice");

    // A draining worker: the disk fills mid-export; it releases the run, says so
    // once, and exits 75.
    let out = env
        .cmd()
        .args(["export", "worker", "--drain"])
        .args(FAST)
        .assert()
        .code(75);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_eq!(stderr.matches(PAUSED).count(), 1, "{stderr}");
    assert!(
        stderr.contains("No space left on device")
            && stderr.contains("released without spending an attempt"),
        "{stderr}"
    );
    assert_eq!(run_status(&pool, &big).await, "queued");
    assert_eq!(
        attempt_and_error(&pool, &big).await,
        (0, Some("storage_full".to_owned())),
        "released, not counted"
    );
    let kept = checkpointed_bytes(&pool, &big).await;
    assert!(
        kept > size / 8,
        "the export got going: {kept} of {size} bytes"
    );
    let partials = disk.partials();
    assert_eq!(partials.len(), 1, "{partials:?}");
    assert_eq!(
        std::fs::metadata(&partials[0]).unwrap().len(),
        kept,
        "the failed page's bytes were given back"
    );

    // Two small exports of other organizations join; a long-running worker.
    let others = [
        start(&env, "org_globex", "user_bob"),
        start(&env, "org_initech", "user_erin"),
    ];
    let mut cmd = env.std_cmd();
    cmd.args(["export", "worker", "--concurrency", "3"])
        .args(FAST);
    let mut worker = Process::logged(&mut cmd, env.path(), "worker");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !worker.stderr_text().contains(PAUSED) {
        worker.assert_running();
        assert!(Instant::now() < deadline, "{}", worker.stderr_text());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Room for the rest of the large export and the small ones, and less than a
    // second copy of the checkpointed pages would need on top.
    let kept = checkpointed_bytes(&pool, &big).await;
    let room = (size - kept) + small + 256 * 1024;
    assert!(
        room < size,
        "a copy of the {kept} checkpointed bytes would not fit in {room}"
    );
    let free = disk.free();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&filler)
        .unwrap();
    file.set_len(filler_len - room.saturating_sub(free))
        .unwrap();
    drop(file);

    let deadline = Instant::now() + Duration::from_secs(120);
    for run in std::iter::once(&big).chain(&others) {
        loop {
            let status = run_status(&pool, run).await;
            if status == "completed" {
                break;
            }
            assert!(
                !matches!(status.as_str(), "failed" | "canceled"),
                "{run} {status}: {}",
                worker.stderr_text()
            );
            assert!(Instant::now() < deadline, "{}", worker.stderr_text());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    worker.terminate(Duration::from_secs(30));
    let stderr = worker.stderr_text();
    assert_eq!(stderr.matches(PAUSED).count(), 1, "said once: {stderr}");
    assert_eq!(stderr.matches(RESUMED).count(), 1, "{stderr}");
    for run in std::iter::once(&big).chain(&others) {
        assert_eq!(
            attempt_and_error(&pool, run).await.0,
            1,
            "{run}: the full disk cost no attempt: {stderr}"
        );
    }
    let exported = std::fs::read(file_of(&download_url(&pool, &big).await)).unwrap();
    assert!(
        exported == reference,
        "the export equals the one made on a roomy disk"
    );
    assert_eq!(
        disk.partials(),
        Vec::<PathBuf>::new(),
        "no partial file left"
    );
}

/// A file size limit (`ulimit -f`, RLIMIT_FSIZE) below the export's size: the write
/// fails with EFBIG (the worker ignores SIGXFSZ rather than dying of it), which is a
/// full storage too: a draining worker releases the run uncounted, says so once and
/// exits 75; without the limit the export completes on its first attempt.
#[sqlx::test]
async fn a_file_size_limit_is_a_full_storage_too(pool: PgPool) {
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, "org_acme", 3_000).await;
    let env = Env::for_pool(&pool);
    let dir = env.path().join("exports");
    env.write_config(&format!(
        "page_size = {PAGE_SIZE}\nexport_dir = \"{}\"\n",
        dir.display()
    ));
    let run = start(&env, "org_acme", "user_alice");
    let mut cmd = env.std_cmd();
    cmd.args(["export", "worker", "--drain"]).args(FAST);
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setrlimit is async-signal-safe; nothing else runs in the child.
        unsafe {
            cmd.pre_exec(|| {
                let limit = libc::rlimit {
                    rlim_cur: 100 * 1024,
                    rlim_max: 100 * 1024,
                };
                if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(75), "{stderr}");
    assert_eq!(stderr.matches(PAUSED).count(), 1, "{stderr}");
    assert!(stderr.contains("File too large"), "{stderr}");
    assert_eq!(run_status(&pool, &run).await, "queued");
    assert_eq!(
        attempt_and_error(&pool, &run).await,
        (0, Some("storage_full".to_owned()))
    );

    drain_until_final(&env, &pool, &run, &FAST, Duration::from_secs(120)).await;
    assert_eq!(run_status(&pool, &run).await, "completed");
    assert_eq!(attempt_and_error(&pool, &run).await.0, 1);
    let partials: Vec<_> = std::fs::read_dir(dir.join("org_acme"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(partials.is_empty(), "{partials:?}");
}

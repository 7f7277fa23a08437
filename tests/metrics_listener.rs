//! The metrics endpoint cannot take the worker down: a real worker under a low
//! `ulimit -n`, flooded with idle connections, keeps its file descriptors and goes
//! on exporting; a slow header and an idle socket are cut off; only GET and HEAD
//! are answered; a large body is refused unread.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use sqlx::PgPool;

use crate::common::invoices::insert_generated;
use crate::common::process::Process;
use crate::common::runs::run_status;
use crate::common::{Env, json_of};
use invoicectl::db::seed::seed_demo;

fn free_local_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Sends `request` and reads the whole answer (the server closes after it, or after
/// `limit`): what came back, possibly empty.
fn exchange(addr: SocketAddr, request: &[u8], limit: Duration) -> String {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).unwrap();
    stream.set_read_timeout(Some(limit)).unwrap();
    // A refused body may reset the connection mid-write: the answer still counts.
    let _ = stream.write_all(request);
    read_all(&mut stream)
}

fn read_all(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(_) => break,
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

#[sqlx::test]
async fn the_metrics_listener_is_bounded_and_the_worker_keeps_exporting(pool: PgPool) {
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, "org_acme", 2_000).await;
    let env = Env::for_pool(&pool);
    env.write_config(&format!(
        "export_dir = \"{}\"\npage_size = 200\n",
        env.path().join("exports").display()
    ));
    let addr = free_local_addr();
    let mut worker = Process::logged(
        &mut env.shell(&format!(
            "ulimit -n 128 && exec \"$INVOICECTL\" export worker --metrics-addr {addr}"
        )),
        env.path(),
        "worker",
    );
    let pid = worker.child.id();
    // The endpoint answers once the worker runs.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(mut s) = TcpStream::connect(addr) {
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            if read_all(&mut s).starts_with("HTTP/1.1 200 ") {
                break;
            }
        }
        worker.assert_running();
        assert!(Instant::now() < deadline, "no metrics within 20 s");
        std::thread::sleep(Duration::from_millis(50));
    }

    // 300 idle connections: more than the worker's descriptors.
    let mut idle = Vec::new();
    for _ in 0..300 {
        if let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            idle.push(s);
        }
    }
    assert!(idle.len() >= 100, "connected {}", idle.len());
    std::thread::sleep(Duration::from_millis(300));
    let fds = open_fds(pid);
    assert!(
        fds < 100,
        "the worker holds {fds} descriptors under ulimit 128"
    );

    // An export runs to completion meanwhile.
    let out = env
        .cmd()
        .args([
            "export", "start", "--org", "org_acme", "--as", "user_bob", "--json",
        ])
        .assert()
        .success();
    let run = json_of(&out.get_output().stdout)["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let status = run_status(&pool, &run).await;
        if status == "completed" {
            break;
        }
        assert!(
            !matches!(status.as_str(), "failed" | "canceled"),
            "the export {status}: {}",
            worker.stderr_text()
        );
        worker.assert_running();
        assert!(Instant::now() < deadline, "the export did not complete");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let attempt: i32 = sqlx::query_scalar("SELECT attempt FROM run WHERE id = $1")
        .bind(&run)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(attempt, 1, "no attempt was lost to the flood");
    assert!(open_fds(pid) < 100);
    drop(idle);

    // An idle socket and a slowloris (a header line every 400 ms) are cut off with 408
    // within the header timeout, long before they finish.
    let started = Instant::now();
    let answer = exchange(addr, b"", Duration::from_secs(30));
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer:?}");
    assert!(started.elapsed() < Duration::from_secs(20));
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_millis(400)))
        .unwrap();
    slow.write_all(b"GET /metrics HTTP/1.1\r\n").unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    for i in 0..75 {
        if slow
            .write_all(format!("X-Slow-{i}: y\r\n").as_bytes())
            .is_err()
        {
            break;
        }
        let mut chunk = [0u8; 1024];
        match slow.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
            Err(_) => {}
        }
        if !answer.is_empty() {
            break;
        }
    }
    let answer = String::from_utf8_lossy(&answer).into_owned();
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer:?}");
    assert!(started.elapsed() < Duration::from_secs(20));

    // Only GET and HEAD.
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let answer = exchange(
            addr,
            format!("{method} /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                .as_bytes(),
            Duration::from_secs(10),
        );
        assert!(answer.starts_with("HTTP/1.1 405 "), "{method}: {answer:?}");
        assert!(answer.contains("Allow: GET, HEAD"), "{answer:?}");
    }
    let answer = exchange(
        addr,
        b"HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(10),
    );
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    assert!(body.is_empty());
    // A 10 MB body is refused before it is read.
    let mut big = b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n".to_vec();
    big.extend(std::iter::repeat_n(b'x', 10 << 20));
    let answer = exchange(addr, &big, Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer:?}");
    let answer = exchange(
        addr,
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\nxxxx",
        Duration::from_secs(10),
    );
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer:?}");

    // Two scrapes on one kept-alive connection, and the export counted.
    let mut keep = TcpStream::connect(addr).unwrap();
    keep.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    keep.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let both = read_all(&mut keep);
    assert_eq!(both.matches("HTTP/1.1 200 OK").count(), 2, "{both}");
    assert!(
        both.contains(r#"invoicectl_runs_completed_total{task="export-invoices"} 1"#),
        "{both}"
    );

    // The worker said nothing about failing accepts, and stops cleanly.
    let stderr = worker.stderr_text();
    assert!(
        stderr.matches("accept").count() <= 1,
        "accept errors logged: {}",
        &stderr[..stderr.len().min(2000)]
    );
    assert!(worker.terminate(Duration::from_secs(15)).success());
}

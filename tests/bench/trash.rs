//! Benchmark of the trash: how long a bulk delete of 100 assets takes, how long the
//! purge of many trashed assets takes, and the API's latency while that purge runs.
//!
//! `cargo bench --bench trash` runs it with 100,000 trashed assets against the release
//! binary (`CSMOCK_BENCH_ASSETS` changes the number). Under `cargo test` it runs a
//! small version, only to prove that it still works.

#[path = "../api/helpers.rs"]
mod helpers;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use helpers::*;
use serde_json::json;

const CLIENTS: usize = 16;
const LIVE_ASSETS: usize = 1_000;

#[tokio::main]
async fn main() {
    let full = std::env::args().any(|arg| arg == "--bench");
    let trashed: usize = match std::env::var("CSMOCK_BENCH_ASSETS") {
        Ok(n) => n.parse().expect("CSMOCK_BENCH_ASSETS is a number"),
        Err(_) if full => 100_000,
        Err(_) => 300,
    };
    let live = if full { LIVE_ASSETS } else { 20 };
    // With TEST_LOG set, the server's per-batch purge timings show on stderr.
    let server =
        TestServer::start_with(&["--log", "warn,contentstack_mock::domain::purge=debug"]).await;
    println!(
        "trash benchmark: {trashed} assets to trash, {live} live, {CLIENTS} clients, data on disk (fsync on)"
    );

    let started = Instant::now();
    let live_uids = upload_concurrently(&server, live, CLIENTS).await;
    let doomed = upload_concurrently(&server, trashed, CLIENTS).await;
    let elapsed = started.elapsed();
    println!(
        "uploads: {} in {:.1} s ({:.0}/s)",
        live + trashed,
        elapsed.as_secs_f64(),
        (live + trashed) as f64 / elapsed.as_secs_f64()
    );

    // Bulk deletes of 100, one at a time, to time a single request.
    let mut single = Vec::new();
    let chunks: Vec<&[String]> = doomed.chunks(100).collect();
    let timed = chunks.len().min(20);
    for chunk in &chunks[..timed] {
        let t = Instant::now();
        bulk_delete(&server, chunk).await;
        single.push(t.elapsed());
    }
    report("bulk delete of 100 assets", &mut single);
    // The rest with a few requests at once.
    let rest: Vec<Vec<String>> = chunks[timed..].iter().map(|c| c.to_vec()).collect();
    let t = Instant::now();
    for group in rest.chunks(4) {
        let requests = group.iter().map(|chunk| bulk_delete(&server, chunk));
        futures_util::future::join_all(requests).await;
    }
    println!(
        "remaining bulk deletes: {} requests in {:.1} s",
        rest.len(),
        t.elapsed().as_secs_f64()
    );
    let (_, trash) = send(control(
        &server,
        reqwest::Method::GET,
        &format!("/_mock/stacks/{API_KEY}/trash?limit=1"),
    ))
    .await;
    assert_eq!(trash["count"], trashed, "everything is in the trash");

    let mut baseline = sample_latency(&server, &live_uids, Duration::from_secs(2)).await;
    report(
        "API latency, idle (list 10 / get one, mixed)",
        &mut baseline,
    );

    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        let client = server.client.clone();
        let base = server.base.clone();
        let uids = live_uids.clone();
        tokio::spawn(async move { sample_until(&client, &base, &uids, &stop).await })
    };
    let t = Instant::now();
    // The advance answers once the whole purge is done: no client timeout here.
    let patient = reqwest::Client::new();
    let advance_url = server.url(&format!("/_mock/stacks/{API_KEY}/clock/advance"));
    let (status, moved) = send(patient.post(advance_url).json(&json!({"days": 15}))).await;
    assert_eq!(status, 200, "{moved}");
    let purge_time = t.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut during = sampler.await.unwrap();
    let purged = moved["purged"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(purged, trashed);
    println!(
        "purge of {purged} trashed assets: {:.2} s ({:.0} items/s)",
        purge_time.as_secs_f64(),
        purged as f64 / purge_time.as_secs_f64()
    );
    report("API latency during the purge", &mut during);
    assert_consistent(&check_consistency(&server.data_dir).await);
    assert_eq!(server.stored_file_count(), live);
    println!("after the purge: rows and files agree, {live} live files left");
}

async fn bulk_delete(server: &TestServer, uids: &[String]) {
    let body = json!({"assets": uids.iter().map(|uid| json!({"uid": uid})).collect::<Vec<_>>()});
    let (status, out) = send(server.post("/v3/bulk/delete").json(&body)).await;
    assert_eq!(status, 200, "{out}");
}

async fn sample_latency(server: &TestServer, uids: &[String], duration: Duration) -> Vec<Duration> {
    let stop = Arc::new(AtomicBool::new(false));
    let task = {
        let stop = stop.clone();
        let client = server.client.clone();
        let base = server.base.clone();
        let uids = uids.to_vec();
        tokio::spawn(async move { sample_until(&client, &base, &uids, &stop).await })
    };
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    task.await.unwrap()
}

/// One client alternating a list and a fetch, timing each, until `stop`.
async fn sample_until(
    client: &reqwest::Client,
    base: &str,
    uids: &[String],
    stop: &AtomicBool,
) -> Vec<Duration> {
    let mut samples = Vec::new();
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        let url = if i % 2 == 0 {
            format!("{base}/v3/assets?limit=10")
        } else {
            format!("{base}/v3/assets/{}", uids[i % uids.len()])
        };
        let t = Instant::now();
        let response = client
            .get(url)
            .header("api_key", API_KEY)
            .header("authorization", TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap();
        samples.push(t.elapsed());
        i += 1;
    }
    samples
}

fn report(label: &str, samples: &mut [Duration]) {
    if samples.is_empty() {
        println!("{label}: no samples");
        return;
    }
    samples.sort();
    let pick = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label}: n={} p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        samples.len(),
        ms(pick(0.5)),
        ms(pick(0.95)),
        ms(pick(0.99)),
        ms(samples[samples.len() - 1])
    );
}

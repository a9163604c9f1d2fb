//! Benchmark of the HTTP workloads: the mock (release binary, `--ephemeral`) against a
//! bare hyper server that runs inside this process and stores nothing, the limit of this
//! machine and of this client. Both are measured in the same run with the same built-in
//! load generator (keep-alive connections, fixed duration), so the ratios hold on a busy
//! machine where absolute numbers do not. A last run uploads to a mock on disk (fsync on,
//! the default) to compare durable with ephemeral uploads.
//!
//! `cargo bench --bench http` runs it in full (about 70 s). Under `cargo test` it runs a
//! short version (a few seconds), only to prove that every workload still works.
//!
//! Knobs: `HTTP_BENCH_DURATION` (seconds per workload, 4), `HTTP_BENCH_WARMUP` (seconds
//! of warm-up before the read workloads, 1), `HTTP_BENCH_CONNECTIONS` (32),
//! `HTTP_BENCH_UPLOAD_CAP` (most 10 KiB uploads per run, 8000; they are the delete pool),
//! `HTTP_BENCH_STARTS` (start-ups timed, 3), `HTTP_BENCH_KEEPALIVE` (1; 0 opens a new
//! connection for every request).
//!
//! Every answer must be 2xx (downloads also of the right length); failures are counted,
//! shown in the table, and make the run exit non-zero.

#[path = "../api/helpers.rs"]
mod helpers;

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::future::{self, Either};
use helpers::{API_KEY, TOKEN, TestServer};
use http_body_util::{BodyExt, Full};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

const SMALL: usize = 10 * 1024;
const BIG: usize = 1024 * 1024;
const LIST_LIMIT: usize = 100;
const BOUNDARY: &str = "csmockbench7MA4YWxkTrZu0gW";
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The bare server's uid: the same path shapes as the mock's, so the client does the same work.
const BARE_UID: &str = "blt0bare0000000001";

/// What a run is configured to do.
struct Knobs {
    full: bool,
    duration: Duration,
    warmup: Duration,
    connections: usize,
    /// Off: a new connection per request.
    keep_alive: bool,
    upload_cap: u64,
    big_cap: u64,
    starts: usize,
    /// Assets in the stack while the list workload runs.
    listed: usize,
}

impl Knobs {
    fn from_env() -> Knobs {
        let full = std::env::args().any(|arg| arg == "--bench");
        let seconds = |name: &str, full_default: f64, smoke_default: f64| {
            let value = match std::env::var(name) {
                Ok(text) => text
                    .parse::<f64>()
                    .unwrap_or_else(|_| panic!("{name} is a number of seconds")),
                Err(_) if full => full_default,
                Err(_) => smoke_default,
            };
            Duration::from_secs_f64(value)
        };
        let number = |name: &str, full_default: u64, smoke_default: u64| match std::env::var(name) {
            Ok(text) => text
                .parse::<u64>()
                .unwrap_or_else(|_| panic!("{name} is a whole number")),
            Err(_) if full => full_default,
            Err(_) => smoke_default,
        };
        Knobs {
            full,
            duration: seconds("HTTP_BENCH_DURATION", 4.0, 0.25),
            warmup: seconds("HTTP_BENCH_WARMUP", 1.0, 0.0),
            connections: number("HTTP_BENCH_CONNECTIONS", 32, 4).max(1) as usize,
            keep_alive: number("HTTP_BENCH_KEEPALIVE", 1, 1) != 0,
            upload_cap: number("HTTP_BENCH_UPLOAD_CAP", 8_000, 300),
            big_cap: if full { 2_000 } else { 10 },
            starts: number("HTTP_BENCH_STARTS", 3, 1).max(1) as usize,
            listed: if full { 1_000 } else { 120 },
        }
    }
}

fn main() {
    let knobs = Knobs::from_env();
    // The load generator's own runtime; each server has its own threads (the mock its
    // process, the bare server a runtime of its own), as a separate client would.
    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the client runtime starts");
    let failed = client.block_on(run(knobs));
    if failed > 0 {
        eprintln!("http benchmark: {failed} requests failed (see the table)");
        std::process::exit(1);
    }
}

async fn run(knobs: Knobs) -> u64 {
    let started = Instant::now();
    let load_average = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into());
    let mode = if knobs.full {
        "full"
    } else {
        "smoke (cargo bench --bench http for the full run)"
    };
    println!(
        "http benchmark, {mode}: {} connections{}, {:.2} s per workload, {:.2} s warm-up; {} CPUs, load average {load_average} at start",
        knobs.connections,
        if knobs.keep_alive {
            ""
        } else {
            " (a new one per request)"
        },
        knobs.duration.as_secs_f64(),
        knobs.warmup.as_secs_f64(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!("mock binary: {}", env!("CARGO_BIN_EXE_contentstack-mock"));

    let bare = measure_bare(&knobs).await;
    let mock = measure_mock(&knobs).await;
    let durable = measure_durable(&knobs).await;

    let failed = print_report(&knobs, &bare, &mock, &durable);
    println!("total: {:.0} s", started.elapsed().as_secs_f64());
    failed
}

// --- the load generator -----------------------------------------------------------------

/// A request body of a few chunks of known total length (sent without copying them).
struct Parts {
    chunks: VecDeque<Bytes>,
    remaining: u64,
}

impl Parts {
    fn empty() -> Parts {
        Parts::of(Vec::new())
    }

    fn of(chunks: Vec<Bytes>) -> Parts {
        let remaining = chunks.iter().map(|c| c.len() as u64).sum();
        Parts {
            chunks: chunks.into(),
            remaining,
        }
    }
}

impl hyper::body::Body for Parts {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let next = self.chunks.pop_front();
        if let Some(chunk) = &next {
            self.remaining -= chunk.len() as u64;
        }
        Poll::Ready(next.map(|chunk| Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// Builds request number `i`, or `None` when there is nothing left to do (a used-up pool).
type Make = Arc<dyn Fn(u64) -> Option<Request<Parts>> + Send + Sync>;

struct Load {
    addr: SocketAddr,
    make: Make,
    connections: usize,
    duration: Duration,
    /// Stop after this many requests in all.
    max: Option<u64>,
    keep_alive: bool,
    /// Answers of another length count as failures.
    expect_len: Option<u64>,
    /// Keep the first `"uid"` of each answer (the uploads' assets, for the delete pool).
    collect_uids: bool,
}

#[derive(Default)]
struct Outcome {
    ok: u64,
    /// Non-2xx answers, wrong lengths, answers without a uid where one was wanted.
    bad_answer: u64,
    /// Connection errors and timeouts.
    bad_socket: u64,
    elapsed: Duration,
    /// Of the successful requests, in microseconds.
    latencies: Vec<u32>,
    uids: Vec<String>,
}

impl Outcome {
    fn rate(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.ok as f64 / seconds
        } else {
            0.0
        }
    }

    fn failed(&self) -> u64 {
        self.bad_answer + self.bad_socket
    }

    /// Latency quantile `q` in milliseconds (latencies must be sorted).
    fn quantile_ms(&self, q: f64) -> Option<f64> {
        if self.latencies.is_empty() {
            return None;
        }
        let index = ((self.latencies.len() - 1) as f64 * q).round() as usize;
        Some(self.latencies[index] as f64 / 1000.0)
    }

    fn merge(&mut self, other: Outcome) {
        self.ok += other.ok;
        self.bad_answer += other.bad_answer;
        self.bad_socket += other.bad_socket;
        self.latencies.extend(other.latencies);
        self.uids.extend(other.uids);
    }
}

async fn run_load(load: Load) -> Outcome {
    let load = Arc::new(load);
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + load.duration;
    let tasks: Vec<_> = (0..load.connections)
        .map(|_| tokio::spawn(connection(load.clone(), counter.clone(), deadline)))
        .collect();
    let mut outcome = Outcome::default();
    for task in tasks {
        outcome.merge(task.await.expect("a load connection panicked"));
    }
    outcome.elapsed = started.elapsed();
    outcome.latencies.sort_unstable();
    outcome
}

/// One client connection: request after request until the deadline, the cap or the end of
/// the pool. A broken connection is counted and opened again.
async fn connection(load: Arc<Load>, counter: Arc<AtomicU64>, deadline: Instant) -> Outcome {
    let mut out = Outcome::default();
    let mut finished = false;
    while !finished && Instant::now() < deadline {
        let (sender, conn) = match tokio::time::timeout(REQUEST_TIMEOUT, open(load.addr)).await {
            Ok(Ok(opened)) => opened,
            _ => {
                out.bad_socket += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        // The connection is driven by this task too: no hand-off between tasks per request.
        let mut conn = pin!(conn);
        let mut requests = pin!(session(&load, &counter, deadline, sender, &mut out));
        finished = match future::select(requests.as_mut(), conn.as_mut()).await {
            Either::Left((finished, _)) => finished,
            // The connection ended first: the request in flight, if any, fails.
            Either::Right((_, requests)) => requests.await,
        };
    }
    out
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type ClientConnection = hyper::client::conn::http1::Connection<TokioIo<TcpStream>, Parts>;

async fn open(addr: SocketAddr) -> Result<(SendRequest<Parts>, ClientConnection), BoxError> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?)
}

/// Requests on one open connection. Returns true when the work is done (deadline, cap,
/// pool), false when the connection has to be opened again.
async fn session(
    load: &Load,
    counter: &AtomicU64,
    deadline: Instant,
    mut sender: SendRequest<Parts>,
    out: &mut Outcome,
) -> bool {
    loop {
        if Instant::now() >= deadline {
            return true;
        }
        let i = counter.fetch_add(1, Ordering::Relaxed);
        if load.max.is_some_and(|max| i >= max) {
            return true;
        }
        let Some(mut request) = (load.make)(i) else {
            return true;
        };
        if !load.keep_alive {
            request
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        let started = Instant::now();
        match tokio::time::timeout(REQUEST_TIMEOUT, exchange(&mut sender, load, request)).await {
            Ok(Ok(answer)) => {
                let elapsed = started.elapsed();
                let length_ok = load.expect_len.is_none_or(|want| want == answer.length);
                let uid = if load.collect_uids {
                    first_uid(&answer.head)
                } else {
                    None
                };
                if answer.status.is_success() && length_ok && (uid.is_some() || !load.collect_uids)
                {
                    out.ok += 1;
                    out.latencies
                        .push(u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX));
                    out.uids.extend(uid);
                } else {
                    out.bad_answer += 1;
                }
                if answer.close || !load.keep_alive {
                    return false;
                }
            }
            Ok(Err(_)) | Err(_) => {
                out.bad_socket += 1;
                return false;
            }
        }
    }
}

struct Answer {
    status: StatusCode,
    length: u64,
    /// The first bytes of the body.
    head: Vec<u8>,
    /// The server closes the connection after this answer.
    close: bool,
}

async fn exchange(
    sender: &mut SendRequest<Parts>,
    load: &Load,
    request: Request<Parts>,
) -> Result<Answer, BoxError> {
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let close = response
        .headers()
        .get(header::CONNECTION)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
    let mut body = response.into_body();
    let mut length = 0u64;
    let mut head = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            length += data.len() as u64;
            if load.collect_uids && head.len() < 1024 {
                let take = (1024 - head.len()).min(data.len());
                head.extend_from_slice(&data[..take]);
            }
        }
    }
    Ok(Answer {
        status,
        length,
        head,
        close,
    })
}

/// The value of the first `"uid"` in a JSON text.
fn first_uid(json: &[u8]) -> Option<String> {
    let key = b"\"uid\":\"";
    let start = json.windows(key.len()).position(|w| w == key)? + key.len();
    let end = json[start..].iter().position(|b| *b == b'"')? + start;
    String::from_utf8(json[start..end].to_vec()).ok()
}

// --- requests (the same for both servers) -------------------------------------------------

/// Where a server is, and the asset its read workloads read.
#[derive(Clone)]
struct Target {
    addr: SocketAddr,
    host: HeaderValue,
    asset_uid: String,
    download_path: String,
    keep_alive: bool,
}

impl Target {
    fn request(&self, method: Method, path: &str, body: Parts) -> Request<Parts> {
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, self.host.clone())
            .header("api_key", API_KEY)
            .header("authorization", TOKEN)
            .body(body)
            .expect("a valid request")
    }

    fn load(&self, make: Make, connections: usize, duration: Duration) -> Load {
        Load {
            addr: self.addr,
            make,
            connections,
            duration,
            max: None,
            keep_alive: self.keep_alive,
            expect_len: None,
            collect_uids: false,
        }
    }

    fn get(&self, path: String) -> Make {
        let target = self.clone();
        Arc::new(move |_| Some(target.request(Method::GET, &path, Parts::empty())))
    }

    /// Multipart uploads of `data` as `asset[upload]`, a new filename each.
    fn upload(&self, data: Bytes, tag: &'static str) -> Make {
        let target = self.clone();
        let content_type =
            HeaderValue::from_str(&format!("multipart/form-data; boundary={BOUNDARY}"))
                .expect("a valid header");
        let end = Bytes::from(format!("\r\n--{BOUNDARY}--\r\n"));
        Arc::new(move |i| {
            let start = format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"asset[upload]\"; \
                 filename=\"bench-{tag}-{i:08}.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            );
            let body = Parts::of(vec![Bytes::from(start), data.clone(), end.clone()]);
            let mut request = target.request(Method::POST, "/v3/assets", body);
            request
                .headers_mut()
                .insert(header::CONTENT_TYPE, content_type.clone());
            Some(request)
        })
    }

    /// Deletes each uid of `pool` once.
    fn delete(&self, pool: Vec<String>) -> Make {
        let target = self.clone();
        Arc::new(move |i| {
            let uid = pool.get(usize::try_from(i).ok()?)?;
            Some(target.request(Method::DELETE, &format!("/v3/assets/{uid}"), Parts::empty()))
        })
    }
}

fn payload(size: usize, seed: u8) -> Bytes {
    (0..size)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect::<Vec<u8>>()
        .into()
}

/// What one server measured.
#[derive(Default)]
struct Measured {
    startup_ms: Vec<f64>,
    rss_idle: Option<f64>,
    rss_after_small: Option<f64>,
    rss_end: Option<f64>,
    runs: Vec<(&'static str, Outcome)>,
}

impl Measured {
    fn run(&self, key: &str) -> Option<&Outcome> {
        self.runs.iter().find(|(k, _)| *k == key).map(|(_, o)| o)
    }

    fn startup(&self) -> Option<f64> {
        let mut times = self.startup_ms.clone();
        times.sort_by(f64::total_cmp);
        times.get(times.len() / 2).copied()
    }
}

/// The workloads, in the order of the side-by-side harness: reads, uploads, deletes of
/// what was uploaded, then 1 MiB uploads.
async fn workloads(
    knobs: &Knobs,
    target: &Target,
    out: &mut Measured,
    pid: Option<u32>,
    upload_cap: Option<u64>,
) {
    let conns = knobs.connections;
    let reads: [(&'static str, String, Option<u64>); 3] = [
        ("list", format!("/v3/assets?limit={LIST_LIMIT}"), None),
        ("get", format!("/v3/assets/{}", target.asset_uid), None),
        ("download", target.download_path.clone(), Some(SMALL as u64)),
    ];
    for (key, path, expect_len) in reads {
        let mut load = target.load(target.get(path.clone()), conns, knobs.warmup);
        load.expect_len = expect_len;
        if !knobs.warmup.is_zero() {
            out.runs.push(("warm-up", run_load(load).await));
        }
        let mut load = target.load(target.get(path), conns, knobs.duration);
        load.expect_len = expect_len;
        out.runs.push((key, run_load(load).await));
    }
    // One keep-alive connection, one download at a time: the latency a page sees.
    let mut load = target.load(
        target.get(target.download_path.clone()),
        1,
        knobs.duration.min(Duration::from_secs(2)),
    );
    load.expect_len = Some(SMALL as u64);
    out.runs.push(("download1", run_load(load).await));

    let mut load = target.load(
        target.upload(payload(SMALL, 7), "small"),
        conns,
        knobs.duration,
    );
    load.max = upload_cap;
    load.collect_uids = true;
    let mut uploaded = run_load(load).await;
    let pool = std::mem::take(&mut uploaded.uids);
    out.runs.push(("upload", uploaded));

    let mut load = target.load(target.delete(pool), conns, knobs.duration);
    load.max = None;
    out.runs.push(("delete", run_load(load).await));
    if let Some(pid) = pid {
        tokio::time::sleep(Duration::from_secs(1)).await;
        out.rss_after_small = rss_mib(pid);
    }

    let mut load = target.load(target.upload(payload(BIG, 3), "big"), conns, knobs.duration);
    load.max = Some(knobs.big_cap);
    out.runs.push(("upload1m", run_load(load).await));
    if let Some(pid) = pid {
        tokio::time::sleep(Duration::from_secs(1)).await;
        out.rss_end = rss_mib(pid);
    }
}

fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// The client that polls for the first 2xx (each attempt bounded).
fn probe_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("client")
}

/// Polls `path` until it answers 2xx.
async fn wait_for_2xx(client: &reqwest::Client, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let answer = client
            .get(url)
            .header("api_key", API_KEY)
            .header("authorization", TOKEN)
            .send()
            .await;
        if answer.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        assert!(Instant::now() < deadline, "no 2xx from {url} within 30 s");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

// --- the mock -------------------------------------------------------------------------------

/// Starts the mock `knobs.starts` times, timing spawn to the first 2xx; returns the last
/// one with its data dir (removed when dropped, after the server).
async fn start_mock(
    knobs: &Knobs,
    args: &'static [&'static str],
    out: &mut Measured,
) -> (TestServer, tempfile::TempDir) {
    let client = probe_client();
    let mut server = None;
    for _ in 0..knobs.starts {
        drop(server.take());
        let started = Instant::now();
        let started_server = tokio::task::spawn_blocking(move || {
            let temp = tempfile::tempdir().expect("temp dir");
            let server = TestServer::start_in(temp.path(), args);
            (server, temp)
        })
        .await
        .expect("the server starts");
        wait_for_2xx(&client, &started_server.0.url("/v3/assets?limit=1")).await;
        out.startup_ms
            .push(started.elapsed().as_secs_f64() * 1000.0);
        server = Some(started_server);
    }
    server.expect("started at least once")
}

fn target_of(server: &TestServer) -> (SocketAddr, HeaderValue) {
    let authority = server.base.trim_start_matches("http://").to_owned();
    let addr: SocketAddr = authority.parse().expect("the banner names an address");
    (
        addr,
        HeaderValue::from_str(&authority).expect("a valid host"),
    )
}

async fn measure_mock(knobs: &Knobs) -> Measured {
    let mut out = Measured::default();
    let (mut server, _data_dir) = start_mock(knobs, &["--ephemeral"], &mut out).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    out.rss_idle = rss_mib(server.pid());

    // Every operation answers as it should before anything is timed.
    let data = payload(SMALL, 1);
    let probe = server.upload("probe.bin", &data, &[]).await;
    let uid = probe["uid"]
        .as_str()
        .expect("the upload has a uid")
        .to_owned();
    let url = probe["url"].as_str().expect("the upload has a url");
    let download_path = format!("/v3/{}", url.split_once("/v3/").expect("a file url").1);
    let (status, asset) = helpers::send(server.get(&format!("/v3/assets/{uid}"))).await;
    assert_eq!(status, 200, "{asset}");
    assert_eq!(asset["asset"]["uid"], uid.as_str());
    let bytes = server
        .client
        .get(server.url(&download_path))
        .send()
        .await
        .expect("download")
        .bytes()
        .await
        .expect("download body");
    assert_eq!(bytes, data, "the download is the uploaded file");
    let doomed = server.upload("doomed.bin", &data, &[]).await;
    let doomed_uid = doomed["uid"].as_str().unwrap();
    let (status, body) = helpers::send(server.delete(&format!("/v3/assets/{doomed_uid}"))).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = helpers::send(server.get(&format!("/v3/assets/{doomed_uid}"))).await;
    assert_eq!(status, 422, "a deleted asset is gone");

    let (addr, host) = target_of(&server);
    let target = Target {
        addr,
        host,
        asset_uid: uid,
        download_path,
        keep_alive: knobs.keep_alive,
    };
    // The stack holds `listed` assets (the probe among them) while lists are timed.
    let mut load = target.load(
        target.upload(payload(SMALL, 2), "listed"),
        8,
        Duration::from_secs(120),
    );
    load.max = Some(knobs.listed as u64 - 1);
    load.collect_uids = true;
    let created = run_load(load).await;
    assert_eq!(created.failed(), 0, "every listed asset was created");
    let (status, listed) =
        helpers::send(server.get(&format!("/v3/assets?limit={LIST_LIMIT}&include_count=true")))
            .await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["count"], knobs.listed);
    assert_eq!(listed["assets"].as_array().map(Vec::len), Some(LIST_LIMIT));

    let pid = server.pid();
    workloads(knobs, &target, &mut out, Some(pid), Some(knobs.upload_cap)).await;
    let status = server.terminate();
    assert!(status.success(), "the mock stopped cleanly: {status}");
    out
}

/// 10 KiB uploads to a mock on disk (fsync before every 201, the default).
async fn measure_durable(knobs: &Knobs) -> Measured {
    let mut out = Measured::default();
    let (mut server, _data_dir) = start_mock(knobs, &[], &mut out).await;
    let uid = server.upload("probe.bin", &payload(SMALL, 1), &[]).await["uid"]
        .as_str()
        .expect("the upload has a uid")
        .to_owned();
    let (addr, host) = target_of(&server);
    let target = Target {
        addr,
        host,
        asset_uid: uid,
        download_path: String::new(),
        keep_alive: knobs.keep_alive,
    };
    let mut load = target.load(
        target.upload(payload(SMALL, 7), "durable"),
        knobs.connections,
        knobs.duration,
    );
    load.max = Some(knobs.upload_cap);
    load.collect_uids = true;
    out.runs.push(("upload", run_load(load).await));
    let status = server.terminate();
    assert!(status.success(), "the mock stopped cleanly: {status}");
    out
}

// --- the bare server --------------------------------------------------------------------------

/// The bare server's answers, built once.
struct Canned {
    asset: Bytes,
    list: Bytes,
    download: Bytes,
    created: Bytes,
    deleted: Bytes,
}

/// An asset-like JSON object of exactly 600 bytes.
fn asset_json(uid: &str) -> String {
    let mut asset = serde_json::json!({
        "uid": uid,
        "created_at": "2026-01-02T03:04:05.678Z",
        "updated_at": "2026-01-02T03:04:05.678Z",
        "created_by": "cs0000000000000001",
        "updated_by": "cs0000000000000001",
        "content_type": "application/octet-stream",
        "file_size": "10240",
        "tags": [],
        "filename": "bench.bin",
        "url": format!("http://127.0.0.1:8484/v3/assets/{API_KEY}/{uid}/000000000000000000000001/bench.bin"),
        "ACL": {},
        "is_dir": false,
        "parent_uid": null,
        "_version": 1,
        "title": "",
    });
    let length = asset.to_string().len();
    assert!(length <= 600, "the template fits in 600 bytes");
    asset["title"] = "t".repeat(600 - length).into();
    let text = asset.to_string();
    assert_eq!(text.len(), 600);
    text
}

impl Canned {
    fn new() -> Canned {
        let items: Vec<String> = (0..LIST_LIMIT)
            .map(|i| asset_json(&format!("blt{i:016x}")))
            .collect();
        Canned {
            asset: format!("{{\"asset\":{}}}", asset_json(BARE_UID)).into(),
            list: format!("{{\"assets\":[{}]}}", items.join(",")).into(),
            download: payload(SMALL, 9),
            created: format!(
                "{{\"notice\":\"created\",\"asset\":{}}}",
                asset_json(BARE_UID)
            )
            .into(),
            deleted: Bytes::from_static(b"{\"notice\":\"deleted\"}"),
        }
    }
}

/// Answers the mock's paths from memory: `/v3/assets` (GET list, POST reads the body and
/// answers 201), `/v3/assets/{uid}` (GET, DELETE), `/v3/assets/{a}/{b}/{c}/{name}` (10 KiB).
async fn bare_answer(
    request: Request<Incoming>,
    canned: Arc<Canned>,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let segments = request
        .uri()
        .path()
        .strip_prefix("/v3/assets")
        .map(|rest| rest.split('/').filter(|s| !s.is_empty()).count());
    let (status, body, content_type) = match (request.method(), segments) {
        (&Method::GET, Some(0)) => (StatusCode::OK, canned.list.clone(), "application/json"),
        (&Method::POST, Some(0)) => {
            let mut body = request.into_body();
            let mut received = 0usize;
            while let Some(frame) = body.frame().await {
                received += frame?.data_ref().map_or(0, Bytes::len);
            }
            if received == 0 {
                (StatusCode::BAD_REQUEST, Bytes::new(), "application/json")
            } else {
                (
                    StatusCode::CREATED,
                    canned.created.clone(),
                    "application/json",
                )
            }
        }
        (&Method::GET, Some(1)) => (StatusCode::OK, canned.asset.clone(), "application/json"),
        (&Method::DELETE, Some(1)) => (StatusCode::OK, canned.deleted.clone(), "application/json"),
        (&Method::GET, Some(4)) => (
            StatusCode::OK,
            canned.download.clone(),
            "application/octet-stream",
        ),
        _ => (StatusCode::NOT_FOUND, Bytes::new(), "application/json"),
    };
    Ok(Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(Full::new(body))
        .expect("a valid response"))
}

async fn serve_bare(listener: TcpListener, canned: Arc<Canned>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let canned = canned.clone();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |request| bare_answer(request, canned.clone()));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn measure_bare(knobs: &Knobs) -> Measured {
    let mut out = Measured::default();
    let canned = Arc::new(Canned::new());
    let client = probe_client();
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the bare server's runtime starts");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener
        .set_nonblocking(true)
        .expect("a non-blocking listener");
    let addr = listener.local_addr().expect("a bound address");
    runtime.spawn(async move {
        let listener = TcpListener::from_std(listener).expect("a tokio listener");
        serve_bare(listener, canned).await;
    });
    wait_for_2xx(&client, &format!("http://{addr}/v3/assets?limit=1")).await;
    out.startup_ms
        .push(started.elapsed().as_secs_f64() * 1000.0);
    let target = Target {
        addr,
        host: HeaderValue::from_str(&addr.to_string()).expect("a valid host"),
        asset_uid: BARE_UID.to_owned(),
        download_path: format!(
            "/v3/assets/{API_KEY}/{BARE_UID}/000000000000000000000001/bench.bin"
        ),
        keep_alive: knobs.keep_alive,
    };
    // The bare server stores nothing: its uploads are not capped.
    workloads(knobs, &target, &mut out, None, None).await;
    runtime.shutdown_background();
    out
}

// --- the report ---------------------------------------------------------------------------------

fn fmt_value(value: Option<f64>) -> String {
    match value {
        None => "n/a".into(),
        Some(v) if v >= 100.0 => {
            let whole = format!("{:.0}", v);
            let mut out = String::new();
            for (i, c) in whole.chars().enumerate() {
                if i > 0 && (whole.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(c);
            }
            out
        }
        Some(v) if v >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

fn fmt_ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => {
            let r = a / b;
            if r >= 0.1 {
                format!("{r:.2}x")
            } else {
                format!("{r:.3}x")
            }
        }
        _ => "n/a".into(),
    }
}

fn latencies(run: Option<&Outcome>) -> String {
    match run.and_then(|r| Some((r.quantile_ms(0.5)?, r.quantile_ms(0.99)?))) {
        Some((p50, p99)) => format!("{p50:.2} / {p99:.2}"),
        None => "n/a".into(),
    }
}

fn failures(run: Option<&Outcome>) -> String {
    match run {
        Some(r) if r.failed() > 0 => format!("{} / {} ⚠", r.bad_answer, r.bad_socket),
        Some(_) => "0".into(),
        None => "n/a".into(),
    }
}

/// One line of the main table.
struct Row {
    label: &'static str,
    unit: &'static str,
    limit: Option<f64>,
    mock: Option<f64>,
    /// The runs whose latencies and failures the line shows.
    run: Option<&'static str>,
}

impl Row {
    /// Successful requests per second of run `key`.
    fn rate(
        label: &'static str,
        unit: &'static str,
        key: &'static str,
        bare: &Measured,
        mock: &Measured,
    ) -> Row {
        Row {
            label,
            unit,
            limit: bare.run(key).map(Outcome::rate),
            mock: mock.run(key).map(Outcome::rate),
            run: Some(key),
        }
    }

    fn plain(
        label: &'static str,
        unit: &'static str,
        limit: Option<f64>,
        mock: Option<f64>,
    ) -> Row {
        Row {
            label,
            unit,
            limit,
            mock,
            run: None,
        }
    }
}

/// Prints the tables; returns how many requests failed in all.
fn print_report(knobs: &Knobs, bare: &Measured, mock: &Measured, durable: &Measured) -> u64 {
    let rate = |m: &Measured, key: &str| m.run(key).map(Outcome::rate);
    let mbps = |m: &Measured| m.run("upload1m").map(|r| r.rate() * BIG as f64 / 1e6);
    let p50 = |m: &Measured, key: &str| m.run(key).and_then(|r| r.quantile_ms(0.5));
    let rows = [
        Row::rate("upload 10 KiB", "objects/s", "upload", bare, mock),
        Row::rate("get metadata", "req/s", "get", bare, mock),
        Row::rate("download 10 KiB", "req/s", "download", bare, mock),
        Row {
            run: Some("download1"),
            ..Row::plain(
                "download 10 KiB, 1 connection (p50)",
                "ms ↓",
                p50(bare, "download1"),
                p50(mock, "download1"),
            )
        },
        Row::rate(
            "list 100 of the stack's assets",
            "req/s",
            "list",
            bare,
            mock,
        ),
        Row::rate(
            "delete (each uploaded asset once)",
            "objects/s",
            "delete",
            bare,
            mock,
        ),
        Row {
            run: Some("upload1m"),
            ..Row::plain("upload 1 MiB", "MB/s", mbps(bare), mbps(mock))
        },
        Row::plain(
            "start to first 2xx (median)",
            "ms ↓",
            bare.startup(),
            mock.startup(),
        ),
        Row::plain("RSS idle after start", "MiB ↓", None, mock.rss_idle),
        Row::plain(
            "RSS after the 10 KiB workloads",
            "MiB ↓",
            None,
            mock.rss_after_small,
        ),
        Row::plain("RSS after the 1 MiB uploads", "MiB ↓", None, mock.rss_end),
    ];
    println!();
    println!(
        "| workload | unit | bare hyper (limit) | mock | mock/limit | bare p50 / p99 ms | mock p50 / p99 ms | mock failed (answer / socket) |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let (bare_lat, mock_lat, failed) = match row.run {
            Some(key) => (
                latencies(bare.run(key)),
                latencies(mock.run(key)),
                failures(mock.run(key)),
            ),
            None => (String::new(), String::new(), String::new()),
        };
        println!(
            "| {} | {} | {} | {} | {} | {bare_lat} | {mock_lat} | {failed} |",
            row.label,
            row.unit,
            fmt_value(row.limit),
            fmt_value(row.mock),
            fmt_ratio(row.mock, row.limit),
        );
    }
    println!();
    println!(
        "Lists: the mock's stack holds {} assets; the bare server answers 100 canned 600-byte objects. \
         Uploads are multipart `asset[upload]` with a new filename each (10 KiB ones at most {} per run, \
         the delete pool; 1 MiB ones at most {}). The bare server has no RSS of its own (it runs in this process).",
        knobs.listed, knobs.upload_cap, knobs.big_cap
    );
    println!();
    println!(
        "| durable mode (on disk, fsync) | unit | ephemeral | durable | durable/ephemeral | ephemeral p50 / p99 ms | durable p50 / p99 ms | durable failed (answer / socket) |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    println!(
        "| upload 10 KiB | objects/s | {} | {} | {} | {} | {} | {} |",
        fmt_value(rate(mock, "upload")),
        fmt_value(rate(durable, "upload")),
        fmt_ratio(rate(durable, "upload"), rate(mock, "upload")),
        latencies(mock.run("upload")),
        latencies(durable.run("upload")),
        failures(durable.run("upload")),
    );
    println!(
        "| start to first 2xx (median) | ms ↓ | {} | {} | {} | | | |",
        fmt_value(mock.startup()),
        fmt_value(durable.startup()),
        fmt_ratio(durable.startup(), mock.startup()),
    );
    println!();
    let all = [("bare", bare), ("mock", mock), ("durable", durable)];
    let mut failed = 0;
    for (name, measured) in all {
        for (key, run) in &measured.runs {
            if run.failed() > 0 {
                println!(
                    "failed: {name} {key}: {} bad answers, {} socket errors, of {} requests",
                    run.bad_answer,
                    run.bad_socket,
                    run.ok + run.failed()
                );
            }
            failed += run.failed();
        }
    }
    failed
}

//! What a test suite feels: each call a test makes, timed one at a time over one
//! keep-alive connection (p50/p99), and a typical test from start to end (create a
//! stack, upload 10, list, publish 5, bulk delete 10, advance the clock 15 days, delete
//! the stack), against the release binary with its data on disk (the default: stored
//! files fsynced before the answer); the typical test also with `--ephemeral`.
//!
//! `cargo bench --bench suite` runs it in full (`SUITE_BENCH_RUNS` times each, 200);
//! under `cargo test` it runs each call a few times, only to prove that it still works.
//! Every answer must be the one the contract names; any other makes the run exit 1.
//!
//! In full, the typical test's nearest equivalent also runs on Azurite (a container, 10
//! blobs put, listed, 5 snapshotted, 10 deleted, the container deleted) and on moto's
//! S3 (a bucket, 10 objects put, listed, 5 copied, 10 deleted in one DeleteObjects, the
//! bucket emptied and deleted), when they are installed where `../shared/perf/setup.sh`
//! puts them (`PERF_HOME`, or `SUITE_BENCH_AZURITE` / `SUITE_BENCH_MOTO` naming their
//! programs). Neither has a clock to move: that step has no equivalent.

#[path = "../api/helpers.rs"]
mod helpers;
#[path = "suite_peers.rs"]
mod peers;

use std::time::{Duration, Instant};

use helpers::*;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

/// Bytes of each uploaded file.
const FILE: usize = 10 * 1024;

/// One stack of the run, with its credentials.
struct Stack {
    api_key: String,
    token: String,
}

/// The client side: one connection, reused for every call.
struct Ctx {
    client: reqwest::Client,
    base: String,
}

impl Ctx {
    /// One connection: a test suite's client sends one call after another.
    fn of(server: &TestServer) -> Ctx {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .expect("a client");
        Ctx {
            client,
            base: server.url(""),
        }
    }

    fn control(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }

    fn cma(&self, stack: &Stack, method: Method, path: &str) -> RequestBuilder {
        self.control(method, path)
            .header("api_key", &stack.api_key)
            .header("authorization", &stack.token)
    }

    async fn create_stack(&self) -> Result<Stack, String> {
        let body = call(
            self.control(Method::POST, "/_mock/stacks")
                .json(&json!({"name": "suite"})),
            StatusCode::CREATED,
        )
        .await?;
        Ok(Stack {
            api_key: text(&body["stack"]["api_key"])?,
            token: text(&body["stack"]["management_token"])?,
        })
    }

    async fn delete_stack(&self, stack: &Stack) -> Result<(), String> {
        let path = format!("/_mock/stacks/{}", stack.api_key);
        call(self.control(Method::DELETE, &path), StatusCode::OK)
            .await
            .map(drop)
    }

    async fn upload(&self, stack: &Stack, n: usize) -> Result<String, String> {
        let bytes = vec![b'a' + (n % 26) as u8; FILE];
        let form = upload_form(&format!("file-{n}.txt"), &bytes, &[]);
        let body = call(
            self.cma(stack, Method::POST, "/v3/assets").multipart(form),
            StatusCode::CREATED,
        )
        .await?;
        text(&body["asset"]["uid"])
    }

    async fn get(&self, stack: &Stack, uid: &str) -> Result<(), String> {
        let path = format!("/v3/assets/{uid}");
        call(self.cma(stack, Method::GET, &path), StatusCode::OK)
            .await
            .map(drop)
    }

    async fn list(&self, stack: &Stack, expected: usize) -> Result<(), String> {
        let body = call(
            self.cma(stack, Method::GET, "/v3/assets?limit=100"),
            StatusCode::OK,
        )
        .await?;
        let listed = body["assets"].as_array().map_or(0, Vec::len);
        match listed == expected.min(100) {
            true => Ok(()),
            false => Err(format!("listed {listed}, expected {expected}")),
        }
    }

    async fn publish(&self, stack: &Stack, uid: &str) -> Result<(), String> {
        let path = format!("/v3/assets/{uid}/publish");
        let body = json!({"asset": {"environments": ["development"], "locales": ["en-us"]}});
        call(
            self.cma(stack, Method::POST, &path).json(&body),
            StatusCode::CREATED,
        )
        .await
        .map(drop)
    }

    async fn bulk_delete(&self, stack: &Stack, uids: &[String]) -> Result<(), String> {
        let assets: Vec<Value> = uids.iter().map(|uid| json!({"uid": uid})).collect();
        call(
            self.cma(stack, Method::POST, "/v3/bulk/delete")
                .json(&json!({"assets": assets})),
            StatusCode::OK,
        )
        .await
        .map(drop)
    }

    /// Moves the stack's clock on by `days`; returns how many items the purge took.
    async fn advance(&self, stack: &Stack, days: u32) -> Result<usize, String> {
        let path = format!("/_mock/stacks/{}/clock/advance", stack.api_key);
        let body = call(
            self.control(Method::POST, &path)
                .json(&json!({"days": days})),
            StatusCode::OK,
        )
        .await?;
        Ok(body["purged"].as_array().map_or(0, Vec::len))
    }

    /// The typical test: what an integration test of an app that manages assets does.
    async fn typical_test(&self) -> Result<(), String> {
        let stack = self.create_stack().await?;
        let mut uids = Vec::new();
        for n in 0..10 {
            uids.push(self.upload(&stack, n).await?);
        }
        self.list(&stack, 10).await?;
        for uid in &uids[..5] {
            self.publish(&stack, uid).await?;
        }
        self.bulk_delete(&stack, &uids).await?;
        let purged = self.advance(&stack, 15).await?;
        if purged != 10 {
            return Err(format!("the purge took {purged} items, not 10"));
        }
        self.delete_stack(&stack).await
    }
}

/// Sends `request`; the JSON answer when its status is `wanted`.
async fn call(request: RequestBuilder, wanted: StatusCode) -> Result<Value, String> {
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body: Value = response.json().await.map_err(|e| e.to_string())?;
    match status == wanted {
        true => Ok(body),
        false => Err(format!("{status} (wanted {wanted}): {body}")),
    }
}

fn text(value: &Value) -> Result<String, String> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("not text: {value}"))
}

/// Latencies of one row.
#[derive(Default)]
pub struct Row {
    pub label: &'static str,
    pub times: Vec<Duration>,
}

impl Row {
    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.times.clone();
        sorted.sort();
        let at = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[at].as_secs_f64() * 1000.0
    }
}

/// Times `runs` calls of `once`, each given its run number.
async fn timed<F, Fut>(label: &'static str, runs: usize, mut once: F) -> Result<Row, String>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let mut row = Row {
        label,
        times: Vec::with_capacity(runs),
    };
    for n in 0..runs {
        let started = Instant::now();
        once(n).await.map_err(|e| format!("{label}: {e}"))?;
        row.times.push(started.elapsed());
    }
    Ok(row)
}

async fn measure(ctx: &Ctx, runs: usize) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    let stack = &ctx.create_stack().await?;
    rows.push(
        timed("upload 10 KiB", runs, |n| async move {
            ctx.upload(stack, n).await.map(drop)
        })
        .await?,
    );
    // One asset per publish, so that none is published twice.
    let mut uids = Vec::new();
    for n in 0..runs.max(100) {
        uids.push(ctx.upload(stack, n).await?);
    }
    let uids = &uids;
    rows.push(
        timed("get one asset", runs, |n| async move {
            ctx.get(stack, &uids[n % uids.len()]).await
        })
        .await?,
    );
    rows.push(
        timed(
            "list 100",
            runs,
            |_| async move { ctx.list(stack, 100).await },
        )
        .await?,
    );
    rows.push(
        timed("publish one asset", runs, |n| async move {
            ctx.publish(stack, &uids[n]).await
        })
        .await?,
    );
    // Before anything is in the trash: this times the move of the clock itself (the
    // typical test times one with a purge).
    rows.push(
        timed("clock advance 1 day (nothing due)", runs, |_| async move {
            ctx.advance(stack, 1).await.map(drop)
        })
        .await?,
    );
    // Ten fresh assets per delete, uploaded outside the timing.
    let mut batches = Vec::new();
    for batch in 0..runs {
        let mut ten = Vec::new();
        for n in 0..10 {
            ten.push(ctx.upload(stack, batch * 10 + n).await?);
        }
        batches.push(ten);
    }
    let batches = &batches;
    rows.push(
        timed("bulk delete of 10", runs, |n| async move {
            ctx.bulk_delete(stack, &batches[n]).await
        })
        .await?,
    );
    ctx.delete_stack(stack).await?;

    let mut made = Vec::new();
    let mut create = Row {
        label: "stack create",
        times: Vec::new(),
    };
    for _ in 0..runs {
        let started = Instant::now();
        made.push(
            ctx.create_stack()
                .await
                .map_err(|e| format!("stack create: {e}"))?,
        );
        create.times.push(started.elapsed());
    }
    rows.push(create);
    let made = &made;
    rows.push(
        timed("stack delete (empty)", runs, |n| async move {
            ctx.delete_stack(&made[n]).await
        })
        .await?,
    );
    rows.push(timed("typical test (whole)", runs, |_| ctx.typical_test()).await?);
    Ok(rows)
}

fn main() {
    let full = std::env::args().any(|arg| arg == "--bench");
    let runs = match std::env::var("SUITE_BENCH_RUNS") {
        Ok(n) => n.parse().expect("SUITE_BENCH_RUNS is a number"),
        Err(_) if full => 200,
        Err(_) => 3,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the client runtime starts");
    let outcome = runtime.block_on(async {
        let server = TestServer::start_with(&[]).await;
        let mut rows = measure(&Ctx::of(&server), runs).await?;
        // Beside the peers, which keep nothing on disk: the mock with `--ephemeral`.
        let ephemeral = TestServer::start_with(&["--ephemeral"]).await;
        let ctx = Ctx::of(&ephemeral);
        rows.push(
            timed("typical test, --ephemeral (whole)", runs, |_| {
                ctx.typical_test()
            })
            .await?,
        );
        Ok::<_, String>(rows)
    });
    let outcome = outcome.and_then(|mut rows| {
        if full {
            rows.extend(runtime.block_on(peers::typical_tests(runs))?);
        }
        Ok(rows)
    });
    let rows = match outcome {
        Ok(rows) => rows,
        Err(error) => {
            eprintln!("suite benchmark: {error}");
            std::process::exit(1);
        }
    };
    println!(
        "suite benchmark: {runs} runs of each call over one connection; the mock's data on disk (stored files fsynced), the peers' in memory\n"
    );
    println!("| call | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|");
    for row in &rows {
        println!(
            "| {} | {:.2} | {:.2} | {:.2} |",
            row.label,
            row.percentile(0.5),
            row.percentile(0.99),
            row.percentile(1.0)
        );
    }
}

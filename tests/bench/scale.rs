//! Scale benchmark: one stack filled over HTTP with many live assets in folders, tagged
//! and partly published, and as many in the trash; then the latency (p50/p99/max) of
//! the common calls with 1 and with 32 connections, the purge's speed, memory and the
//! database's size.
//!
//! `cargo bench --bench scale` runs it with 1,000,000 live assets against the release
//! binary (`CSMOCK_SCALE_ASSETS` changes that, `CSMOCK_SCALE_TRASHED` the trash, which is
//! as big by default; folders are one per 100 assets). Under `cargo test` it runs a small
//! version, only to prove that it still works: it asserts counts and statuses, never
//! timings. At full size, listings stopped by `--query-timeout` (422, code 121) are
//! counted in a column of their own; any other failed request makes the run exit 1.

#[path = "../api/helpers.rs"]
mod helpers;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use helpers::*;
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

/// Clients that fill the stack at once.
const FILL_CLIENTS: usize = 32;
const TAGS: u64 = 50;
const PLACES: [&str; 8] = [
    "harbour", "market", "mountain", "forest", "station", "bridge", "garden", "museum",
];
const NEEDLE: &str = "Aurora borealis over the fjord";

struct Plan {
    full: bool,
    live: usize,
    trashed: usize,
    folders: usize,
    /// Connections of the concurrent runs.
    conns: usize,
    /// Requests per call: (sequential, per connection of the concurrent run).
    reads: (usize, usize),
    writes: (usize, usize),
    walks: (usize, usize),
}

impl Plan {
    fn from_env() -> Plan {
        let full = std::env::args().any(|arg| arg == "--bench");
        let number = |name: &str, default: usize| match std::env::var(name) {
            Ok(n) => n.parse().unwrap_or_else(|_| panic!("{name} is a number")),
            Err(_) => default,
        };
        let live = number("CSMOCK_SCALE_ASSETS", if full { 1_000_000 } else { 300 });
        let trashed = number("CSMOCK_SCALE_TRASHED", if full { live } else { 30 });
        let plan = Plan {
            full,
            live,
            trashed,
            // A stack holds at most 10,000 folders.
            folders: (live / 100).clamp(1, 10_000),
            conns: if full { 32 } else { 4 },
            reads: if full { (100, 5) } else { (3, 2) },
            writes: if full { (20, 2) } else { (2, 1) },
            walks: if full { (5, 1) } else { (1, 1) },
        };
        assert!(plan.live >= 200, "at least 200 live assets (two folders)");
        assert!(plan.write_requests() <= plan.trashed, "a restore per write");
        plan
    }

    fn write_requests(&self) -> usize {
        self.writes.0 + self.conns * self.writes.1
    }

    /// Assets per timed bulk delete: 100, unless that would take too many live assets.
    fn batch(&self) -> usize {
        (self.live / 4 / self.write_requests()).clamp(1, 100)
    }

    /// Asset `n` of the fill: below `live` it stays live, above it goes to the trash.
    fn title(&self, n: usize) -> String {
        if n == self.live / 2 + 1 {
            return NEEDLE.to_owned();
        }
        format!("Photo {n} at the {}", PLACES[(mix(n) % 8) as usize])
    }

    /// One to three of the 50 common tags, and `rare` on ten live assets.
    fn tags(&self, n: usize) -> Vec<String> {
        let h = mix(n);
        let mut tags: Vec<String> = (0..1 + h % 3)
            .map(|j| format!("tag{:02}", (h >> (8 + 8 * j)) % TAGS))
            .collect();
        tags.sort();
        tags.dedup();
        if n < self.live && n % (self.live / 10) == 7 {
            tags.push("rare".to_owned());
        }
        tags
    }

    fn published(&self, n: usize) -> bool {
        n < self.live && n.is_multiple_of(100)
    }

    /// Published after the first sync, for the delta to find.
    fn published_later(&self, n: usize) -> bool {
        n < self.live && n % 100 == 50
    }

    /// Live assets the timed bulk deletes may take: nothing a check counts on.
    fn expendable(&self, n: usize) -> bool {
        !self.published(n)
            && !self.published_later(n)
            && !self.tags(n).iter().any(|t| t == "rare")
            && self.title(n) != NEEDLE
            && n % self.folders != 1
    }

    /// How many live assets match.
    fn count_live(&self, matches: impl Fn(usize) -> bool) -> usize {
        (0..self.live).filter(|&n| matches(n)).count()
    }
}

/// A stable spread of bits per asset (splitmix64).
fn mix(n: usize) -> u64 {
    let mut z = (n as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What every request needs; cheap to clone into tasks.
#[derive(Clone)]
struct Ctx {
    client: reqwest::Client,
    base: String,
    delivery_token: String,
}

impl Ctx {
    fn cma(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .header("api_key", API_KEY)
            .header("authorization", TOKEN)
    }

    fn cda(&self, path: &str) -> RequestBuilder {
        self.client
            .get(format!("{}{path}", self.base))
            .header("api_key", API_KEY)
            .header("access_token", &self.delivery_token)
    }

    fn control(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }
}

#[tokio::main]
async fn main() {
    let plan = Arc::new(Plan::from_env());
    // With TEST_LOG set, the server's per-batch purge timings show on stderr.
    let server =
        TestServer::start_with(&["--log", "warn,contentstack_mock::domain::purge=debug"]).await;
    let pid = server.pid();
    println!(
        "scale benchmark: {} live assets in {} folders, {} trashed, {} connections, data on disk (fsync on)",
        plan.live, plan.folders, plan.trashed, plan.conns
    );
    let mut ctx = Ctx {
        client: server.client.clone(),
        base: server.base.clone(),
        delivery_token: String::new(),
    };
    let mut report = Report::new(&plan);

    let fill = Instant::now();
    let (live, doomed) = fill_stack(&plan, &mut ctx, &mut report).await;
    report.note(format!(
        "fill in all: {:.0} s",
        fill.elapsed().as_secs_f64()
    ));
    report.memory("after the fill", pid);

    read_calls(&plan, &ctx, &mut report, &live).await;
    write_calls(&plan, &ctx, &mut report, &live, &doomed).await;
    report.memory("after the queries", pid);

    report.database("before the purge", &server.data_dir).await;
    // The purge's sampler fetches published assets: no bulk delete took those.
    let kept: Arc<Vec<String>> = Arc::new(live.iter().step_by(100).cloned().collect());
    purge(&ctx, &mut report, &kept).await;
    report.memory("after the purge", pid);
    report.database("after the purge", &server.data_dir).await;

    // What is left: the live assets (less the deleted, plus the restored), no trash, and
    // rows and files that agree.
    let left = plan.live - plan.write_requests() * plan.batch() + plan.write_requests();
    let (status, counted) = send(ctx.cma(Method::GET, "/v3/assets?count=true")).await;
    assert_eq!((status.as_u16(), &counted["assets"]), (200, &json!(left)));
    let (_, trash) = send(ctx.control(
        Method::GET,
        &format!("/_mock/stacks/{API_KEY}/trash?limit=1"),
    ))
    .await;
    assert_eq!(trash["count"], 0, "the purge emptied the trash");
    assert_consistent(&check_consistency(&server.data_dir).await);
    assert_eq!(server.stored_file_count(), left);

    let failed = report.print();
    // Dropped before the exit, which would skip removing its data dir.
    drop(server);
    if failed {
        eprintln!("some requests failed: see the `failed` column and the lines above");
        std::process::exit(1);
    }
}

/// Folders, then every upload (live and doomed interleaved, so trashed rows sit among
/// the live ones in every index), then the trash, then publishing. Returns the uids of
/// the live and of the trashed assets, by their number.
async fn fill_stack(
    plan: &Arc<Plan>,
    ctx: &mut Ctx,
    report: &mut Report,
) -> (Arc<Vec<String>>, Arc<Vec<String>>) {
    let t = Instant::now();
    let folders = concurrently(FILL_CLIENTS, plan.folders, {
        let ctx = ctx.clone();
        move |f| {
            let request = ctx
                .cma(Method::POST, "/v3/assets/folders")
                .json(&json!({"asset": {"name": format!("Folder {f}")}}));
            async move { created(request, 201).await }
        }
    })
    .await;
    report.rate("folders created", folders.len(), t.elapsed());
    let folders = Arc::new(folders);

    let t = Instant::now();
    let total = plan.live + plan.trashed;
    let uploaded = concurrently(FILL_CLIENTS, total, {
        let (ctx, plan, folders) = (ctx.clone(), plan.clone(), folders.clone());
        move |k| {
            // Spread the trashed ones evenly: upload k is the `doomed_before(k + 1)`th
            // doomed when that rises at k, else the `k - doomed_before(k)`th live one.
            let doomed_before = |k: usize| k * plan.trashed / total;
            let n = if doomed_before(k + 1) > doomed_before(k) {
                plan.live + doomed_before(k)
            } else {
                k - doomed_before(k)
            };
            let title = plan.title(n);
            let tags = plan.tags(n).join(",");
            let folder = &folders[n % plan.folders];
            let form = upload_form(
                &format!("a{n}.txt"),
                n.to_string().as_bytes(),
                &[
                    ("asset[title]", title.as_str()),
                    ("asset[tags]", tags.as_str()),
                    ("asset[parent_uid]", folder.as_str()),
                ],
            );
            let request = ctx.cma(Method::POST, "/v3/assets").multipart(form);
            if k > 0 && k % (total / 10).max(1) == 0 {
                eprintln!("  uploads: {k} of {total}");
            }
            async move { (n, created(request, 201).await) }
        }
    })
    .await;
    report.rate("uploads", total, t.elapsed());
    let mut numbered = uploaded;
    numbered.sort();
    let (live, doomed) = numbered.split_at(plan.live);
    let live: Vec<String> = live.iter().map(|(_, uid)| uid.clone()).collect();
    let doomed: Vec<String> = doomed.iter().map(|(_, uid)| uid.clone()).collect();

    // Bulk deletes go through the one writer: a few at once are enough.
    let t = Instant::now();
    let chunks: Arc<Vec<Vec<String>>> = Arc::new(doomed.chunks(100).map(<[_]>::to_vec).collect());
    concurrently(4, chunks.len(), {
        let (ctx, chunks) = (ctx.clone(), chunks.clone());
        move |i| ok(bulk_delete(&ctx, &chunks[i]))
    })
    .await;
    report.rate("trashed (bulk delete of 100)", plan.trashed, t.elapsed());
    let (_, trash) = send(ctx.control(
        Method::GET,
        &format!("/_mock/stacks/{API_KEY}/trash?limit=1"),
    ))
    .await;
    assert_eq!(
        trash["count"], plan.trashed,
        "everything doomed is in the trash"
    );

    let t = Instant::now();
    let published: Vec<String> = (0..plan.live)
        .filter(|&n| plan.published(n))
        .map(|n| live[n].clone())
        .collect();
    publish(ctx, &published).await;
    report.rate(
        "published (bulk publish of 100)",
        published.len(),
        t.elapsed(),
    );

    let body = json!({"token": {"name": "site", "scope": [
        {"module": "environment", "environments": ["development"], "acl": {"read": true}},
        {"module": "branch", "branches": ["main"], "acl": {"read": true}}]}});
    let (status, token) = send(
        ctx.cma(Method::POST, "/v3/stacks/delivery_tokens")
            .json(&body),
    )
    .await;
    assert_eq!(status, 201, "{token}");
    ctx.delivery_token = token["token"]["token"].as_str().unwrap().to_owned();
    (Arc::new(live), Arc::new(doomed))
}

/// Sends a request that must answer `status` with an asset; returns its uid.
async fn created(request: RequestBuilder, status: u16) -> String {
    let (got, body) = send(request).await;
    assert_eq!(got.as_u16(), status, "{body}");
    body["asset"]["uid"]
        .as_str()
        .expect("an asset uid")
        .to_owned()
}

async fn ok(request: RequestBuilder) {
    let (status, body) = send(request).await;
    assert_eq!(status, 200, "{body}");
}

fn bulk_delete(ctx: &Ctx, uids: &[String]) -> RequestBuilder {
    let assets: Vec<Value> = uids.iter().map(|uid| json!({"uid": uid})).collect();
    ctx.cma(Method::POST, "/v3/bulk/delete")
        .json(&json!({"assets": assets}))
}

async fn publish(ctx: &Ctx, uids: &[String]) {
    let chunks: Arc<Vec<Vec<String>>> = Arc::new(uids.chunks(100).map(<[_]>::to_vec).collect());
    concurrently(4, chunks.len(), {
        let (ctx, chunks) = (ctx.clone(), chunks.clone());
        move |i| {
            let assets: Vec<Value> = chunks[i].iter().map(|uid| json!({"uid": uid})).collect();
            let body =
                json!({"assets": assets, "locales": ["en-us"], "environments": ["development"]});
            ok(ctx.cma(Method::POST, "/v3/bulk/publish").json(&body))
        }
    })
    .await;
}

/// Every read call, each with one connection and then with many.
async fn read_calls(plan: &Arc<Plan>, ctx: &Ctx, report: &mut Report, live: &Arc<Vec<String>>) {
    let (l, reads) = (plan.live, plan.reads);
    let page = move |n: usize| move |body: &Value| expect_len(body, "assets", n.min(100), None);
    let list = |query: String| {
        let ctx = ctx.clone();
        move |_: usize| ctx.cma(Method::GET, &format!("/v3/assets?{query}"))
    };
    let query = |filter: Value, extra: &str| {
        let ctx = ctx.clone();
        let extra = extra.to_owned();
        move |_: usize| {
            ctx.cma(Method::GET, &format!("/v3/assets?limit=100{extra}"))
                .query(&[("query", filter.to_string())])
        }
    };
    let tagged = |tag: &str| plan.count_live(|n| plan.tags(n).iter().any(|t| t == tag));

    report
        .measure("list, first page", reads, list("limit=100".into()), page(l))
        .await;
    let deep = format!("limit=100&skip={}", l / 2);
    report
        .measure(
            "list, deep page (skip half)",
            reads,
            list(deep),
            page(l - l / 2),
        )
        .await;
    let counted = move |body: &Value| expect_len(body, "assets", 100, Some(l));
    report
        .measure(
            "list, include_count",
            reads,
            list("limit=100&include_count=true".into()),
            counted,
        )
        .await;

    let folder_uid = {
        let (_, body) = send(ctx.cma(Method::GET, &format!("/v3/assets/{}", live[1]))).await;
        body["asset"]["parent_uid"].as_str().unwrap().to_owned()
    };
    let in_folder = plan.count_live(|n| n % plan.folders == 1);
    let folder = format!("folder={folder_uid}&limit=100");
    report
        .measure("list, one folder", reads, list(folder), page(in_folder))
        .await;

    for (label, tag) in [
        ("tags $in, common", "tag07"),
        ("tags $in, rare", "rare"),
        ("tags $in, no match", "nosuchtag"),
    ] {
        let filter = json!({"tags": {"$in": [tag]}});
        report
            .measure(label, reads, query(filter, ""), page(tagged(tag)))
            .await;
    }
    let needle = json!({"title": {"$regex": "borealis"}});
    report
        .measure(
            "title $regex, one match",
            reads,
            query(needle.clone(), ""),
            page(1),
        )
        .await;
    let one_counted = |body: &Value| expect_len(body, "assets", 1, Some(1));
    report
        .measure(
            "title $regex + include_count",
            reads,
            query(needle, "&include_count=true"),
            one_counted,
        )
        .await;

    let get_one = {
        let (ctx, live) = (ctx.clone(), live.clone());
        move |i: usize| {
            ctx.cma(
                Method::GET,
                &format!("/v3/assets/{}", live[i * 7919 % live.len()]),
            )
        }
    };
    report
        .measure("get one asset", reads, get_one, |body: &Value| {
            match body["asset"]["uid"].is_string() {
                true => Ok(()),
                false => Err(format!("no asset: {body}")),
            }
        })
        .await;

    let published = plan.count_live(|n| plan.published(n));
    let delivery = |extra: &str| {
        let ctx = ctx.clone();
        let path = format!("/v3/assets?environment=development{extra}");
        move |_: usize| ctx.cda(&path)
    };
    report
        .measure("delivery list", reads, delivery(""), page(published))
        .await;
    let delivered =
        move |body: &Value| expect_len(body, "assets", published.min(100), Some(published));
    report
        .measure(
            "delivery list + include_count",
            reads,
            delivery("&include_count=true"),
            delivered,
        )
        .await;

    let init = "/v3/stacks/sync?environment=development&init=true".to_owned();
    let token = report
        .measure_sync("sync init", plan.walks, ctx, &init, published)
        .await;
    // Some publishing since, for the delta to carry.
    let later: Vec<String> = (0..plan.live)
        .filter(|&n| plan.published_later(n))
        .take(100)
        .map(|n| live[n].clone())
        .collect();
    publish(ctx, &later).await;
    let delta = format!("/v3/stacks/sync?environment=development&sync_token={token}");
    report
        .measure_sync("sync delta", plan.walks, ctx, &delta, later.len())
        .await;
}

/// Bulk deletes of 100 live assets, and restores of one trashed asset each.
async fn write_calls(
    plan: &Arc<Plan>,
    ctx: &Ctx,
    report: &mut Report,
    live: &Arc<Vec<String>>,
    doomed: &Arc<Vec<String>>,
) {
    let batch = plan.batch();
    let victims: Vec<String> = (0..plan.live)
        .rev()
        .filter(|&n| plan.expendable(n))
        .take(plan.write_requests() * batch)
        .map(|n| live[n].clone())
        .collect();
    assert_eq!(
        victims.len(),
        plan.write_requests() * batch,
        "enough live assets to delete"
    );
    let victims = Arc::new(victims);
    let delete = {
        let (ctx, victims) = (ctx.clone(), victims.clone());
        move |i: usize| bulk_delete(&ctx, &victims[i * batch..(i + 1) * batch])
    };
    let label = format!("bulk delete of {batch}");
    report
        .measure(
            &label,
            plan.writes,
            delete,
            |body: &Value| match body["job_id"].is_string() {
                true => Ok(()),
                false => Err(format!("no job: {body}")),
            },
        )
        .await;

    let restore = {
        let (ctx, doomed) = (ctx.clone(), doomed.clone());
        move |i: usize| {
            let path = format!("/_mock/stacks/{API_KEY}/trash/{}/restore", doomed[i]);
            ctx.control(Method::POST, &path)
        }
    };
    report
        .measure(
            "restore one trashed asset",
            plan.writes,
            restore,
            |body: &Value| match body["asset"]["_version"] == 2 {
                true => Ok(()),
                false => Err(format!("not restored: {body}")),
            },
        )
        .await;
}

/// Moves the clock past the retention and times the purge, while one client keeps
/// listing and fetching.
async fn purge(ctx: &Ctx, report: &mut Report, kept: &Arc<Vec<String>>) {
    let (_, trash) = send(ctx.control(
        Method::GET,
        &format!("/_mock/stacks/{API_KEY}/trash?limit=1"),
    ))
    .await;
    let trashed = trash["count"].as_u64().unwrap() as usize;

    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (ctx, kept, stop) = (ctx.clone(), kept.clone(), stop.clone());
        tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let request = match i % 2 {
                    0 => ctx.cma(Method::GET, "/v3/assets?limit=10"),
                    _ => ctx.cma(
                        Method::GET,
                        &format!("/v3/assets/{}", kept[i * 7919 % kept.len()]),
                    ),
                };
                samples.push(sample(request, &|_| Ok(())).await);
                i += 1;
            }
            samples
        })
    };
    let t = Instant::now();
    // The advance answers once the whole purge is done: no client timeout here.
    let patient = reqwest::Client::new();
    let advance = format!("{}/_mock/stacks/{API_KEY}/clock/advance", ctx.base);
    let (status, moved) = send(patient.post(advance).json(&json!({"days": 15}))).await;
    let elapsed = t.elapsed();
    stop.store(true, Ordering::Relaxed);
    assert_eq!(status, 200, "{moved}");
    let purged = moved["purged"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(purged, trashed, "everything in the trash is purged");
    report.rate("purge (clock advance 15 days)", purged, elapsed);
    report.push(
        "API during the purge (list 10 / get one)",
        1,
        sampler.await.unwrap(),
    );
}

/// Checks a listing's length and, when given, its `count`.
fn expect_len(body: &Value, key: &str, len: usize, count: Option<usize>) -> Result<(), String> {
    let got = body[key].as_array().map(Vec::len);
    if got != Some(len) {
        return Err(format!("{key}: {got:?} items, expected {len}"));
    }
    match count {
        Some(count) if body["count"] != count => {
            Err(format!("count {}, expected {count}", body["count"]))
        }
        _ => Ok(()),
    }
}

type Sample = (Duration, Result<(), String>);

/// A listing stopped by `--query-timeout` (422, code 121): the product's answer to a
/// query too slow for its budget, counted apart from the failures.
const OVER_BUDGET: &str = "422/121 over the query budget";

/// Times one request up to its last body byte; then checks its status and body.
async fn sample(
    request: RequestBuilder,
    check: &(dyn Fn(&Value) -> Result<(), String> + Sync),
) -> Sample {
    let (elapsed, answer) = fetch(request).await;
    (elapsed, answer.and_then(|body| check(&body)))
}

/// Times one request up to its last body byte; its JSON body when it answers 200.
async fn fetch(request: RequestBuilder) -> (Duration, Result<Value, String>) {
    let t = Instant::now();
    let answer = match request.send().await {
        Ok(response) => {
            let status = response.status();
            response.bytes().await.map(|body| (status, body))
        }
        Err(e) => Err(e),
    };
    let elapsed = t.elapsed();
    let outcome = match answer {
        Err(e) => Err(format!("no answer: {e}")),
        Ok((status, body)) => {
            let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            if status == 200 {
                Ok(json)
            } else if status == 422 && json["error_code"] == 121 {
                Err(OVER_BUDGET.to_owned())
            } else {
                Err(format!(
                    "{status} {}: {}",
                    json["error_code"], json["error_message"]
                ))
            }
        }
    };
    (elapsed, outcome)
}

/// Runs `job(0..n)` on `clients` tasks at once; returns the results in order.
async fn concurrently<T, F, Fut>(clients: usize, n: usize, job: F) -> Vec<T>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = T> + Send,
    T: Send + 'static,
{
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (next, job) = (next.clone(), job.clone());
            tokio::spawn(async move {
                let mut done = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break done;
                    }
                    done.push((i, job(i).await));
                }
            })
        })
        .collect();
    let mut all = Vec::with_capacity(n);
    for task in tasks {
        all.extend(task.await.expect("a client task"));
    }
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, result)| result).collect()
}

/// A walk of the Sync API from `first` through every page.
struct Walk {
    pages: Vec<Sample>,
    total: Duration,
    /// The items seen and the last page's `sync_token`.
    outcome: Result<(usize, String), String>,
}

async fn walk_sync(ctx: &Ctx, first: &str) -> Walk {
    let t = Instant::now();
    let mut pages = Vec::new();
    let mut items = 0;
    let mut url = first.to_owned();
    let outcome = loop {
        let (elapsed, answer) = fetch(ctx.cda(&url)).await;
        pages.push((elapsed, answer.as_ref().map(|_| ()).map_err(Clone::clone)));
        let page = match answer {
            Ok(page) => page,
            Err(e) => break Err(e),
        };
        items += page["items"].as_array().map_or(0, Vec::len);
        match (
            page["pagination_token"].as_str(),
            page["sync_token"].as_str(),
        ) {
            (Some(next), None) => {
                url = format!("/v3/stacks/sync?environment=development&pagination_token={next}")
            }
            (None, Some(done)) => break Ok((items, done.to_owned())),
            _ => break Err(format!("a page without exactly one token: {page}")),
        }
    };
    Walk {
        pages,
        total: t.elapsed(),
        outcome,
    }
}

/// The rows of the table and the notes above it.
struct Report {
    full: bool,
    conns: usize,
    rows: Vec<Row>,
    notes: Vec<String>,
}

struct Row {
    call: String,
    conns: usize,
    samples: Vec<Duration>,
    over_budget: usize,
    failed: usize,
}

impl Report {
    fn new(plan: &Plan) -> Report {
        Report {
            full: plan.full,
            conns: plan.conns,
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// A line for the summary, shown at once too (on stderr) as progress.
    fn note(&mut self, line: String) {
        eprintln!("{line}");
        self.notes.push(line);
    }

    fn rate(&mut self, what: &str, items: usize, elapsed: Duration) {
        self.note(format!(
            "{what}: {items} in {:.1} s ({:.0}/s)",
            elapsed.as_secs_f64(),
            items as f64 / elapsed.as_secs_f64()
        ));
    }

    /// One row; under `cargo test` any request that is not a success fails the run at
    /// once (a small stack never meets the query budget).
    fn push(&mut self, call: &str, conns: usize, samples: Vec<Sample>) {
        let errors: Vec<&String> = samples
            .iter()
            .filter_map(|(_, o)| o.as_ref().err())
            .collect();
        let over_budget = errors.iter().filter(|e| **e == OVER_BUDGET).count();
        let failures: Vec<&&String> = errors.iter().filter(|e| **e != OVER_BUDGET).collect();
        if let Some(first) = errors.first() {
            assert!(self.full, "{call} ({conns} connections): {first}");
        }
        if let Some(first) = failures.first() {
            eprintln!(
                "{call} ({conns} connections): {} failed, first: {first}",
                failures.len()
            );
        }
        self.rows.push(Row {
            call: call.to_owned(),
            conns,
            over_budget,
            failed: failures.len(),
            samples: samples.into_iter().map(|(d, _)| d).collect(),
        });
    }

    /// `counts.0` requests one after another, then `counts.1` on each of the connections
    /// at once; `make(i)` builds the i-th request (each i once over both runs).
    async fn measure<M, C>(&mut self, call: &str, counts: (usize, usize), make: M, check: C)
    where
        M: Fn(usize) -> RequestBuilder + Send + Sync + 'static,
        C: Fn(&Value) -> Result<(), String> + Send + Sync + 'static,
    {
        let (make, check) = (Arc::new(make), Arc::new(check));
        let one = move |i: usize| {
            let request = make(i);
            let check = check.clone();
            async move { sample(request, &*check).await }
        };
        let mut samples = Vec::new();
        for i in 0..counts.0 {
            samples.push(one(i).await);
        }
        self.push(call, 1, samples);
        let seq = counts.0;
        let samples = concurrently(self.conns, self.conns * counts.1, move |i| one(seq + i)).await;
        self.push(call, self.conns, samples);
    }

    /// Walks of the Sync API through every page, one at a time and then many at once:
    /// a row for whole walks and one for single pages. Returns a walk's `sync_token`.
    async fn measure_sync(
        &mut self,
        call: &str,
        walks: (usize, usize),
        ctx: &Ctx,
        first: &str,
        items: usize,
    ) -> String {
        let walk = {
            let (ctx, first) = (ctx.clone(), first.to_owned());
            move |_| {
                let (ctx, first) = (ctx.clone(), first.clone());
                async move { walk_sync(&ctx, &first).await }
            }
        };
        let mut sequential = Vec::new();
        for i in 0..walks.0 {
            sequential.push(walk(i).await);
        }
        let concurrent = concurrently(self.conns, self.conns * walks.1, walk).await;
        let mut token = String::new();
        for (conns, done) in [(1, sequential), (self.conns, concurrent)] {
            let mut whole = Vec::new();
            let mut pages = Vec::new();
            for walk in done {
                let outcome = match walk.outcome {
                    Ok((seen, _)) if seen != items => {
                        Err(format!("{seen} items, expected {items}"))
                    }
                    Ok((_, sync_token)) => {
                        token = sync_token;
                        Ok(())
                    }
                    Err(e) => Err(e),
                };
                whole.push((walk.total, outcome));
                pages.extend(walk.pages);
            }
            self.push(&format!("{call}, whole walk"), conns, whole);
            self.push(&format!("{call}, one page"), conns, pages);
        }
        token
    }

    fn memory(&mut self, when: &str, pid: u32) {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_owned())
                .unwrap_or_else(|| "?".into())
        };
        self.note(format!(
            "memory {when}: VmHWM {}, VmRSS {}",
            field("VmHWM:"),
            field("VmRSS:")
        ));
    }

    /// The database's files, and its free pages read through a read-only connection.
    async fn database(&mut self, when: &str, data_dir: &Path) {
        let size = |name: &str| std::fs::metadata(data_dir.join(name)).map_or(0, |m| m.len());
        let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(data_dir.join("mock.db"))
            .read_only(true);
        let free = match sqlx::SqlitePool::connect_with(options).await {
            Ok(db) => {
                let pages: Result<(i64, i64), _> = sqlx::query_as(
                    "select (select freelist_count from pragma_freelist_count), (select page_size from pragma_page_size)",
                )
                .fetch_one(&db)
                .await;
                db.close().await;
                pages.map_or("?".into(), |(n, size)| {
                    format!("{n} ({:.1} MiB)", mib((n * size) as u64))
                })
            }
            Err(_) => "?".into(),
        };
        self.note(format!(
            "database {when}: mock.db {:.1} MiB, mock.db-wal {:.1} MiB, free pages {free}",
            mib(size("mock.db")),
            mib(size("mock.db-wal")),
        ));
    }

    /// Prints the table and the notes; true when any request failed (other than over
    /// the query budget).
    fn print(&self) -> bool {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "\n| call | connections | p50 ms | p99 ms | max ms | n | over budget (422/121) | failed |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|");
        for row in &self.rows {
            let mut sorted = row.samples.clone();
            sorted.sort();
            let pick = |q: f64| sorted.get(((sorted.len().max(1) - 1) as f64 * q).round() as usize);
            let cell = |d: Option<&Duration>| d.map_or("-".into(), |d| format!("{:.1}", ms(*d)));
            println!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                row.call,
                row.conns,
                cell(pick(0.5)),
                cell(pick(0.99)),
                cell(sorted.last()),
                sorted.len(),
                row.over_budget,
                row.failed
            );
        }
        println!();
        for note in &self.notes {
            println!("- {note}");
        }
        self.rows.iter().any(|row| row.failed > 0)
    }
}

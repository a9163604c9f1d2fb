//! The test harness: start the real binary, find its port, and typed request helpers.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::multipart::{Form, Part};
use reqwest::{Client, RequestBuilder, Response, StatusCode};
use serde_json::Value;

pub const API_KEY: &str = "blt0000000000000001";
pub const TOKEN: &str = "cs00000000000000000000000000000001";

/// A running server process, killed when dropped.
pub struct TestServer {
    child: Child,
    pub base: String,
    /// The banner's `https:` line, when the server has an HTTPS listener.
    pub tls: Option<BannerTls>,
    pub data_dir: PathBuf,
    /// Keeps the temp dir alive (None when the caller owns the data dir).
    _temp: Option<tempfile::TempDir>,
    pub client: Client,
}

impl TestServer {
    /// A fresh server with its own data dir.
    pub async fn start() -> TestServer {
        Self::start_with(&[]).await
    }

    /// A fresh server with extra flags.
    pub async fn start_with(args: &[&str]) -> TestServer {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path().to_path_buf();
        let mut server = Self::start_in(&dir, args);
        server._temp = Some(temp);
        server
    }

    /// A fresh server on SQLite in both legs of the suite, for a test of what SQLite
    /// itself does (its file, its pages).
    pub async fn start_on_sqlite() -> TestServer {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path().to_path_buf();
        let mut server = Self::start_in(&dir, &["--database-url", &sqlite_url(&dir)]);
        server._temp = Some(temp);
        server
    }

    /// A fresh server whose log (stderr) goes to `<data dir>/../stderr.log`.
    pub async fn start_logged(args: &[&str]) -> (TestServer, PathBuf) {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path().join("data");
        let log = temp.path().join("stderr.log");
        let file = std::fs::File::create(&log).expect("log file");
        let mut server = Self::start_in_with(&dir, args, Stdio::from(file));
        server._temp = Some(temp);
        (server, log)
    }

    /// A server on a data dir the caller owns (to restart on the same data).
    pub fn start_in(data_dir: &Path, args: &[&str]) -> TestServer {
        let stderr = if std::env::var_os("TEST_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        };
        Self::start_in_with(data_dir, args, stderr)
    }

    /// A server on a data dir the caller owns, its stderr going to `stderr`.
    pub fn start_in_with(data_dir: &Path, args: &[&str], stderr: Stdio) -> TestServer {
        let mut command = Command::new(env!("CARGO_BIN_EXE_contentstack-mock"));
        command
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir);
        // The S3 leg, unless the test names its own storage.
        if let Some(bucket) = TestBucket::from_env() {
            command
                .env("AWS_ACCESS_KEY_ID", "test")
                .env("AWS_SECRET_ACCESS_KEY", "test");
            if !args.contains(&"--storage") {
                command
                    .arg("--storage")
                    .arg(bucket.storage_flag(data_dir))
                    .args(["--s3-endpoint", &bucket.endpoint]);
            }
        }
        // The PostgreSQL leg, unless the test names its own database.
        if let Some(database) = TestDatabase::from_env()
            && !args.contains(&"--database-url")
        {
            command
                .arg("--database-url")
                .arg(database.url_for(data_dir));
        }
        command
            .args(args)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(stderr);
        for (key, _) in std::env::vars() {
            if key.starts_with("CSMOCK_") {
                command.env_remove(key);
            }
        }
        let mut child = command.spawn().expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("the server printed its banner before exiting")
                .expect("stdout is readable");
            if let Some(rest) = line.split("listening on http://").nth(1) {
                break rest.trim().to_owned();
            }
        };
        // The banner's other lines, up to `data dir:` (always there).
        let mut banner = Vec::new();
        for line in lines.by_ref() {
            let line = line.expect("stdout is readable");
            let done = line.contains("data dir:");
            banner.push(line);
            if done {
                break;
            }
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        TestServer {
            child,
            base: format!("http://{address}"),
            tls: BannerTls::parse(&banner),
            data_dir: data_dir.to_path_buf(),
            _temp: None,
            client: Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("client"),
        }
    }

    /// Stops the server and starts it again on the same data dir with `args`; a temp
    /// data dir stays with the new server (removed when it is dropped).
    pub fn restart_with(mut self, args: &[&str]) -> TestServer {
        let temp = self._temp.take();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut again = Self::start_in(&self.data_dir, args);
        again._temp = temp;
        again
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.base.rsplit(':').next().unwrap().parse().unwrap()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and waits for a clean exit; returns the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        self.child.wait().expect("the server exits")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request with the default stack's credentials.
    pub fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.request_as(method, path, API_KEY, TOKEN)
    }

    /// A request with the given credentials.
    pub fn request_as(
        &self,
        method: reqwest::Method,
        path: &str,
        api_key: &str,
        token: &str,
    ) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("api_key", api_key)
            .header("authorization", token)
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(reqwest::Method::GET, path)
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(reqwest::Method::POST, path)
    }

    pub fn put(&self, path: &str) -> RequestBuilder {
        self.request(reqwest::Method::PUT, path)
    }

    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request(reqwest::Method::DELETE, path)
    }

    /// Uploads `bytes` as `filename`, with optional extra text fields; returns the asset.
    pub async fn upload(&self, filename: &str, bytes: &[u8], fields: &[(&str, &str)]) -> Value {
        let (status, body) = send(
            self.post("/v3/assets")
                .multipart(upload_form(filename, bytes, fields)),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "upload failed: {body}");
        body["asset"].clone()
    }

    /// Creates a folder; returns it.
    pub async fn create_folder(&self, name: &str, parent: Option<&str>) -> Value {
        let (status, body) = send(
            self.post("/v3/assets/folders")
                .json(&serde_json::json!({"asset": {"name": name, "parent_uid": parent}})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "folder create failed: {body}");
        body["asset"].clone()
    }

    /// The uids returned by a listing.
    pub async fn list_uids(&self, query: &str) -> Vec<String> {
        let (status, body) = send(self.get(&format!("/v3/assets?{query}"))).await;
        assert_eq!(status, StatusCode::OK, "list failed: {body}");
        body["assets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["uid"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Number of stored files (on disk under files/, or in the test bucket).
    pub fn stored_file_count(&self) -> usize {
        stored_names(&self.data_dir).len()
    }

    /// Number of files in the temp folder.
    pub fn temp_file_count(&self) -> usize {
        count_files(&self.data_dir.join("tmp"))
    }
}

/// What the banner says of the HTTPS listener.
#[derive(Debug, Clone)]
pub struct BannerTls {
    /// `host:port` of the HTTPS listener.
    pub address: String,
    /// The certificate's PEM file.
    pub cert_path: PathBuf,
    /// The banner's lines after the first, up to `data dir:`.
    pub lines: Vec<String>,
}

impl BannerTls {
    fn parse(lines: &[String]) -> Option<BannerTls> {
        let address = lines
            .iter()
            .find_map(|l| l.strip_prefix("  https:             https://"))?;
        let cert_path = lines
            .iter()
            .find_map(|l| l.strip_prefix("  tls certificate:   "))
            .expect("an https line comes with a tls certificate line");
        Some(BannerTls {
            address: address.trim().to_owned(),
            cert_path: PathBuf::from(cert_path.trim_end()),
            lines: lines.to_vec(),
        })
    }

    /// The port of the HTTPS listener.
    pub fn port(&self) -> u16 {
        self.address.rsplit(':').next().unwrap().parse().unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary expecting it to refuse to start; returns its output. Fails the
/// test if it is still running after a while (it started after all).
pub fn refused(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let data = tempfile::tempdir().expect("temp dir");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_contentstack-mock"));
    for (key, _) in std::env::vars() {
        if key.starts_with("CSMOCK_") {
            command.env_remove(key);
        }
    }
    let mut child = command
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let started = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server started with {args:?} {env:?} instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("the output")
}

#[track_caller]
pub fn assert_refused(output: &std::process::Output, needles: &[&str]) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "stdout {stdout:?}, stderr {stderr:?}"
    );
    assert!(
        !stdout.contains("listening on"),
        "it printed a banner: {stdout:?}"
    );
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "the message does not say {needle:?}: {stderr:?}"
        );
    }
}

pub fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                count_files(&e.path())
            } else {
                1
            }
        })
        .sum()
}

/// A multipart upload form as the JS SDK builds it.
pub fn upload_form(filename: &str, bytes: &[u8], fields: &[(&str, &str)]) -> Form {
    let mut form = Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    let part = Part::bytes(bytes.to_vec()).file_name(filename.to_owned());
    form.part("asset[upload]", part)
}

/// Sends a request; returns the status and the JSON body (Null when not JSON).
pub async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request
        .send()
        .await
        .expect("the request reaches the server");
    json_of(response).await
}

pub async fn json_of(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Asserts a Contentstack-shaped error with this status and code.
#[track_caller]
pub fn assert_error(status: StatusCode, body: &Value, want_status: u16, want_code: u64) {
    assert_eq!(
        status.as_u16(),
        want_status,
        "unexpected status, body: {body}"
    );
    assert_eq!(
        body["error_code"].as_u64(),
        Some(want_code),
        "unexpected code: {body}"
    );
    assert!(
        body["error_message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "no message: {body}"
    );
    assert!(body["errors"].is_object(), "no errors object: {body}");
}

/// A stack made through `/_mock/stacks`: (api_key, management_token).
pub async fn create_stack(server: &TestServer, name: &str) -> (String, String) {
    let (status, body) = send(
        server
            .client
            .post(server.url("/_mock/stacks"))
            .json(&serde_json::json!({"name": name})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (
        body["stack"]["api_key"].as_str().unwrap().to_owned(),
        body["stack"]["management_token"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

/// A `/_mock` call without credentials.
pub fn control(server: &TestServer, method: reqwest::Method, path: &str) -> RequestBuilder {
    server.client.request(method, server.url(path))
}

/// Advances the default stack's clock; returns the response body.
pub async fn advance(server: &TestServer, api_key: &str, body: Value) -> Value {
    let (status, out) = send(
        control(
            server,
            reqwest::Method::POST,
            &format!("/_mock/stacks/{api_key}/clock/advance"),
        )
        .json(&body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    out
}

/// The default stack's trash listing.
pub async fn trash_of(server: &TestServer, api_key: &str) -> Value {
    let (status, body) = send(control(
        server,
        reqwest::Method::GET,
        &format!("/_mock/stacks/{api_key}/trash"),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// What a consistency check of the database against the disk found.
#[derive(Debug, Default)]
pub struct Consistency {
    /// File rows whose stored file is missing.
    pub missing: Vec<String>,
    /// Stored files no row points to.
    pub orphaned: Vec<String>,
    /// Live file assets whose current version has no file row.
    pub dangling_assets: Vec<String>,
    /// Journal entries of file removals not yet done.
    pub pending_deletions: i64,
    pub file_rows: usize,
    pub files_on_disk: usize,
}

/// Checks every row against the disk, reading the database directly (read only).
pub async fn check_consistency(data_dir: &Path) -> Consistency {
    use std::collections::HashSet;
    const FILE_ROWS: &str = "select storage_key, stack_api_key from asset_files";
    const DANGLING: &str = "select uid from assets a where is_dir = false and not exists \
         (select 1 from asset_files f where f.version_uid = a.version_uid)";
    const PENDING: &str = "select count(*) from pending_file_deletions";
    let (rows, dangling, pending): (Vec<(String, String)>, Vec<String>, i64) =
        // A server on PostgreSQL never makes `mock.db`; a test about SQLite names it.
        match TestDatabase::from_env().filter(|_| !data_dir.join("mock.db").exists()) {
            Some(database) => {
                let db = sqlx::PgPool::connect(&database.url_for(data_dir))
                    .await
                    .expect("the database opens");
                let read = (
                    sqlx::query_as(FILE_ROWS).fetch_all(&db).await.unwrap(),
                    sqlx::query_scalar(DANGLING).fetch_all(&db).await.unwrap(),
                    sqlx::query_scalar(PENDING).fetch_one(&db).await.unwrap(),
                );
                db.close().await;
                read
            }
            None => {
                let options = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(data_dir.join("mock.db"))
                    .read_only(true);
                let db = sqlx::SqlitePool::connect_with(options)
                    .await
                    .expect("the database opens");
                let read = (
                    sqlx::query_as(FILE_ROWS).fetch_all(&db).await.unwrap(),
                    sqlx::query_scalar(DANGLING).fetch_all(&db).await.unwrap(),
                    sqlx::query_scalar(PENDING).fetch_one(&db).await.unwrap(),
                );
                db.close().await;
                read
            }
        };

    let on_disk = stored_names(data_dir);
    let keys: HashSet<String> = rows.iter().map(|(key, _)| key.clone()).collect();
    let mut report = Consistency {
        missing: rows
            .iter()
            .filter(|(key, _)| !on_disk.contains(key))
            .map(|(key, _)| key.clone())
            .collect(),
        orphaned: on_disk
            .iter()
            .filter(|name| !keys.contains(*name))
            .cloned()
            .collect(),
        dangling_assets: dangling,
        pending_deletions: pending,
        file_rows: rows.len(),
        files_on_disk: on_disk.len(),
    };
    report.orphaned.sort();
    report
}

/// The storage keys of every stored file of the server on `data_dir`.
pub fn stored_names(data_dir: &Path) -> std::collections::HashSet<String> {
    let mut names = std::collections::HashSet::new();
    match TestBucket::from_env() {
        None => collect_names(&data_dir.join("files"), &mut names),
        Some(bucket) => names.extend(bucket.stored_names(data_dir)),
    }
    names
}

/// `--database-url` for `mock.db` in `data_dir`: what a server uses unless told
/// otherwise, named for tests that are about SQLite, so that the PostgreSQL leg runs
/// them on SQLite too.
pub fn sqlite_url(data_dir: &Path) -> String {
    format!("sqlite:{}", data_dir.join("mock.db").display())
}

/// The PostgreSQL leg of the suite: with `CSMOCK_TEST_DATABASE` set (the address of a
/// PostgreSQL server's `postgres` database, as a user who may create databases), every
/// server gets a database of its own, named after its data dir (so a restart on the same
/// data dir finds its data again) and made before the server starts.
pub struct TestDatabase {
    admin_url: String,
}

impl TestDatabase {
    pub fn from_env() -> Option<TestDatabase> {
        Some(TestDatabase {
            admin_url: std::env::var("CSMOCK_TEST_DATABASE").ok()?,
        })
    }

    /// The address of the database of the server on `data_dir`, made if it is not there.
    pub fn url_for(&self, data_dir: &Path) -> String {
        let name = TestBucket::prefix(data_dir);
        let admin_url = self.admin_url.clone();
        let made = name.clone();
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime")
                .block_on(async move {
                    use sqlx::Connection;
                    let mut admin = sqlx::PgConnection::connect(&admin_url)
                        .await
                        .expect("the test database server answers");
                    let exists: bool = sqlx::query_scalar(
                        "select exists (select 1 from pg_database where datname = $1)",
                    )
                    .bind(&made)
                    .fetch_one(&mut admin)
                    .await
                    .expect("pg_database reads");
                    if !exists {
                        sqlx::query(sqlx::AssertSqlSafe(format!("create database {made}")))
                            .execute(&mut admin)
                            .await
                            .expect("a test database is made");
                    }
                })
        })
        .join()
        .expect("the database thread");
        match self.admin_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("CSMOCK_TEST_DATABASE names no database"),
        }
    }
}

/// The S3 leg of the suite: with `CSMOCK_TEST_S3_ENDPOINT` set (an S3-compatible server
/// with the bucket `CSMOCK_TEST_S3_BUCKET`, default `csmock-tests`), every server keeps
/// its files there, under a prefix of its own named after its data dir (so a restart on
/// the same data dir finds them again).
pub struct TestBucket {
    pub endpoint: String,
    pub bucket: String,
}

impl TestBucket {
    pub fn from_env() -> Option<TestBucket> {
        let endpoint = std::env::var("CSMOCK_TEST_S3_ENDPOINT").ok()?;
        Some(TestBucket {
            endpoint,
            bucket: std::env::var("CSMOCK_TEST_S3_BUCKET").unwrap_or("csmock-tests".into()),
        })
    }

    /// The key prefix of the server on `data_dir`.
    pub fn prefix(data_dir: &Path) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(data_dir.as_os_str().as_encoded_bytes());
        format!("t{:x}", digest)[..17].to_owned()
    }

    pub fn storage_flag(&self, data_dir: &Path) -> String {
        format!("s3://{}/{}", self.bucket, Self::prefix(data_dir))
    }

    /// Runs `work` against the test bucket on a thread of its own (callers may be
    /// inside the test's runtime).
    fn run<T: Send + 'static, F>(
        &self,
        work: impl FnOnce(object_store::aws::AmazonS3) -> F + Send + 'static,
    ) -> T
    where
        F: std::future::Future<Output = T>,
    {
        let store = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&self.bucket)
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id("test")
            .with_secret_access_key("test")
            .build()
            .expect("the test bucket's client");
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime")
                .block_on(work(store))
        })
        .join()
        .expect("the bucket thread")
    }

    /// The object of a stored file, named as the server names it.
    fn object(data_dir: &Path, api_key: &str, key: &str) -> object_store::path::Path {
        let shard = &key[..2];
        object_store::path::Path::from(format!(
            "{}/files/{api_key}/{shard}/{key}",
            Self::prefix(data_dir)
        ))
    }

    /// The storage keys under the prefix of `data_dir`, or of one stack of it.
    pub fn stored_names_of(&self, data_dir: &Path, api_key: Option<&str>) -> Vec<String> {
        use futures_util::StreamExt;
        use object_store::ObjectStore;
        let prefix = match api_key {
            Some(api_key) => format!("{}/files/{api_key}", Self::prefix(data_dir)),
            None => format!("{}/files", Self::prefix(data_dir)),
        };
        self.run(move |store| async move {
            let prefix = object_store::path::Path::from(prefix);
            let mut listed = store.list(Some(&prefix));
            let mut names = Vec::new();
            while let Some(meta) = listed.next().await {
                let meta = meta.expect("the test bucket lists");
                names.extend(meta.location.filename().map(str::to_owned));
            }
            names
        })
    }

    /// The storage keys under the prefix of `data_dir`.
    pub fn stored_names(&self, data_dir: &Path) -> Vec<String> {
        self.stored_names_of(data_dir, None)
    }

    /// Puts a stored file behind the server's back (as a crash would leave one).
    pub fn put_stored_file(&self, data_dir: &Path, api_key: &str, key: &str, bytes: &[u8]) {
        use object_store::ObjectStore;
        let (object, bytes) = (Self::object(data_dir, api_key, key), bytes.to_vec());
        self.run(move |store| async move {
            store
                .put(&object, bytes.into())
                .await
                .expect("the test bucket stores");
        })
    }
}

/// Puts a stored file of stack `api_key` where the server on `data_dir` keeps them,
/// without a row (as a crash between the file and its row would leave it).
pub fn put_stored_file(data_dir: &Path, api_key: &str, key: &str, bytes: &[u8]) {
    match TestBucket::from_env() {
        Some(bucket) => bucket.put_stored_file(data_dir, api_key, key, bytes),
        None => {
            let shard = data_dir.join("files").join(api_key).join(&key[..2]);
            std::fs::create_dir_all(&shard).unwrap();
            std::fs::write(shard.join(key), bytes).unwrap();
        }
    }
}

/// Whether stack `api_key` of the server on `data_dir` has any stored file.
pub fn stack_has_stored_files(data_dir: &Path, api_key: &str) -> bool {
    match TestBucket::from_env() {
        Some(bucket) => !bucket.stored_names_of(data_dir, Some(api_key)).is_empty(),
        None => data_dir.join("files").join(api_key).exists(),
    }
}

fn collect_names(dir: &Path, out: &mut std::collections::HashSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.path().is_dir() {
            collect_names(&entry.path(), out);
        } else {
            out.insert(entry.file_name().to_string_lossy().into_owned());
        }
    }
}

/// Asserts that database and disk agree exactly.
#[track_caller]
pub fn assert_consistent(report: &Consistency) {
    assert!(
        report.missing.is_empty(),
        "rows point to missing files: {report:?}"
    );
    assert!(report.orphaned.is_empty(), "files without rows: {report:?}");
    assert!(
        report.dangling_assets.is_empty(),
        "assets without a file row: {report:?}"
    );
    assert_eq!(
        report.pending_deletions, 0,
        "unfinished file removals: {report:?}"
    );
}

/// Uploads `n` small files with a few clients at once; returns their uids.
pub async fn upload_concurrently(server: &TestServer, n: usize, clients: usize) -> Vec<String> {
    upload_concurrently_with(server, n, clients, &[]).await
}

/// [`upload_concurrently`], each upload with the same form `fields`.
pub async fn upload_concurrently_with(
    server: &TestServer,
    n: usize,
    clients: usize,
    fields: &[(&'static str, &'static str)],
) -> Vec<String> {
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = server.client.clone();
        let url = server.url("/v3/assets");
        let share = n / clients + usize::from(c < n % clients);
        let fields = fields.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut uids = Vec::new();
            for i in 0..share {
                let form = upload_form(
                    &format!("c{c}-{i}.txt"),
                    format!("{c}/{i}").as_bytes(),
                    &fields,
                );
                let response = client
                    .post(&url)
                    .header("api_key", API_KEY)
                    .header("authorization", TOKEN)
                    .multipart(form)
                    .send()
                    .await
                    .unwrap();
                let body: Value = response.json().await.unwrap();
                uids.push(body["asset"]["uid"].as_str().expect("uploaded").to_owned());
            }
            uids
        }));
    }
    let mut uids = Vec::new();
    for task in tasks {
        uids.extend(task.await.unwrap());
    }
    uids
}

/// An answer read off a raw connection.
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// Reads one HTTP/1.1 answer (with a `content-length` body) off a raw connection.
pub fn read_answer(stream: &mut std::net::TcpStream) -> std::io::Result<RawAnswer> {
    use std::io::Read;
    let mut buffer = Vec::new();
    let mut byte = [0u8; 1];
    while !buffer.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed before the answer",
            ));
        }
        buffer.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buffer).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body)?;
    Ok(RawAnswer {
        status,
        headers,
        body,
    })
}

/// A raw connection to the server.
pub fn raw_connect(server: &TestServer) -> std::net::TcpStream {
    let stream = std::net::TcpStream::connect(server.base.trim_start_matches("http://"))
        .expect("the server accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
}

/// The highest resident memory the server has used so far, in KiB.
pub fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

//! `--storage`: where the stored files go, and the start refused when that cannot be.

use crate::helpers::*;

#[test]
fn a_storage_that_names_no_store_is_refused_saying_why() {
    for (storage, needles) in [
        (
            "ftp://files.example.com/x",
            &["--storage", "file:<dir>", "s3://"][..],
        ),
        ("s3://Not_A_Bucket", &["is not a bucket name"][..]),
        ("s3://team-assets/../elsewhere", &["key prefix"][..]),
        ("s3://team-assets/with space", &["key prefix"][..]),
    ] {
        let output = refused(&["--storage", storage], &[]);
        assert_refused(&output, needles);
    }
}

#[test]
fn a_bucket_that_cannot_be_reached_fails_the_start_naming_it() {
    // Nothing listens on port 9 of this machine: the connection is refused at once.
    let output = refused(
        &[
            "--storage",
            "s3://csmock-nowhere/mock",
            "--s3-endpoint",
            "http://127.0.0.1:9",
        ],
        &[
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ],
    );
    assert_refused(
        &output,
        &[
            "could not list the bucket",
            "s3://csmock-nowhere/mock at http://127.0.0.1:9",
        ],
    );
}

#[tokio::test]
async fn files_of_a_storage_folder_live_there_and_are_served_after_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let flag = format!("file:{}", files.path().display());
    // The database stays in the data dir.
    let database = sqlite_url(data.path());
    let flags = ["--storage", &flag, "--database-url", &database];
    let server = TestServer::start_in(data.path(), &flags);
    let asset = server.upload("elsewhere.txt", b"kept elsewhere", &[]).await;
    assert_eq!(count_files(&files.path().join("files")), 1);
    assert_eq!(count_files(&data.path().join("files")), 0);
    assert!(data.path().join("mock.db").exists());

    let server = server.restart_with(&flags);
    let url = asset["url"].as_str().unwrap();
    let path = &url[url.find("/v3/").unwrap()..];
    let file = server.get(path).send().await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.bytes().await.unwrap().as_ref(), b"kept elsewhere");
}

/// A TCP relay to the test bucket's server that can be cut (every connection closed,
/// new ones refused) and restored, to take the bucket away from a running server.
struct Relay {
    address: std::net::SocketAddr,
    open: std::sync::Arc<std::sync::atomic::AtomicBool>,
    streams: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl Relay {
    fn start(target: &str) -> Relay {
        use std::sync::atomic::Ordering;
        let target: std::net::SocketAddr = target
            .trim_start_matches("http://")
            .parse()
            .expect("the bucket's endpoint is host:port");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let relay = Relay {
            address: listener.local_addr().unwrap(),
            open: Default::default(),
            streams: Default::default(),
        };
        relay.open.store(true, Ordering::SeqCst);
        let (open, streams) = (relay.open.clone(), relay.streams.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let upstream = match std::net::TcpStream::connect(target) {
                    Ok(upstream) if open.load(Ordering::SeqCst) => upstream,
                    _ => continue,
                };
                let mut kept = streams.lock().unwrap();
                kept.push(client.try_clone().unwrap());
                kept.push(upstream.try_clone().unwrap());
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), upstream.try_clone().unwrap()),
                    (upstream, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        relay
    }

    fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    fn cut(&self) {
        self.open.store(false, std::sync::atomic::Ordering::SeqCst);
        for stream in self.streams.lock().unwrap().drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.open.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test]
async fn with_the_bucket_gone_uploads_and_downloads_fail_cleanly_and_write_no_row() {
    let Some(bucket) = TestBucket::from_env() else {
        eprintln!("no test bucket (CSMOCK_TEST_S3_ENDPOINT): the S3 leg of the suite runs this");
        return;
    };
    let relay = Relay::start(&bucket.endpoint);
    let data = tempfile::tempdir().unwrap();
    let storage = bucket.storage_flag(data.path());
    let endpoint = relay.url();
    let args = ["--storage", &storage, "--s3-endpoint", &endpoint];
    let server = TestServer::start_in(data.path(), &args);
    let kept = server.upload("kept.txt", b"kept", &[]).await;
    let url = kept["url"].as_str().unwrap();
    let file_path = url[url.find("/v3/").unwrap()..].to_owned();

    relay.cut();
    let large = vec![7u8; 300 * 1024];
    for (name, bytes) in [("small.txt", &b"small"[..]), ("large.bin", &large[..])] {
        let (status, body) = send(server.post("/v3/assets").multipart(upload_form(
            name,
            bytes,
            &[],
        )))
        .await;
        assert_error(status, &body, 500, 500);
    }
    let file = server.get(&file_path).send().await.unwrap();
    assert_eq!(file.status(), 500);
    let (status, listed) = send(server.get("/v3/assets?include_count=true")).await;
    assert_eq!(status, 200);
    assert_eq!(listed["count"], 1, "{listed}");
    assert_eq!(bucket.stored_names(data.path()).len(), 1);

    relay.restore();
    let file = server.get(&file_path).send().await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.bytes().await.unwrap().as_ref(), b"kept");
    server.upload("after.txt", b"after", &[]).await;
    assert_consistent(&check_consistency(data.path()).await);
}

#[tokio::test]
async fn a_storage_folder_holding_another_data_dirs_files_is_refused() {
    let files = tempfile::tempdir().unwrap();
    let flag = format!("file:{}", files.path().display());
    let server = TestServer::start_with(&["--storage", &flag]).await;
    server.upload("mine.txt", b"mine", &[]).await;
    // Another data dir's orphan sweep would remove every file its database does not name.
    let output = refused(&["--storage", &flag], &[]);
    assert_refused(
        &output,
        &["holds the files of another data dir", "a folder of its own"],
    );
    assert_eq!(
        server.stored_file_count(),
        0,
        "the files are in the storage folder"
    );
    assert_eq!(count_files(&files.path().join("files")), 1);
}

#[tokio::test]
async fn a_bucket_prefix_holding_another_data_dirs_files_is_refused() {
    let Some(bucket) = TestBucket::from_env() else {
        eprintln!("no test bucket (CSMOCK_TEST_S3_ENDPOINT): the S3 leg of the suite runs this");
        return;
    };
    let server = TestServer::start().await;
    server.upload("mine.txt", b"mine", &[]).await;
    let flag = bucket.storage_flag(&server.data_dir);
    let output = refused(
        &["--storage", &flag, "--s3-endpoint", &bucket.endpoint],
        &[
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ],
    );
    assert_refused(
        &output,
        &["holds the files of another data dir", "a prefix of its own"],
    );
    assert_eq!(server.stored_file_count(), 1);
}

#[tokio::test]
async fn an_ephemeral_mock_removes_its_files_from_the_bucket_at_exit() {
    let Some(bucket) = TestBucket::from_env() else {
        eprintln!("no test bucket (CSMOCK_TEST_S3_ENDPOINT): the S3 leg of the suite runs this");
        return;
    };
    let names = tempfile::tempdir().unwrap();
    let flag = bucket.storage_flag(names.path());
    let args = [
        "--ephemeral",
        "--storage",
        &flag,
        "--s3-endpoint",
        &bucket.endpoint,
    ];
    let mut server = TestServer::start_with(&args).await;
    server.upload("gone.txt", b"gone at exit", &[]).await;
    assert_eq!(bucket.stored_names(names.path()).len(), 1);
    assert!(server.terminate().success());
    assert!(bucket.stored_names(names.path()).is_empty());
    // The claim went with them: the next ephemeral mock on the prefix starts.
    let again = TestServer::start_with(&args).await;
    again.upload("again.txt", b"again", &[]).await;
}

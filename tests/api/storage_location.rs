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
    let server = TestServer::start_in(data.path(), &["--storage", &flag]);
    let asset = server.upload("elsewhere.txt", b"kept elsewhere", &[]).await;
    assert_eq!(count_files(&files.path().join("files")), 1);
    assert_eq!(count_files(&data.path().join("files")), 0);
    assert!(data.path().join("mock.db").exists());

    let server = server.restart_with(&["--storage", &flag]);
    let url = asset["url"].as_str().unwrap();
    let path = &url[url.find("/v3/").unwrap()..];
    let file = server.get(path).send().await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.bytes().await.unwrap().as_ref(), b"kept elsewhere");
}

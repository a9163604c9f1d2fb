//! Crashes and concurrency: an interrupted purge is finished on restart, orphaned
//! files are swept, and many clients at once leave rows and files in agreement.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

async fn bulk_delete_all(server: &TestServer, uids: &[String]) {
    for chunk in uids.chunks(100) {
        let body =
            json!({"assets": chunk.iter().map(|uid| json!({"uid": uid})).collect::<Vec<_>>()});
        let (status, out) = send(server.post("/v3/bulk/delete").json(&body)).await;
        assert_eq!(status, 200, "{out}");
    }
}

#[tokio::test]
async fn a_purge_killed_half_way_is_finished_on_restart_with_nothing_lost() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start_in(dir.path(), &["--purge-interval", "1h"]);
    let doomed = upload_concurrently(&server, 1200, 6).await;
    let survivors = upload_concurrently(&server, 30, 3).await;
    bulk_delete_all(&server, &doomed).await;
    assert_eq!(trash_of(&server, API_KEY).await["count"], 1200);

    // Start the purge of 1200 items and kill the process while it runs.
    let client = server.client.clone();
    let advance_url = server.url(&format!("/_mock/stacks/{API_KEY}/clock/advance"));
    let purge = tokio::spawn(async move {
        client
            .post(advance_url)
            .json(&json!({"days": 15}))
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(40)).await;
    server.kill();
    let _ = purge.await;
    let halfway = check_consistency(dir.path()).await;
    eprintln!(
        "after the kill: {} file rows, {} files on disk, {} pending removals",
        halfway.file_rows, halfway.files_on_disk, halfway.pending_deletions
    );
    assert!(
        halfway.missing.is_empty(),
        "a row points to a missing file after the crash: {halfway:?}"
    );

    // The restart finishes the job: the clock move was saved, the purge task runs at start.
    let server = TestServer::start_in(dir.path(), &["--purge-interval", "1h"]);
    let mut settled = false;
    for _ in 0..100 {
        if trash_of(&server, API_KEY).await["count"] == 0 {
            settled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(settled, "the purge was not finished after the restart");
    // File removals happen after each batch's commit; give the last one a moment.
    let mut report = check_consistency(dir.path()).await;
    for _ in 0..50 {
        if report.orphaned.is_empty() && report.pending_deletions == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        report = check_consistency(dir.path()).await;
    }
    assert_consistent(&report);
    let mut live = server.list_uids("limit=100").await;
    live.sort();
    let mut want = survivors.clone();
    want.sort();
    assert_eq!(live, want, "every live asset survived");
    assert_eq!(report.file_rows, 30);
}

#[tokio::test]
async fn files_without_rows_are_swept_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let keep = {
        let mut server = TestServer::start_in(dir.path(), &[]);
        let asset = server.upload("keep.txt", b"keep", &[]).await;
        server.kill();
        asset
    };
    // As if a crash hit between the rename and the commit, and a deleted stack's folder.
    put_stored_file(
        dir.path(),
        API_KEY,
        "ffffffffffffffffffffffffffffffff",
        b"orphan",
    );
    put_stored_file(dir.path(), "bltgone0000000000", "aaaa", b"x");
    // Older than the restart: a bucket dates files to the second.
    let settle = if TestBucket::from_env().is_some() {
        1100
    } else {
        20
    };
    std::thread::sleep(Duration::from_millis(settle));

    let server = TestServer::start_in(dir.path(), &[]);
    let mut report = check_consistency(dir.path()).await;
    for _ in 0..50 {
        if report.orphaned.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        report = check_consistency(dir.path()).await;
    }
    assert_consistent(&report);
    assert!(!stack_has_stored_files(dir.path(), "bltgone0000000000"));
    let path = keep["url"]
        .as_str()
        .unwrap()
        .split_once("/v3/")
        .map(|(_, rest)| format!("/v3/{rest}"))
        .unwrap();
    let file = server.client.get(server.url(&path)).send().await.unwrap();
    assert_eq!(file.text().await.unwrap(), "keep");
}

#[tokio::test]
async fn many_clients_deleting_restoring_and_uploading_leave_rows_and_files_in_agreement() {
    let server = TestServer::start().await;
    let seed = upload_concurrently(&server, 120, 4).await;
    let mut tasks = Vec::new();
    for worker in 0..8usize {
        let client = server.client.clone();
        let base = server.base.clone();
        let mine: Vec<String> = seed.iter().skip(worker).step_by(8).cloned().collect();
        tasks.push(tokio::spawn(async move {
            let auth = |r: reqwest::RequestBuilder| {
                r.header("api_key", API_KEY).header("authorization", TOKEN)
            };
            // Restores that lost the race against the purger (the item was purged first).
            let mut purged_first = 0;
            for (round, uid) in mine.iter().enumerate() {
                match round % 3 {
                    0 => {
                        let r = auth(client.delete(format!("{base}/v3/assets/{uid}")))
                            .send()
                            .await
                            .unwrap();
                        assert_eq!(r.status(), 200);
                        let r = client
                            .post(format!("{base}/_mock/stacks/{API_KEY}/trash/{uid}/restore"))
                            .send()
                            .await
                            .unwrap();
                        match r.status().as_u16() {
                            200 => {}
                            404 => purged_first += 1,
                            other => {
                                panic!("restore answered {other}: {}", r.text().await.unwrap())
                            }
                        }
                    }
                    1 => {
                        let body = json!({"assets": [{"uid": uid}]});
                        let r = auth(client.post(format!("{base}/v3/bulk/delete")))
                            .json(&body)
                            .send()
                            .await
                            .unwrap();
                        assert_eq!(r.status(), 200);
                    }
                    _ => {
                        let form = upload_form(
                            &format!("w{worker}-{round}.bin"),
                            &vec![worker as u8; 2048],
                            &[],
                        );
                        let r = auth(client.post(format!("{base}/v3/assets")))
                            .multipart(form)
                            .send()
                            .await
                            .unwrap();
                        assert_eq!(r.status(), 201);
                        let form = reqwest::multipart::Form::new().part(
                            "asset[upload]",
                            reqwest::multipart::Part::bytes(b"replaced".to_vec())
                                .file_name("r.txt"),
                        );
                        let r = auth(client.put(format!("{base}/v3/assets/{uid}")))
                            .multipart(form)
                            .send()
                            .await
                            .unwrap();
                        assert_eq!(r.status(), 200);
                    }
                }
            }
            purged_first
        }));
    }
    // Purges of everything in the trash run alongside.
    let purger = {
        let client = server.client.clone();
        let url = server.url(&format!("/_mock/stacks/{API_KEY}/trash"));
        tokio::spawn(async move {
            for _ in 0..5 {
                let r = client.delete(&url).send().await.unwrap();
                assert_eq!(r.status(), 200);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let mut purged_first = 0;
    for task in tasks {
        purged_first += task.await.unwrap();
    }
    purger.await.unwrap();
    assert_consistent(&check_consistency(&server.data_dir).await);
    assert_eq!(server.temp_file_count(), 0);
    let (_, count) = send(server.get("/v3/assets?count=true")).await;
    let (_, trash) = send(control(
        &server,
        reqwest::Method::GET,
        &format!("/_mock/stacks/{API_KEY}/trash"),
    ))
    .await;
    // 120 seeded + 40 uploaded; 40 bulk deleted (trashed or purged), 40 deleted and
    // restored unless the purger got to them first.
    assert_eq!(count["assets"], 120 + 40 - 40 - purged_first);
    assert!(trash["count"].as_i64().unwrap() <= 40);
}

#[tokio::test]
async fn writes_committed_together_succeed_or_fail_each_on_their_own() {
    // Uploads and deletes that arrive at once share one transaction on the writer; a
    // failing one (a missing folder, a missing asset) must take nothing else with it.
    let server = TestServer::start().await;
    let folder = server.create_folder("inbox", None).await["uid"]
        .as_str()
        .unwrap()
        .to_owned();
    let seed = upload_concurrently(&server, 24, 4).await;
    let mut uploads = Vec::new();
    for i in 0..48usize {
        let parent = match i % 3 {
            0 => Some(folder.clone()),
            1 => Some("blt0123456789abcdef".to_owned()),
            _ => None,
        };
        let mut fields = Vec::new();
        if let Some(parent) = &parent {
            fields.push(("asset[parent_uid]", parent.as_str()));
        }
        let form = upload_form(&format!("g{i}.txt"), format!("{i}").as_bytes(), &fields);
        let request = server.post("/v3/assets").multipart(form);
        uploads.push(tokio::spawn(async move { (i, send(request).await) }));
    }
    let mut deletes = Vec::new();
    for (i, uid) in seed.iter().enumerate() {
        let uid = if i % 2 == 0 {
            uid.clone()
        } else {
            format!("bltmissing{i:06}")
        };
        let request = server.delete(&format!("/v3/assets/{uid}"));
        deletes.push(tokio::spawn(async move { (i, send(request).await) }));
    }
    let mut stored = Vec::new();
    for task in uploads {
        let (i, (status, body)) = task.await.unwrap();
        if i % 3 == 1 {
            assert_error(status, &body, 422, 145);
        } else {
            assert_eq!(status, 201, "upload {i}: {body}");
            stored.push(body["asset"]["uid"].as_str().unwrap().to_owned());
        }
    }
    for task in deletes {
        let (i, (status, body)) = task.await.unwrap();
        if i % 2 == 0 {
            assert_eq!(status, 200, "delete {i}: {body}");
        } else {
            assert_error(status, &body, 422, 145);
        }
    }
    let live = server.list_uids("limit=100").await;
    for uid in &stored {
        assert!(
            live.contains(uid),
            "{uid} was answered 201 but is not listed"
        );
    }
    // 24 seeded, half deleted; 32 of the 48 uploads stored.
    assert_eq!(stored.len(), 32);
    assert_eq!(live.len(), 12 + 32);
    assert_eq!(
        server
            .list_uids(&format!("folder={folder}&limit=100"))
            .await
            .len(),
        16
    );
    assert_consistent(&check_consistency(&server.data_dir).await);
    assert_eq!(server.stored_file_count(), 24 + 32);
    assert_eq!(server.temp_file_count(), 0);
}

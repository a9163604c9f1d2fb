//! `GET /_mock/stacks/{api_key}/export`: the archive seeds a new stack identical to the
//! source, compared row by row and byte by byte.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

/// The stack's assets and folders as the management API lists them, by uid, with the
/// fields an export carries.
async fn listing(server: &TestServer, api_key: &str, token: &str) -> Vec<Value> {
    let (status, body) = send(server.request_as(
        Method::GET,
        "/v3/assets?include_folders=true&include_publish_details=true&limit=100&asc=uid",
        api_key,
        token,
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    body["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let mut kept = json!({});
            for field in [
                "uid",
                "title",
                "filename",
                "name",
                "description",
                "tags",
                "parent_uid",
                "content_type",
                "file_size",
                "_version",
                "is_dir",
                "created_at",
                "created_by",
                "updated_at",
                "updated_by",
            ] {
                kept[field] = a[field].clone();
            }
            let mut published: Vec<Value> = a["publish_details"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|p| json!([p["environment"], p["locale"], p["version"]]))
                .collect();
            published.sort_by_key(|p| p.to_string());
            kept["published"] = Value::from(published);
            kept
        })
        .collect()
}

#[tokio::test]
async fn an_exported_stack_seeds_a_new_stack_identical_to_it() {
    let root = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(&["--seed-root", root.path().to_str().unwrap()]).await;
    let (key, token) = create_stack(&server, "source").await;
    let as_source = |method: Method, path: &str| server.request_as(method, path, &key, &token);
    let (status, env) = send(as_source(Method::POST, "/v3/environments").json(
        &json!({"environment": {"name": "production", "urls": [{"locale": "en-us", "url": "https://example.com"}]}}),
    ))
    .await;
    assert_eq!(status, 201, "{env}");
    let (_, folder) = send(
        as_source(Method::POST, "/v3/assets/folders").json(&json!({"asset": {"name": "Posters"}})),
    )
    .await;
    let folder_uid = folder["asset"]["uid"].as_str().unwrap().to_owned();
    let (_, inner) = send(
        as_source(Method::POST, "/v3/assets/folders")
            .json(&json!({"asset": {"name": "2026", "parent_uid": folder_uid}})),
    )
    .await;
    let inner_uid = inner["asset"]["uid"].as_str().unwrap().to_owned();
    let mut uids = Vec::new();
    for (n, parent) in [None, Some(&folder_uid), Some(&inner_uid)]
        .into_iter()
        .enumerate()
    {
        let bytes: Vec<u8> = (0..5000u32).map(|i| (i * 7 + n as u32) as u8).collect();
        let mut fields = vec![
            ("asset[title]", format!("Asset {n}")),
            ("asset[tags]", "a,b".to_owned()),
        ];
        if let Some(parent) = parent {
            fields.push(("asset[parent_uid]", parent.clone()));
        }
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body) = send(as_source(Method::POST, "/v3/assets").multipart(upload_form(
            &format!("file-{n}.bin"),
            &bytes,
            &fields,
        )))
        .await;
        assert_eq!(status, 201, "{body}");
        uids.push(body["asset"]["uid"].as_str().unwrap().to_owned());
    }
    // A second version, and a publish to both environments.
    let (status, _) = send(
        as_source(Method::PUT, &format!("/v3/assets/{}", uids[0]))
            .json(&json!({"asset": {"description": "edited"}})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = send(as_source(Method::POST, &format!("/v3/assets/{}/publish", uids[0]))
        .json(&json!({"asset": {"environments": ["development", "production"], "locales": ["en-us"]}}))).await;
    assert_eq!(status, 201, "{body}");
    // A trashed asset is not exported.
    let (_, trashed) = send(as_source(Method::POST, "/v3/assets").multipart(upload_form(
        "gone.txt",
        b"gone",
        &[],
    )))
    .await;
    let trashed = trashed["asset"]["uid"].as_str().unwrap().to_owned();
    send(as_source(Method::DELETE, &format!("/v3/assets/{trashed}"))).await;

    let response = control(&server, Method::GET, &format!("/_mock/stacks/{key}/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/gzip");
    assert_eq!(
        response.headers()["content-disposition"],
        format!("attachment; filename=\"{key}.tar.gz\"").as_str()
    );
    let archive = response.bytes().await.unwrap();
    let folder = root.path().join("export");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(root.path().join("export.tar.gz"), &archive).unwrap();
    let untar = std::process::Command::new("tar")
        .args(["-xzf", "export.tar.gz", "-C", "export"])
        .current_dir(root.path())
        .status()
        .unwrap();
    assert!(untar.success());
    assert!(!folder.join("assets/files").join(&trashed).exists());
    let environments =
        std::fs::read_to_string(folder.join("environments/environments.json")).unwrap();
    assert!(
        environments.contains("production") && environments.contains("https://example.com"),
        "{environments}"
    );

    let (status, body) = send(
        control(&server, Method::POST, "/_mock/stacks").json(&json!({
            "name": "copy", "seed": folder.to_str().unwrap(), "environments": [],
        })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let copy_key = body["stack"]["api_key"].as_str().unwrap().to_owned();
    let copy_token = body["stack"]["management_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let source = listing(&server, &key, &token).await;
    let copy = listing(&server, &copy_key, &copy_token).await;
    assert_eq!(source.len(), 5, "{source:#?}");
    assert_eq!(copy, source);
    // Byte by byte, through each copy's file URL.
    for uid in &uids {
        let url_of = |api_key: &str, token: &str| {
            let request =
                server.request_as(Method::GET, &format!("/v3/assets/{uid}"), api_key, token);
            async move {
                send(request).await.1["asset"]["url"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        };
        let (a, b) = (
            url_of(&key, &token).await,
            url_of(&copy_key, &copy_token).await,
        );
        assert_ne!(a, b);
        let original = server
            .client
            .get(&a)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let copied = server
            .client
            .get(&b)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(original, copied);
    }
    // The environments by name, uid and urls.
    let envs = |api_key: String, token: String| {
        let request = server.request_as(Method::GET, "/v3/environments", &api_key, &token);
        async move {
            let mut list: Vec<Value> = send(request).await.1["environments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| json!([e["uid"], e["name"], e["urls"]]))
                .collect();
            list.sort_by_key(|e| e.to_string());
            list
        }
    };
    assert_eq!(
        envs(copy_key.clone(), copy_token.clone()).await,
        envs(key.clone(), token.clone()).await
    );

    let (status, body) = send(control(
        &server,
        Method::GET,
        "/_mock/stacks/bltnosuch/export",
    ))
    .await;
    assert_eq!(status, 404, "{body}");
}

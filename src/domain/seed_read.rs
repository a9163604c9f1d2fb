//! Reading and checking a `csdx cm:stacks:export` folder for a seed, before anything is
//! written. Nothing outside the folder is read (see [`crate::storage::confined`]: no symbolic
//! link, no hard link, no `..`), the JSON files are bounded one by one and together
//! (checked from their sizes before any is parsed), and every problem is named with
//! its file: a uid listed twice, a chunk without its index, a file that is missing.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::domain::environments::{EnvironmentUrl, check_name};
use crate::domain::folders::{MAX_DEPTH, MAX_FOLDERS};
use crate::domain::limits;
use crate::storage::confined::{ConfinedDir, Entry, Refused};

/// Most bytes one JSON file of an export may hold (the CLI writes chunks of about 1 MB).
pub const MAX_JSON_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Most bytes the JSON files of one export may hold together.
pub const MAX_JSON_BYTES: u64 = 64 * 1024 * 1024;

const ASSETS: &str = "assets";
pub(crate) const INDEX: &str = "assets/assets.json";
pub(crate) const FOLDERS: &str = "assets/folders.json";
pub(crate) const ENVIRONMENTS: &str = "environments/environments.json";
pub(crate) const MASTER_LOCALE: &str = "locales/master-locale.json";
pub(crate) const LOCALES: &str = "locales/locales.json";

#[derive(Debug, Deserialize)]
pub(crate) struct ExportFolder {
    pub uid: String,
    pub name: String,
    #[serde(default)]
    pub parent_uid: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub updated_by: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ExportAsset {
    pub uid: String,
    pub filename: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub parent_uid: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default, rename = "_version")]
    pub version: Option<i64>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub updated_by: Option<String>,
    #[serde(default)]
    pub publish_details: Vec<ExportPublish>,
    /// The chunk it was read from, relative to the export (for messages).
    #[serde(skip)]
    pub chunk: PathBuf,
}

impl ExportAsset {
    /// Where its file is, relative to the export.
    pub fn file(&self) -> PathBuf {
        Path::new(ASSETS)
            .join("files")
            .join(&self.uid)
            .join(&self.filename)
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ExportPublish {
    pub environment: String,
    pub locale: String,
    #[serde(default)]
    pub time: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ExportEnvironment {
    pub uid: String,
    pub name: String,
    #[serde(default)]
    pub urls: Vec<EnvironmentUrl>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ExportLocale {
    pub uid: String,
    pub code: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub fallback_locale: Option<String>,
}

/// An export, read and checked; its files are read again through `root` when loaded.
#[derive(Debug)]
pub struct Export {
    pub(crate) root: ConfinedDir,
    pub(crate) folders: Vec<ExportFolder>,
    pub(crate) assets: Vec<ExportAsset>,
    pub(crate) environments: Vec<ExportEnvironment>,
    pub(crate) master_locale: Option<ExportLocale>,
    pub(crate) locales: Vec<ExportLocale>,
}

impl Export {
    /// How many folders and assets it holds.
    pub fn counts(&self) -> (usize, usize) {
        (self.folders.len(), self.assets.len())
    }

    /// A path of the export as messages show it.
    pub(crate) fn shown(&self, relative: &Path) -> String {
        self.root.shown(relative).display().to_string()
    }
}

/// The error of a file or folder of the export that cannot be read.
fn refused(root: &ConfinedDir, relative: &Path, why: Refused) -> anyhow::Error {
    anyhow::anyhow!("{}: {why}", root.shown(relative).display())
}

/// The entries of a JSON object in their order, duplicate keys included (a map would
/// keep the last one silently).
struct Entries<T>(Vec<(String, T)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Entries<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for EntriesVisitor<T> {
            type Value = Entries<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<T>, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}

impl<T> Entries<T> {
    /// The values, refusing a key listed twice.
    fn unique(self, file: &str, what: &str) -> anyhow::Result<Vec<(String, T)>> {
        let mut seen = HashSet::new();
        for (key, _) in &self.0 {
            if !seen.insert(key.as_str()) {
                bail!("{file}: the {what} {key} is listed twice");
            }
        }
        Ok(self.0)
    }
}

/// The JSON files of an export, read within the bounds.
struct JsonFiles<'a> {
    root: &'a ConfinedDir,
    /// Bytes the files not yet counted may still hold.
    left: u64,
}

impl JsonFiles<'_> {
    /// Counts the sizes of `files` (from the file system, before any is read) against
    /// what is left.
    fn reserve(&mut self, files: &[PathBuf]) -> anyhow::Result<()> {
        let mut total = 0u64;
        for file in files {
            let (_, size) = self
                .root
                .open_file(file, MAX_JSON_FILE_BYTES)
                .map_err(|e| refused(self.root, file, e))?;
            total = total.saturating_add(size);
        }
        if total > self.left {
            bail!(
                "{}: its JSON files hold more than {MAX_JSON_BYTES} bytes in all; a seed holds at most that",
                self.root.shown(Path::new("")).display()
            );
        }
        self.left -= total;
        Ok(())
    }

    /// Reads and parses one file, naming it in any error.
    fn read<T: DeserializeOwned>(&self, file: &Path) -> anyhow::Result<T> {
        let bytes = self
            .root
            .read(file, MAX_JSON_FILE_BYTES)
            .map_err(|e| refused(self.root, file, e))?;
        serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "{}: is not the JSON an export writes",
                self.root.shown(file).display()
            )
        })
    }
}

/// What is at `relative`: a file, a folder, or nothing; anything else is refused.
fn entry(root: &ConfinedDir, relative: &str) -> anyhow::Result<Entry> {
    let path = Path::new(relative);
    match root.entry(path) {
        Ok(Entry::Other) => Err(refused(root, path, Refused::Link)),
        Ok(entry) => Ok(entry),
        Err(why) => Err(refused(root, path, why)),
    }
}

/// Reads and checks the export folder `dir` (the `--data-dir` of `csdx cm:stacks:export`).
pub fn read_export(dir: &Path, max_file_bytes: u64) -> anyhow::Result<Export> {
    let root = ConfinedDir::open(dir).map_err(|why| match why {
        Refused::NotAFolder => anyhow::anyhow!("{}: is not a folder", dir.display()),
        why => anyhow::anyhow!("{}: {why}", dir.display()),
    })?;
    read_export_in(root, max_file_bytes)
}

/// Reads and checks the export in the open folder `root`.
pub fn read_export_in(root: ConfinedDir, max_file_bytes: u64) -> anyhow::Result<Export> {
    let root = main_branch(root)?;
    let assets = entry(&root, ASSETS)? == Entry::Folder;
    let present =
        |relative: &str| -> anyhow::Result<bool> { Ok(entry(&root, relative)? == Entry::File) };
    let (environments, master, locales) = (
        present(ENVIRONMENTS)?,
        present(MASTER_LOCALE)?,
        present(LOCALES)?,
    );
    if !assets && !environments && !master {
        bail!(
            "{}: holds no assets/, environments/ or locales/ folder; give the folder a `csdx cm:stacks:export --data-dir` wrote",
            root.shown(Path::new("")).display()
        );
    }
    let (index, folders) = (assets && present(INDEX)?, assets && present(FOLDERS)?);
    let mut json = JsonFiles {
        root: &root,
        left: MAX_JSON_BYTES,
    };
    let small: Vec<PathBuf> = [
        (index, INDEX),
        (folders, FOLDERS),
        (environments, ENVIRONMENTS),
        (master, MASTER_LOCALE),
        (master && locales, LOCALES),
    ]
    .into_iter()
    .filter(|(here, _)| *here)
    .map(|(_, file)| PathBuf::from(file))
    .collect();
    json.reserve(&small)?;

    let mut export = Export {
        root: root.clone(),
        folders: Vec::new(),
        assets: Vec::new(),
        environments: Vec::new(),
        master_locale: None,
        locales: Vec::new(),
    };
    if folders {
        export.folders = json.read(Path::new(FOLDERS))?;
    }
    if index {
        read_assets(&mut export, &mut json, max_file_bytes)?;
    } else if assets {
        refuse_unindexed(&root, &export)?;
    }
    if environments {
        read_environments(&mut export, &json)?;
    }
    if master {
        read_locales(&mut export, &json, locales)?;
    }
    check_tree(&export)?;
    Ok(export)
}

/// The folder the stack's content is in: a stack with branches is exported as
/// `<dir>/branches.json` and `<dir>/<branch>/...`, and its `main` branch is the one loaded.
fn main_branch(root: ConfinedDir) -> anyhow::Result<ConfinedDir> {
    let main = crate::domain::branches::MAIN;
    let branched = entry(&root, ASSETS)? != Entry::Folder
        && entry(&root, main)? == Entry::Folder
        && (entry(&root, "branches.json")? == Entry::File
            || entry(&root, &format!("{main}/{ASSETS}"))? == Entry::Folder);
    if !branched {
        return Ok(root);
    }
    root.open_dir(Path::new(main))
        .map_err(|why| refused(&root, Path::new(main), why))
}

/// `assets/` without `assets.json`: fine for an export of folders only, refused when
/// it holds chunks or files that would be dropped without a word.
fn refuse_unindexed(root: &ConfinedDir, export: &Export) -> anyhow::Result<()> {
    let names = root
        .list(Path::new(ASSETS))
        .map_err(|e| refused(root, Path::new(ASSETS), e))?;
    let stray = names
        .iter()
        .find(|name| (name.ends_with(".json") && *name != "folders.json") || *name == "files");
    match stray {
        Some(name) => bail!(
            "{}: is in the export, but {} (the index of the asset chunks) is missing",
            root.shown(&Path::new(ASSETS).join(name)).display(),
            root.shown(Path::new(INDEX)).display()
        ),
        None if export.folders.is_empty() => bail!(
            "{}: is missing (the index of the asset files)",
            root.shown(Path::new(INDEX)).display()
        ),
        None => Ok(()),
    }
}

/// Reads the chunk index, then every chunk (their sizes counted first), checking each
/// asset and its file.
fn read_assets(
    export: &mut Export,
    json: &mut JsonFiles,
    max_file_bytes: u64,
) -> anyhow::Result<()> {
    let root = json.root;
    let index: HashMap<String, String> = json.read(Path::new(INDEX))?;
    let mut chunks: Vec<(u64, String)> = index
        .into_iter()
        .map(|(n, file)| (n.parse().unwrap_or(u64::MAX), file))
        .collect();
    chunks.sort();
    let mut paths = Vec::with_capacity(chunks.len());
    for (_, chunk) in &chunks {
        if chunk.contains(['/', '\\']) || chunk == "." || chunk == ".." || chunk.is_empty() {
            bail!(
                "{}: names the chunk '{chunk}', which is not a file of assets/",
                root.shown(Path::new(INDEX)).display()
            );
        }
        let path = Path::new(ASSETS).join(chunk);
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    json.reserve(&paths)?;
    let mut chunk_of: HashMap<String, PathBuf> = HashMap::new();
    for path in paths {
        let shown = root.shown(&path).display().to_string();
        let records: Entries<ExportAsset> = json.read(&path)?;
        for (uid, mut asset) in records.unique(&shown, "asset")? {
            if uid != asset.uid {
                bail!(
                    "{shown}: the record under '{uid}' has the uid '{}'",
                    asset.uid
                );
            }
            if let Some(first) = chunk_of.insert(uid.clone(), path.clone()) {
                bail!(
                    "{shown}: the asset {uid} is listed in {} too",
                    root.shown(&first).display()
                );
            }
            asset.chunk = path.clone();
            check_asset(root, &asset, &shown, max_file_bytes)?;
            export.assets.push(asset);
        }
    }
    export
        .assets
        .sort_by(|a, b| (&a.created_at, &a.uid).cmp(&(&b.created_at, &b.uid)));
    Ok(())
}

/// Checks one asset record and its file (a regular file inside the export).
fn check_asset(
    root: &ConfinedDir,
    asset: &ExportAsset,
    chunk: &str,
    max_file_bytes: u64,
) -> anyhow::Result<()> {
    let bad = |why: String| anyhow::anyhow!("{chunk}: asset {}: {why}", asset.uid);
    check_uid(&asset.uid).map_err(&bad)?;
    if asset.filename.contains(['/', '\\']) || asset.filename.is_empty() || asset.filename == ".." {
        return Err(bad(format!(
            "the filename '{}' is not a file name",
            asset.filename
        )));
    }
    limits::check_len("title", asset.title.as_deref(), limits::MAX_TITLE_BYTES)
        .map_err(|e| bad(e.to_string()))?;
    limits::check_len(
        "description",
        asset.description.as_deref(),
        limits::MAX_DESCRIPTION_BYTES,
    )
    .map_err(|e| bad(e.to_string()))?;
    limits::check_tags(Some(&asset.tags)).map_err(|e| bad(e.to_string()))?;
    let file = asset.file();
    match root.open_file(&file, max_file_bytes) {
        Ok(_) => Ok(()),
        Err(Refused::Missing) => bail!(
            "{}: is missing (the file of asset {})",
            root.shown(&file).display(),
            asset.uid
        ),
        Err(Refused::TooLarge(_)) => bail!(
            "{}: is larger than --max-upload-bytes ({max_file_bytes})",
            root.shown(&file).display()
        ),
        Err(why) => bail!(
            "{}: {why} (the file of asset {})",
            root.shown(&file).display(),
            asset.uid
        ),
    }
}

/// Reads `environments.json`: unique uids and names, valid names.
fn read_environments(export: &mut Export, json: &JsonFiles) -> anyhow::Result<()> {
    let shown = export.shown(Path::new(ENVIRONMENTS));
    let entries: Entries<ExportEnvironment> = json.read(Path::new(ENVIRONMENTS))?;
    let mut names = HashSet::new();
    for (_, environment) in entries.unique(&shown, "environment")? {
        check_name(&environment.name)
            .map_err(|e| anyhow::anyhow!("{shown}: environment '{}': {e}", environment.name))?;
        if !names.insert(environment.name.clone()) {
            bail!(
                "{shown}: the environment name '{}' is listed twice",
                environment.name
            );
        }
        export.environments.push(environment);
    }
    export.environments.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(())
}

/// Reads the master locale and, when exported, the others: unique uids and codes.
fn read_locales(export: &mut Export, json: &JsonFiles, others: bool) -> anyhow::Result<()> {
    let master_shown = export.shown(Path::new(MASTER_LOCALE));
    let entries: Entries<ExportLocale> = json.read(Path::new(MASTER_LOCALE))?;
    export.master_locale = entries
        .unique(&master_shown, "locale")?
        .into_iter()
        .next()
        .map(|(_, locale)| locale);
    if others {
        let shown = export.shown(Path::new(LOCALES));
        let entries: Entries<ExportLocale> = json.read(Path::new(LOCALES))?;
        export.locales = entries
            .unique(&shown, "locale")?
            .into_iter()
            .map(|(_, locale)| locale)
            .collect();
        export.locales.sort_by(|a, b| a.code.cmp(&b.code));
    }
    let mut codes = HashSet::new();
    let mut uids = HashSet::new();
    for locale in export.master_locale.iter().chain(&export.locales) {
        crate::domain::locales::check_code(&locale.code)
            .map_err(|e| anyhow::anyhow!("{master_shown}: locale '{}': {e}", locale.code))?;
        if !codes.insert(locale.code.as_str()) || !uids.insert(locale.uid.as_str()) {
            bail!(
                "{master_shown}: the locale '{}' ({}) is listed twice",
                locale.code,
                locale.uid
            );
        }
    }
    Ok(())
}

pub(crate) fn check_uid(uid: &str) -> Result<(), String> {
    let ok = !uid.is_empty()
        && uid.len() <= limits::MAX_UID_BYTES
        && uid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!("the uid '{uid}' is not valid"))
    }
}

/// Checks the folder tree: unique uids, parents that exist, the depth and count rules.
fn check_tree(export: &Export) -> anyhow::Result<()> {
    let folders_path = export.shown(Path::new(FOLDERS));
    let bad = |why: String| anyhow::anyhow!("{folders_path}: {why}");
    if export.folders.len() > MAX_FOLDERS as usize {
        return Err(bad(format!(
            "{} folders; a stack holds at most {MAX_FOLDERS}",
            export.folders.len()
        )));
    }
    let parents: HashMap<&str, Option<&str>> = export
        .folders
        .iter()
        .map(|f| (f.uid.as_str(), f.parent_uid.as_deref()))
        .collect();
    let mut seen = HashSet::new();
    for folder in &export.folders {
        check_uid(&folder.uid).map_err(&bad)?;
        limits::check_len("name", Some(&folder.name), limits::MAX_NAME_BYTES)
            .map_err(|e| bad(e.to_string()))?;
        if !seen.insert(folder.uid.as_str()) {
            return Err(bad(format!("the folder {} is listed twice", folder.uid)));
        }
        let mut depth = 1;
        let mut at = folder.parent_uid.as_deref();
        while let Some(parent) = at {
            let Some(next) = parents.get(parent) else {
                return Err(bad(format!(
                    "the parent {parent} of folder {} is not in the export",
                    folder.uid
                )));
            };
            depth += 1;
            if depth > MAX_DEPTH {
                return Err(bad(format!(
                    "folder {} nests deeper than {MAX_DEPTH} levels (or in a loop)",
                    folder.uid
                )));
            }
            at = *next;
        }
    }
    for asset in &export.assets {
        let chunk = export.shown(&asset.chunk);
        if let Some(parent) = asset.parent_uid.as_deref()
            && !parents.contains_key(parent)
        {
            bail!(
                "{chunk}: asset {}: its folder {parent} is not in {folders_path}",
                asset.uid
            );
        }
        if parents.contains_key(asset.uid.as_str()) {
            bail!("{chunk}: asset {}: the uid is a folder's too", asset.uid);
        }
    }
    Ok(())
}

//! The data dir and its lock: one server per data dir, so that two processes never
//! write the same SQLite file or sweep each other's files at start.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

/// An exclusive hold on a data dir, released when dropped (or when the process dies).
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

/// The name of the lock file inside the data dir.
const LOCK_FILE: &str = "mock.lock";

impl DataDirLock {
    /// Creates `dir` if needed and takes its lock, or says who holds it.
    pub fn acquire(dir: &Path) -> anyhow::Result<DataDirLock> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("could not create the data dir {}", dir.display()))?;
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("could not open {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                let who = if holder.is_empty() {
                    "another contentstack-mock".to_owned()
                } else {
                    format!("another contentstack-mock (pid {holder})")
                };
                anyhow::bail!(
                    "the data dir {} is in use by {who}; stop it, or give this one another --data-dir",
                    dir.display()
                );
            }
            Err(TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("could not lock {}", path.display()));
            }
        }
        file.set_len(0)?;
        file.rewind()?;
        write!(file, "{}", std::process::id())?;
        file.flush()?;
        Ok(DataDirLock { _file: file })
    }
}

/// A fresh folder for `--ephemeral` data, removed at exit.
pub fn ephemeral_dir() -> PathBuf {
    std::env::temp_dir().join(format!(
        "contentstack-mock-{}",
        uuid::Uuid::new_v4().simple()
    ))
}

//! Reading files inside a folder without ever leaving it, for exports given to `--seed`:
//! every step below the folder is opened relative to its parent with `O_NOFOLLOW`, so a
//! symbolic link (to a file or a folder, absolute or relative) is refused instead of
//! followed; `..` is refused before anything is opened; a file must be a regular file
//! with one link (a hard link to a file elsewhere is refused too) and within a size.
//! What is checked is what is read: the file stays open from the check to the read.

use std::ffi::OsStr;
use std::fs::File;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;

/// An open folder; everything below it is reached through it.
#[derive(Debug, Clone)]
pub struct ConfinedDir {
    fd: Arc<OwnedFd>,
    /// Where it is, for messages.
    shown: PathBuf,
}

/// What is at a path below a [`ConfinedDir`] (never following a link).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Missing,
    File,
    Folder,
    /// A symbolic link, a device, a pipe or a socket: never read.
    Other,
}

/// Why a path below the folder cannot be read; the message says it after the path.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("is missing")]
    Missing,
    #[error("is a symbolic link (nothing outside the folder is read)")]
    Link,
    #[error("is not a regular file")]
    NotAFile,
    #[error("is not a folder")]
    NotAFolder,
    #[error("has more than one hard link (nothing outside the folder is read)")]
    HardLink,
    #[error("is larger than {0} bytes")]
    TooLarge(u64),
    #[error("is not a path inside the folder")]
    Outside,
    #[error("cannot be read: {0}")]
    Io(std::io::Error),
}

impl From<Errno> for Refused {
    fn from(errno: Errno) -> Refused {
        match errno {
            Errno::NOENT => Refused::Missing,
            // O_NOFOLLOW on a link answers ELOOP; O_DIRECTORY on a file ENOTDIR.
            Errno::LOOP | Errno::MLINK => Refused::Link,
            Errno::NOTDIR => Refused::NotAFolder,
            other => Refused::Io(other.into()),
        }
    }
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);
// NONBLOCK: opening a named pipe must not wait for a writer (it is refused after).
const FILE_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC)
    .union(OFlags::NONBLOCK);

impl ConfinedDir {
    /// Opens the folder `path` itself (a link naming it is followed: whoever gave the
    /// path chose it).
    pub fn open(path: &Path) -> Result<ConfinedDir, Refused> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = rustix::fs::open(path, flags, Mode::empty())?;
        Ok(ConfinedDir {
            fd: Arc::new(fd),
            shown: path.to_path_buf(),
        })
    }

    /// The same folder, shown in messages as `shown`.
    pub fn shown_as(mut self, shown: impl Into<PathBuf>) -> ConfinedDir {
        self.shown = shown.into();
        self
    }

    /// The path of `relative` below this folder, for messages.
    pub fn shown(&self, relative: &Path) -> PathBuf {
        self.shown.join(relative)
    }

    /// Opens the folder at `relative` below this one.
    pub fn open_dir(&self, relative: &Path) -> Result<ConfinedDir, Refused> {
        let mut fd: Option<OwnedFd> = None;
        for name in names(relative)? {
            let parent = fd.as_ref().unwrap_or(&self.fd);
            let opened = match rustix::fs::openat(parent, name, DIR_FLAGS, Mode::empty()) {
                Ok(opened) => opened,
                // O_DIRECTORY | O_NOFOLLOW on a link answers ENOTDIR: say which it was.
                Err(Errno::NOTDIR) => return Err(kind_of(parent, name)),
                Err(errno) => return Err(errno.into()),
            };
            fd = Some(opened);
        }
        Ok(ConfinedDir {
            fd: fd.map_or_else(|| self.fd.clone(), Arc::new),
            shown: self.shown.join(relative),
        })
    }

    /// What is at `relative`, without following a link and without opening a file.
    pub fn entry(&self, relative: &Path) -> Result<Entry, Refused> {
        let (parent, name) = match self.parent_of(relative) {
            Ok(found) => found,
            Err(Refused::Missing) => return Ok(Entry::Missing),
            Err(why) => return Err(why),
        };
        let stat = match rustix::fs::statat(&*parent.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => stat,
            Err(Errno::NOENT) => return Ok(Entry::Missing),
            Err(errno) => return Err(errno.into()),
        };
        Ok(match FileType::from_raw_mode(stat.st_mode) {
            FileType::RegularFile => Entry::File,
            FileType::Directory => Entry::Folder,
            _ => Entry::Other,
        })
    }

    /// Opens the regular file at `relative` and returns it with its size, refusing
    /// links, other kinds of files, hard-linked files and files over `max_bytes`.
    pub fn open_file(&self, relative: &Path, max_bytes: u64) -> Result<(File, u64), Refused> {
        let (parent, name) = self.parent_of(relative)?;
        let fd = rustix::fs::openat(&*parent.fd, name, FILE_FLAGS, Mode::empty())?;
        let stat = rustix::fs::fstat(&fd)?;
        if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
            return Err(Refused::NotAFile);
        }
        if stat.st_nlink > 1 {
            return Err(Refused::HardLink);
        }
        let size = u64::try_from(stat.st_size).unwrap_or(0);
        if size > max_bytes {
            return Err(Refused::TooLarge(max_bytes));
        }
        Ok((File::from(fd), size))
    }

    /// Reads the regular file at `relative` whole (at most `max_bytes`).
    pub fn read(&self, relative: &Path, max_bytes: u64) -> Result<Vec<u8>, Refused> {
        let (file, size) = self.open_file(relative, max_bytes)?;
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        // A file that grows after the check is cut at the limit, and refused.
        file.take(max_bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(Refused::Io)?;
        if bytes.len() as u64 > max_bytes {
            return Err(Refused::TooLarge(max_bytes));
        }
        Ok(bytes)
    }

    /// The names in the folder at `relative` (without `.` and `..`).
    pub fn list(&self, relative: &Path) -> Result<Vec<String>, Refused> {
        let dir = self.open_dir(relative)?;
        let mut names = Vec::new();
        // `read_from` reads through a descriptor of its own (the folder opened again).
        for entry in rustix::fs::Dir::read_from(&*dir.fd)? {
            let entry = entry?;
            let name = OsStr::from_bytes(entry.file_name().to_bytes());
            if name != "." && name != ".." {
                names.push(name.to_string_lossy().into_owned());
            }
        }
        names.sort();
        Ok(names)
    }

    /// The folder holding `relative`, and its last name.
    fn parent_of<'p>(&self, relative: &'p Path) -> Result<(ConfinedDir, &'p OsStr), Refused> {
        let mut parts = names(relative)?;
        let name = parts.pop().ok_or(Refused::Outside)?;
        let parent: PathBuf = parts.iter().collect();
        Ok((self.open_dir(&parent)?, name))
    }
}

/// Why `name` in `parent` cannot be opened as a folder: a link, or something else.
fn kind_of(parent: &OwnedFd, name: &OsStr) -> Refused {
    match rustix::fs::statat(parent, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(stat) if FileType::from_raw_mode(stat.st_mode) == FileType::Symlink => Refused::Link,
        _ => Refused::NotAFolder,
    }
}

/// The names of a relative path; `..`, `.`, a root or a prefix are refused.
fn names(relative: &Path) -> Result<Vec<&OsStr>, Refused> {
    relative
        .components()
        .map(|component| match component {
            Component::Normal(name) => Ok(name),
            _ => Err(Refused::Outside),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn links_parents_and_hard_links_are_refused() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("export");
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/b/file.txt"), b"inside").unwrap();
        std::fs::write(temp.path().join("secret"), b"outside").unwrap();
        symlink(temp.path().join("secret"), root.join("a/abs")).unwrap();
        symlink("../../secret", root.join("a/rel")).unwrap();
        symlink(root.join("a/b"), root.join("linked")).unwrap();
        std::fs::hard_link(temp.path().join("secret"), root.join("hard")).unwrap();
        let dir = ConfinedDir::open(&root).unwrap();

        assert_eq!(dir.read(Path::new("a/b/file.txt"), 100).unwrap(), b"inside");
        assert!(matches!(
            dir.read(Path::new("a/abs"), 100),
            Err(Refused::Link)
        ));
        assert!(matches!(
            dir.read(Path::new("a/rel"), 100),
            Err(Refused::Link)
        ));
        assert!(matches!(
            dir.read(Path::new("linked/file.txt"), 100),
            Err(Refused::Link)
        ));
        assert!(matches!(
            dir.read(Path::new("hard"), 100),
            Err(Refused::HardLink)
        ));
        assert!(matches!(
            dir.read(Path::new("a/../../secret"), 100),
            Err(Refused::Outside)
        ));
        assert!(matches!(
            dir.read(Path::new("/etc/passwd"), 100),
            Err(Refused::Outside)
        ));
        assert!(matches!(
            dir.read(Path::new("a/b"), 100),
            Err(Refused::NotAFile)
        ));
        assert!(matches!(
            dir.read(Path::new("a/nope"), 100),
            Err(Refused::Missing)
        ));
        assert!(matches!(
            dir.read(Path::new("a/b/file.txt"), 3),
            Err(Refused::TooLarge(3))
        ));
        assert_eq!(dir.entry(Path::new("linked")).unwrap(), Entry::Other);
        assert_eq!(dir.entry(Path::new("a")).unwrap(), Entry::Folder);
        assert_eq!(dir.entry(Path::new("nope")).unwrap(), Entry::Missing);
        assert_eq!(dir.list(Path::new("a")).unwrap(), ["abs", "b", "rel"]);
    }
}

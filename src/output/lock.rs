//! One build of an output at a time: an advisory lock (`flock` on Unix,
//! `LockFileEx` on Windows, through std's `File::lock`) on `.<name>.lock`
//! beside the output. A second build waits for the first and says so. The lock
//! file also records that the output's name belongs to opora (see
//! `guard::made_by_opora`).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

use super::{Found, Layout, Note, OutputError, clear, found};

/// What the lock file says once opora has claimed the output.
const STAMP: &str = "opora: the folder beside this file is a site built by opora\n";

pub(crate) struct BuildLock {
    file: File,
    writable: bool,
}

impl BuildLock {
    /// Takes the lock, waiting (with a message) while another build holds it.
    pub fn take(layout: &Layout, notes: &mut Vec<Note>) -> Result<BuildLock, OutputError> {
        let path = layout.lock();
        if matches!(found(&path), Ok(Found::Link | Found::Folder)) {
            // Opening would follow the link; a folder cannot be locked.
            clear(layout, &path, notes)?;
        }
        let open = |write: bool| {
            OpenOptions::new()
                .read(true)
                .write(write)
                .create(write)
                .truncate(false)
                .open(&path)
        };
        // A lock file left by another user can still be locked for reading.
        let (file, writable) = match open(true) {
            Ok(f) => (f, true),
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied && path.exists() => {
                (open(false).map_err(|e| cannot_lock(&path, &e))?, false)
            }
            Err(e) => return Err(cannot_lock(&path, &e)),
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                eprintln!(
                    "another build is running into {}; waiting for it to finish…",
                    layout.target().display()
                );
                file.lock().map_err(|e| cannot_lock(&path, &e))?;
            }
            Err(TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {
                notes.push(Note {
                    path: path.clone(),
                    message: format!(
                        "this file system cannot lock {}; make sure no other build of this output runs at the same time",
                        path.display()
                    ),
                    hint: None,
                });
            }
            Err(TryLockError::Error(e)) => return Err(cannot_lock(&path, &e)),
        }
        Ok(BuildLock { file, writable })
    }

    /// Records that the output belongs to opora (best effort: a lock file of
    /// another user that already says so needs no change).
    pub fn stamp(&mut self) {
        let mut text = String::new();
        let _ = self.file.read_to_string(&mut text);
        if text == STAMP || !self.writable {
            return;
        }
        let _ = self.file.set_len(0);
        let _ = self.file.rewind();
        let _ = self.file.write_all(STAMP.as_bytes());
    }
}

/// Whether the lock file at `path` says its output is opora's (read only).
pub(crate) fn is_stamped(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
        && std::fs::read_to_string(path).is_ok_and(|t| t == STAMP)
}

fn cannot_lock(path: &Path, e: &std::io::Error) -> OutputError {
    OutputError::new(
        path,
        format!("cannot lock {} against a second build: {e}", path.display()),
        "check the permissions of the output's folder",
    )
}

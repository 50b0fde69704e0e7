//! Files a build keeps beside the output for the next one (the record of a
//! site folder, the findings of validation). They live in the output's
//! parent, which others may write to: each is read and written never
//! through a link, never waiting on a FIFO left in its place, and replaced
//! whole by a rename, so a half-written one is never read.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

/// Opens the regular file at `path` for reading, or fails.
pub(crate) fn open(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK).bits() as i32);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is not a regular file", path.display()),
        ));
    }
    Ok(file)
}

/// The bytes of the regular file at `path`, if there is one of at most `max` bytes.
pub(crate) fn read(path: &Path, max: u64) -> Option<Vec<u8>> {
    let file = open(path).ok()?;
    let meta = file.metadata().ok()?;
    // In one go, into room for all of it.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len().min(max)).ok()? + 1);
    file.take(max + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 <= max).then_some(bytes)
}

/// The regular file at `path` mapped into memory, if this user owns it, no
/// one else may write to it, and it is at most `max` bytes: what a build
/// takes from it unchecked (records it would otherwise parse) must be what a
/// build of this user kept. Mapped, not read: a record store is ~120 MB at
/// 50,000 services, and reading it copied it into as much freshly faulted
/// memory (mapped, a one-file rebuild's `load` went from 0.69 to 0.64 s,
/// medians of 9). Side files are replaced by a rename, never written in
/// place, so the mapped bytes stay as they were.
pub(crate) fn map_own(path: &Path, max: u64) -> Option<memmap2::Mmap> {
    let file = open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !owned_alone(&meta) || meta.len() > max {
        return None;
    }
    // SAFETY: the file is this user's and no one else may write to it, and
    // opora replaces such files whole, so nothing changes it while it is
    // mapped; `populate` maps all of it at once, as it is read whole next.
    unsafe { memmap2::MmapOptions::new().populate().map(&file) }.ok()
}

/// Whether what `meta` describes is this user's and no one else may write
/// to it: what a build trusts unchecked must be what a build of this user
/// left.
pub(crate) fn owned_alone(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        meta.uid() == rustix::process::geteuid().as_raw() && meta.mode() & 0o022 == 0
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        true
    }
}

/// Writes `path` as `fill` makes it: into `<path>.partial` first, created
/// afresh (whatever was there, a link included, is deleted, never written
/// through), flushed to disk when `durable`, then renamed over `path`. (Each
/// file has a partial name of its own: two records written at once must not
/// meet in one.)
pub(crate) fn replace(
    path: &Path,
    durable: bool,
    fill: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = Path::new(&partial);
    match std::fs::remove_file(partial) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(partial)?;
    let mut out = BufWriter::new(file);
    fill(&mut out)?;
    out.flush()?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    if durable {
        file.sync_all()?;
    }
    std::fs::rename(partial, path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_side_file_is_never_read_or_written_through_a_link_or_from_a_fifo() {
        let tmp = tempfile::tempdir().unwrap();
        let (path, partial) = (
            tmp.path().join(".site.x"),
            tmp.path().join(".site.x.partial"),
        );
        let victim = tmp.path().join("victim");
        std::fs::write(&victim, "the user's own file").unwrap();
        std::os::unix::fs::symlink(&victim, &partial).unwrap();
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        assert_eq!(read(&path, 100), None);
        replace(&path, false, |w| w.write_all(b"memo")).unwrap();
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "the user's own file"
        );
        assert_eq!(read(&path, 100).as_deref(), Some(&b"memo"[..]));
        assert_eq!(read(&path, 3), None);
        std::fs::remove_file(&path).unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap();
        assert_eq!(read(&path, 100), None);
    }
}

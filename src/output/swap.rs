//! The commit point: the staged site takes the output's place in one step.
//!
//! On Linux (`renameat2(RENAME_EXCHANGE)`) and macOS (`renameatx_np(RENAME_SWAP)`)
//! the two folders are exchanged atomically, through `rustix`: at every moment
//! the output's name holds a complete site, the old one or the new one. Where
//! the OS or file system cannot exchange, two renames are used; a kill between
//! them leaves no output until the next build, which completes the swap first
//! (a marker file says that the staged site was complete).

use std::io;
use std::path::Path;

use super::{Found, Layout, checkpoint, found};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Swapped {
    /// There was no output before.
    Fresh,
    /// The previous site is now at the staging name.
    Exchanged,
    /// The previous site is now at the spare name.
    Portable,
}

/// Puts the staging folder in the output's place.
pub(crate) fn swap_in(layout: &Layout) -> io::Result<Swapped> {
    let (staging, target) = (layout.staging(), layout.target());
    if found(&target)? == Found::Nothing {
        std::fs::rename(&staging, &target)?;
        checkpoint("swapped");
        return Ok(Swapped::Fresh);
    }
    if std::env::var_os("OPORA_TEST_PORTABLE_SWAP").is_none() {
        match exchange(&staging, &target) {
            Ok(()) => {
                checkpoint("swapped");
                return Ok(Swapped::Exchanged);
            }
            Err(e) if !cannot_exchange(&e) => return Err(e),
            Err(_) => {}
        }
    }
    portable(layout)
}

/// Two renames, with a marker so that [`recover`] can finish the job.
fn portable(layout: &Layout) -> io::Result<Swapped> {
    let (staging, target, spare, marker) = (
        layout.staging(),
        layout.target(),
        layout.spare(),
        layout.swap_marker(),
    );
    if found(&spare)? != Found::Nothing {
        // Normally recycled into the staging folder already; it is opora's.
        let mut notes = Vec::new();
        super::clear(layout, &spare, &mut notes).map_err(|e| io::Error::other(e.to_string()))?;
    }
    std::fs::write(&marker, b"the staged site is complete\n")?;
    checkpoint("portable-marked");
    std::fs::rename(&target, &spare)?;
    checkpoint("portable-moved-out");
    if let Err(e) = std::fs::rename(&staging, &target) {
        let _ = std::fs::rename(&spare, &target);
        let _ = std::fs::remove_file(&marker);
        return Err(e);
    }
    checkpoint("swapped");
    std::fs::remove_file(&marker)?;
    Ok(Swapped::Portable)
}

/// Completes a portable swap that a killed build left half done.
pub(crate) fn recover(layout: &Layout) -> io::Result<()> {
    let marker = layout.swap_marker();
    if found(&marker)? == Found::Nothing {
        return Ok(());
    }
    if found(&layout.target())? == Found::Nothing && found(&layout.staging())? == Found::Folder {
        std::fs::rename(layout.staging(), layout.target())?;
    }
    std::fs::remove_file(&marker)
}

#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

/// Errors that mean "this kernel or file system has no exchange", not "this
/// exchange failed".
fn cannot_exchange(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        use rustix::io::Errno;
        // (NOTSUP and OPNOTSUPP are one value on Linux, two on macOS.)
        let unsupported = [Errno::INVAL, Errno::NOSYS, Errno::NOTSUP, Errno::OPNOTSUPP];
        if let Some(errno) = e.raw_os_error().map(Errno::from_raw_os_error)
            && unsupported.contains(&errno)
        {
            return true;
        }
    }
    e.kind() == io::ErrorKind::Unsupported
}

//! Work that waits on the disk more than it computes: reading many small
//! files or folders that have fallen out of the system's caches (the
//! recycled site, the content after an editor's pause). With one thread per
//! core each read waits alone; with many, the disk serves several at once.

/// Threads for disk-bound work: enough to keep a disk's queue busy, few
/// enough that their stacks cost nothing worth measuring.
const THREADS: usize = 16;

/// Runs `work` with rayon's parallel iterators and scopes spread over
/// [`THREADS`] threads instead of one per core. If no such pool can be
/// made, `work` runs on the usual one.
pub fn disk_bound<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    match rayon::ThreadPoolBuilder::new()
        .num_threads(THREADS)
        .thread_name(|i| format!("opora-io-{i}"))
        .build()
    {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}

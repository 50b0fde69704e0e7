//! Accepting connections for the preview server within [`Limits`]: one thread
//! per connection up to `max_connections`, a `503` beyond it, and no busy
//! loop when the process runs out of descriptors.

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::http::{self, Limits, Response};

/// Accepts connections forever; each runs `handle` on its own thread.
pub fn serve(
    listener: TcpListener,
    limits: Limits,
    handle: impl Fn(TcpStream, &Limits) + Send + Sync + 'static,
) {
    let limits = Arc::new(limits);
    let handle = Arc::new(handle);
    let connections = Arc::new(AtomicUsize::new(0));
    let refuse_busy = busy_refuser(64);
    loop {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of descriptors, most likely: the pending client waits in
                // the backlog until a connection closes. Do not spin meanwhile.
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let Some(slot) = Slot::take(&connections, limits.max_connections) else {
            // When even the refuser is behind, the connection is simply closed.
            let _ = refuse_busy.try_send((stream, Instant::now()));
            continue;
        };
        let (handle, limits) = (Arc::clone(&handle), Arc::clone(&limits));
        // If no thread can be had, the closure (and the connection) is dropped.
        let _ = std::thread::Builder::new()
            .name("opora-serve".into())
            .spawn(move || {
                let _slot = slot;
                handle(stream, &limits);
            });
    }
}

/// One of a bounded number of places (connections, event streams); freed on drop.
pub struct Slot(Arc<AtomicUsize>);

impl Slot {
    pub fn take(count: &Arc<AtomicUsize>, max: usize) -> Option<Slot> {
        count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(Arc::clone(count)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

pub fn busy() -> Response {
    Response::new(
        "503 Service Unavailable",
        "text/plain; charset=utf-8",
        "too many connections; try again in a moment",
    )
}

/// One thread that answers `503` to the connections over the limit, in the
/// order they came. Its request is read first (closing a socket with unread
/// input resets it, and the client would never see the answer), waiting at most
/// 100 ms from when the connection was accepted: a queue of idle sockets costs
/// that once, not once per socket.
fn busy_refuser(queue: usize) -> std::sync::mpsc::SyncSender<(TcpStream, Instant)> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<(TcpStream, Instant)>(queue);
    std::thread::spawn(move || {
        for (mut stream, accepted) in rx {
            let wait =
                (accepted + Duration::from_millis(100)).saturating_duration_since(Instant::now());
            let quick = Limits {
                head_timeout: wait.max(Duration::from_millis(1)),
                ..Limits::default()
            };
            let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
            let _ = http::read_request(&stream, &quick);
            let _ = http::write_response(&mut stream, &busy(), false);
        }
    });
    tx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_and_freed_on_drop() {
        let count = Arc::new(AtomicUsize::new(0));
        let a = Slot::take(&count, 2).unwrap();
        let _b = Slot::take(&count, 2).unwrap();
        assert!(Slot::take(&count, 2).is_none());
        drop(a);
        assert!(Slot::take(&count, 2).is_some());
        assert_eq!(count.load(Ordering::Acquire), 1);
    }
}

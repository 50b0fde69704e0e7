//! Just enough HTTP/1.1 for a local preview server: read one request head
//! within fixed limits, write one response, close. One request per connection.
//!
//! Why by hand: the server answers GET/HEAD for files and one event stream.
//! `tiny_http` has no limit on the request head and no head timeout (both are
//! the point here), and `hyper`/`axum` bring an async runtime and some forty
//! crates to every cold CI build for a loopback preview. The limits are what
//! matter, and they are small enough to read in one place:
//!
//! - the whole request head must arrive within [`Limits::head_timeout`]
//!   (one deadline, not per read, so a client trickling a byte at a time is cut
//!   off too) — an idle connection frees its thread and descriptor;
//! - the request line and the head are read into a buffer that never grows past
//!   [`Limits::max_head`]: a 64 MB line without a newline gets `431` after the
//!   first few kilobytes, never buffered whole;
//! - the server serves at most [`Limits::max_connections`] at once (and at most
//!   [`Limits::max_event_streams`] live-reload streams among them), answering
//!   `503` beyond that, so idle sockets cannot exhaust threads or descriptors.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// Bounds on what one client may cost the server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Time from accepting a connection to the end of its request head.
    pub head_timeout: Duration,
    /// A write that makes no progress for this long ends the connection.
    pub write_timeout: Duration,
    /// Longest request line (method, target, version), in bytes.
    pub max_request_line: usize,
    /// Longest request head (request line and all header fields), in bytes.
    pub max_head: usize,
    /// Most header fields in one request.
    pub max_headers: usize,
    /// Connections served at the same time, event streams included.
    pub max_connections: usize,
    /// Live-reload event streams open at the same time (one per open tab).
    pub max_event_streams: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // Browsers send the whole head in one packet; on loopback 5 s is generous.
            head_timeout: Duration::from_secs(5),
            write_timeout: Duration::from_secs(10),
            // Apache's and nginx's defaults are 8 KiB per line.
            max_request_line: 8 * 1024,
            max_head: 16 * 1024,
            max_headers: 100,
            // Well below the usual 1024-descriptor limit: one descriptor each.
            max_connections: 128,
            max_event_streams: 32,
        }
    }
}

pub struct Request {
    pub method: String,
    pub target: String,
}

/// Why no request could be read; each but `Closed` is answered before closing.
#[derive(Debug)]
pub enum HeadError {
    /// The client closed the connection (or reset it) before a full head.
    Closed,
    /// The head did not arrive within [`Limits::head_timeout`].
    TimedOut,
    /// The request line or the head passed a size limit; says which.
    TooLarge(&'static str),
    /// Not an HTTP/1.x request line.
    Malformed,
}

impl HeadError {
    /// The response for the client, if it is still there to read one.
    pub fn response(&self) -> Option<Response> {
        let text = "text/plain; charset=utf-8";
        match self {
            HeadError::Closed => None,
            HeadError::TimedOut => Some(Response::new(
                "408 Request Timeout",
                text,
                "the request did not arrive in time",
            )),
            HeadError::TooLarge(what) => Some(Response::new(
                "431 Request Header Fields Too Large",
                text,
                format!("{what} too large"),
            )),
            HeadError::Malformed => Some(Response::new("400 Bad Request", text, "bad request")),
        }
    }
}

/// Reads one request head from `stream` within `limits`; the body, if any, is ignored.
pub fn read_request(stream: &TcpStream, limits: &Limits) -> Result<Request, HeadError> {
    let deadline = Instant::now() + limits.head_timeout;
    let mut head: Vec<u8> = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = head_end(&head) {
            return parse_head(&head[..end], limits);
        }
        if !head.contains(&b'\n') && head.len() > limits.max_request_line {
            return Err(HeadError::TooLarge("request line"));
        }
        if head.len() > limits.max_head {
            return Err(HeadError::TooLarge("request header fields"));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(HeadError::TimedOut);
        }
        if stream.set_read_timeout(Some(left)).is_err() {
            return Err(HeadError::Closed);
        }
        // Never read more than one byte past the limit: nothing is buffered beyond it.
        let room = (limits.max_head + 1 - head.len()).min(chunk.len());
        match (&*stream).read(&mut chunk[..room]) {
            Ok(0) => return Err(HeadError::Closed),
            Ok(n) => head.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(HeadError::TimedOut);
            }
            Err(_) => return Err(HeadError::Closed),
        }
    }
}

/// Where the head ends (after its blank line), if it has arrived.
fn head_end(bytes: &[u8]) -> Option<usize> {
    let crlf = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4);
    let lf = bytes.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn parse_head(head: &[u8], limits: &Limits) -> Result<Request, HeadError> {
    let text = std::str::from_utf8(head).map_err(|_| HeadError::Malformed)?;
    let mut lines = text.split('\n').map(|l| l.trim_end_matches('\r'));
    let line = lines.next().unwrap_or("");
    if line.len() > limits.max_request_line {
        return Err(HeadError::TooLarge("request line"));
    }
    if lines.filter(|l| !l.is_empty()).count() > limits.max_headers {
        return Err(HeadError::TooLarge("request header fields"));
    }
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::Malformed);
    };
    let token = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase());
    if !token(method) || !target.starts_with('/') || !version.starts_with("HTTP/1.") {
        return Err(HeadError::Malformed);
    }
    Ok(Request {
        method: method.to_string(),
        target: target.to_string(),
    })
}

pub struct Response {
    pub status: &'static str,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: &'static str, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            content_type,
            body: body.into(),
        }
    }
}

pub fn write_response(
    stream: &mut TcpStream,
    r: &Response,
    head_only: bool,
) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        r.status,
        r.content_type,
        r.body.len()
    )?;
    if !head_only {
        stream.write_all(&r.body)?;
    }
    stream.flush()
}

/// Answers a request that will not be read to its end, then closes gently:
/// closing a socket with unread input resets it, and the reset can destroy the
/// answer before the client reads it. So the input is read and thrown away —
/// at most `1 MiB` for at most a second, never kept — after the answer is sent.
pub fn refuse(stream: &mut TcpStream, r: &Response) {
    if write_response(stream, r, false).is_err() {
        return;
    }
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut discarded = 0usize;
    let mut sink = [0u8; 8192];
    while discarded < 1 << 20 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => discarded += n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(head: &str) -> Result<Request, HeadError> {
        parse_head(head.as_bytes(), &Limits::default())
    }

    #[test]
    fn finds_the_end_of_a_head_with_either_line_ending() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody"), Some(27));
        assert_eq!(head_end(b"GET / HTTP/1.1\nHost: x\n\n"), Some(24));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
    }

    #[test]
    fn parses_a_request_line_and_refuses_anything_else() {
        let r = parse("GET /a/?q=1 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!((r.method.as_str(), r.target.as_str()), ("GET", "/a/?q=1"));
        for bad in [
            "GET\r\n\r\n",
            "GET / \r\n\r\n",
            "GET  / HTTP/1.1\r\n\r\n",
            "get / HTTP/1.1\r\n\r\n",
            "GET http://evil/ HTTP/1.1\r\n\r\n",
            "GET / SPDY/3\r\n\r\n",
            "GET / HTTP/1.1 extra\r\n\r\n",
        ] {
            assert!(matches!(parse(bad), Err(HeadError::Malformed)), "{bad:?}");
        }
    }

    /// A client connected to a fresh listener, and the server's end of it.
    fn pair() -> (TcpStream, TcpStream) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (client, server)
    }

    #[test]
    fn an_overlong_request_line_is_refused_after_reading_at_most_the_limit() {
        let (mut client, server) = pair();
        let limits = Limits::default();
        // 1 MiB without a newline; the server must stop long before the end.
        let sent = 1 << 20;
        let writer = std::thread::spawn(move || {
            let line = vec![b'A'; sent];
            client.write_all(&line).unwrap();
            client.shutdown(Shutdown::Write).unwrap();
            client
        });
        let err = read_request(&server, &limits).err().unwrap();
        assert!(
            matches!(err, HeadError::TooLarge("request line")),
            "{err:?}"
        );
        assert!(err.response().unwrap().status.starts_with("431"));
        // What is still unread was never buffered.
        let mut rest = Vec::new();
        (&server).read_to_end(&mut rest).unwrap();
        let consumed = sent - rest.len();
        assert!(
            consumed <= limits.max_head + 1,
            "read {consumed} bytes of an overlong line"
        );
        drop(writer.join().unwrap());
    }

    #[test]
    fn a_silent_client_times_out() {
        let (_client, server) = pair();
        let limits = Limits {
            head_timeout: Duration::from_millis(200),
            ..Limits::default()
        };
        let t = Instant::now();
        let err = read_request(&server, &limits).err().unwrap();
        assert!(matches!(err, HeadError::TimedOut), "{err:?}");
        assert!(t.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn a_trickling_client_times_out_on_one_deadline_for_the_whole_head() {
        let (mut client, server) = pair();
        let limits = Limits {
            head_timeout: Duration::from_millis(400),
            ..Limits::default()
        };
        // One byte every 100 ms: each read succeeds, the whole never arrives in time.
        let writer = std::thread::spawn(move || {
            for b in b"GET / HTTP/1.1\r\nX-Slow: ".iter().cycle().take(40) {
                if client.write_all(&[*b]).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        let t = Instant::now();
        let err = read_request(&server, &limits).err().unwrap();
        assert!(matches!(err, HeadError::TimedOut), "{err:?}");
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        drop(server);
        writer.join().unwrap();
    }

    #[test]
    fn too_many_header_fields_are_refused() {
        let mut head = "GET / HTTP/1.1\r\n".to_string();
        for i in 0..101 {
            head.push_str(&format!("X-{i}: y\r\n"));
        }
        head.push_str("\r\n");
        assert!(matches!(parse(&head), Err(HeadError::TooLarge(_))));
    }
}

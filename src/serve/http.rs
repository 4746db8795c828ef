//! The HTTP/1.1 server under `serve`: a thread per connection, one request
//! per connection (`Connection: close`), request heads parsed by `httparse`.
//!
//! A development server on loopback needs no keep-alive, and a thread of its
//! own per connection means a page's event stream, open for as long as the
//! page is, can never hold up another request. (tiny_http, used before,
//! gave connections threads from a pool that could leave a new connection
//! queued behind open ones when several arrived at once: a page's load then
//! waited until some other page closed.)

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// The most bytes a request head may have.
const MAX_HEAD: usize = 16 * 1024;
/// How long a client may take to send its request head.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Request {
    pub method: String,
    /// The request target as sent: path and query.
    pub url: String,
    stream: TcpStream,
}

pub struct Response {
    code: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Response {
    pub fn new(code: u16, body: Vec<u8>, content_type: &str) -> Response {
        Response {
            code,
            headers: vec![
                ("Content-Type", content_type.to_string()),
                ("Cache-Control", "no-store".into()),
                ("X-Content-Type-Options", "nosniff".into()),
            ],
            body,
        }
    }

    pub fn header(mut self, name: &'static str, value: String) -> Response {
        self.headers.push((name, value));
        self
    }
}

/// Accepts connections for ever, handling each request on its own thread.
pub fn run(listener: TcpListener, handle: impl Fn(Request) + Send + Sync + Clone + 'static) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let handle = handle.clone();
        std::thread::spawn(move || {
            if let Some(req) = read_request(stream) {
                handle(req);
            }
        });
    }
}

/// Reads and parses the request head; a malformed or oversized one is
/// answered with 400 or 431 and gives no request.
fn read_request(mut stream: TcpStream) -> Option<Request> {
    stream.set_read_timeout(Some(READ_TIMEOUT)).ok()?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&buf) {
            Ok(httparse::Status::Complete(_)) => {
                let method = parsed.method?.to_string();
                let url = parsed.path?.to_string();
                return Some(Request {
                    method,
                    url,
                    stream,
                });
            }
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => continue,
            Ok(httparse::Status::Partial) => {
                let _ = write_response(&mut stream, false, text(431, "request head too large"));
                return None;
            }
            Err(_) => {
                let _ = write_response(&mut stream, false, text(400, "bad request"));
                return None;
            }
        }
    }
}

/// A plain-text response.
pub fn text(code: u16, msg: &str) -> Response {
    Response::new(
        code,
        format!("{}\n", msg).into_bytes(),
        "text/plain; charset=utf-8",
    )
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        _ => "Internal Server Error",
    }
}

/// The status line and headers; without a length, the body ends when the
/// connection closes.
fn head(r: &Response, length: Option<usize>) -> String {
    let mut out = format!("HTTP/1.1 {} {}\r\n", r.code, reason(r.code));
    if let Some(n) = length {
        out.push_str(&format!("Content-Length: {}\r\n", n));
    }
    out.push_str("Connection: close\r\n");
    for (k, v) in &r.headers {
        out.push_str(k);
        out.push_str(": ");
        out.push_str(v);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out
}

fn write_response(stream: &mut TcpStream, head_only: bool, r: Response) -> std::io::Result<()> {
    let mut bytes = head(&r, Some(r.body.len())).into_bytes();
    if !head_only {
        bytes.extend_from_slice(&r.body);
    }
    stream.write_all(&bytes)?;
    stream.flush()
}

impl Request {
    /// Sends the response (its head only for HEAD) and closes.
    pub fn respond(mut self, r: Response) {
        let head_only = self.method == "HEAD";
        let _ = write_response(&mut self.stream, head_only, r);
    }

    /// Sends the head of a 200 response of `content_type` whose body is
    /// written as it comes (the event stream), and gives the connection
    /// to write it on.
    pub fn into_stream(mut self, content_type: &str) -> std::io::Result<TcpStream> {
        self.stream.set_read_timeout(None)?;
        let r = Response::new(200, Vec::new(), content_type);
        self.stream.write_all(head(&r, None).as_bytes())?;
        Ok(self.stream)
    }
}

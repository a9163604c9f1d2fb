//! Accepting connections and serving HTTP/1.1 on them, in the clear or over TLS, with
//! the limits that keep a crowd of idle, silent or slow clients from holding the service:
//! a cap on open connections (shared by all listeners), a time limit for a request's
//! headers (for a new TLS connection it covers the handshake too), an idle limit for
//! kept-alive connections, `TCP_NODELAY` on every socket, and a graceful stop.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::{Service, ServiceExt};

use crate::error::{ErrorBody, codes};
use crate::routes::origin::{ConnectionInfo, Scheme};

/// The most a connection buffers of what it reads (hyper's default is about 400 KiB):
/// bodies stream through in chunks of at most this size, so a crowd of large uploads
/// holds (and leaves behind in the allocator) far less memory. Request heads must fit.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// The limits of every connection.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// How long a new connection may take to send its first request's headers, and any
    /// request its headers once they have started.
    pub header_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// Most connections open at once; more are answered 503 and closed.
    pub max_connections: usize,
}

/// What a connection's watcher knows of it.
#[derive(Debug, Default)]
struct Activity {
    /// Requests whose answer has not been fully written yet.
    in_flight: AtomicUsize,
    /// Requests the connection has started.
    started: AtomicUsize,
    /// Woken when a request starts, an answer ends, or the first byte of a head arrives.
    changed: Notify,
    /// The number of requests started when bytes of the next head began to arrive.
    head_started_after: std::sync::Mutex<Option<(usize, tokio::time::Instant)>>,
}

impl Activity {
    fn bytes_read(&self) {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return; // body bytes of the request being answered
        }
        let mut head = self
            .head_started_after
            .lock()
            // A panic while the lock was held leaves a plain value: go on with it.
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if head.is_none() {
            *head = Some((
                self.started.load(Ordering::Acquire),
                tokio::time::Instant::now(),
            ));
            self.changed.notify_one();
        }
    }

    fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.started.fetch_add(1, Ordering::AcqRel);
        *self
            .head_started_after
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        self.changed.notify_one();
    }

    fn answer_finished(&self) {
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.changed.notify_one();
    }

    /// When the pending head (if any) runs out of time.
    fn head_deadline(&self, timeout: Duration) -> Option<tokio::time::Instant> {
        let head = self
            .head_started_after
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match *head {
            Some((started, since)) if started == self.started.load(Ordering::Acquire) => {
                Some(since + timeout)
            }
            _ => None,
        }
    }
}

/// A socket that tells its [`Activity`] when bytes arrive.
struct WatchedIo<T> {
    inner: T,
    activity: Arc<Activity>,
}

impl<T: AsyncRead + Unpin> AsyncRead for WatchedIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.bytes_read();
        }
        result
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WatchedIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A response body that tells its [`Activity`] when it has been written (or dropped).
struct TrackedBody {
    inner: Body,
    activity: Arc<Activity>,
}

impl Drop for TrackedBody {
    fn drop(&mut self) {
        self.activity.answer_finished();
    }
}

impl HttpBody for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A bound listener and what its connections speak: HTTP, or HTTPS.
pub struct Listener {
    tcp: TcpListener,
    tls: Option<TlsAcceptor>,
}

impl Listener {
    /// Plain HTTP/1.1.
    pub fn http(tcp: TcpListener) -> Listener {
        Listener { tcp, tls: None }
    }

    /// HTTP/1.1 over TLS, each connection's handshake done with `acceptor`.
    pub fn https(tcp: TcpListener, acceptor: TlsAcceptor) -> Listener {
        Listener {
            tcp,
            tls: Some(acceptor),
        }
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.tcp.local_addr()
    }
}

/// Accepts connections on every listener and serves `app` on them until `shutdown`, then
/// lets the connections finish their current request (they are closed after it). The
/// connection cap counts the connections of all listeners together.
pub async fn serve<S>(
    listeners: Vec<Listener>,
    app: S,
    limits: ConnectionLimits,
    shutdown: CancellationToken,
) where
    S: Service<hyper::Request<Body>, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let connections = TaskTracker::new();
    let accepting = listeners.into_iter().map(|listener| {
        accept(
            listener,
            app.clone(),
            limits,
            permits.clone(),
            connections.clone(),
            shutdown.clone(),
        )
    });
    futures_util::future::join_all(accepting).await;
    connections.close();
    connections.wait().await;
}

/// Accepts connections on one listener until `shutdown`, each served in `connections`.
async fn accept<S>(
    listener: Listener,
    app: S,
    limits: ConnectionLimits,
    permits: Arc<Semaphore>,
    connections: TaskTracker,
    shutdown: CancellationToken,
) where
    S: Service<hyper::Request<Body>, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    loop {
        let (stream, _) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.tcp.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors or a client that left during the handshake:
                    // wait a moment instead of spinning, and keep serving.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let accepted_at = tokio::time::Instant::now();
        // Headers and body go out in separate writes: without this, Nagle's algorithm
        // meets the client's delayed ACK and every kept-alive answer waits ~40 ms.
        let _ = stream.set_nodelay(true);
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            connections.spawn(refuse_busy(
                stream,
                listener.tls.clone(),
                limits.max_connections,
            ));
            continue;
        };
        let app = app.clone();
        let shutdown = shutdown.clone();
        let Ok(local_addr) = stream.local_addr() else {
            continue; // the client is already gone
        };
        let info = ConnectionInfo {
            scheme: if listener.tls.is_some() {
                Scheme::Https
            } else {
                Scheme::Http
            },
            local_addr,
        };
        let timing = Timing {
            limits,
            accepted_at,
        };
        match listener.tls.clone() {
            None => connections.spawn(async move {
                serve_connection(stream, app, info, timing, shutdown).await;
                drop(permit);
            }),
            Some(acceptor) => connections.spawn(serve_tls_connection(
                stream, acceptor, app, info, timing, shutdown, permit,
            )),
        };
    }
}

/// A connection's limits and when it was accepted (its first head is due by then plus
/// the header timeout).
#[derive(Debug, Clone, Copy)]
struct Timing {
    limits: ConnectionLimits,
    accepted_at: tokio::time::Instant,
}

/// Does the TLS handshake, within the header timeout of the accept, then serves the
/// connection as any other (its first request's headers due by the same deadline).
async fn serve_tls_connection<S>(
    stream: TcpStream,
    acceptor: TlsAcceptor,
    app: S,
    info: ConnectionInfo,
    timing: Timing,
    shutdown: CancellationToken,
    permit: OwnedSemaphorePermit,
) where
    S: Service<hyper::Request<Body>, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    let handshake = tokio::time::timeout_at(
        timing.accepted_at + timing.limits.header_timeout,
        acceptor.accept(stream),
    );
    let stream = tokio::select! {
        _ = shutdown.cancelled() => return,
        done = handshake => match done {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                // A client that does not trust the certificate, or does not speak TLS.
                tracing::debug!(error = %e, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!("TLS handshake not done within the header timeout");
                return;
            }
        },
    };
    serve_connection(stream, app, info, timing, shutdown).await;
    drop(permit);
}

/// Serves one connection until it closes, runs out of time, or the server stops. The
/// first request's headers are due within the header timeout of the accept. Every
/// request carries the connection's [`ConnectionInfo`].
async fn serve_connection<T, S>(
    io: T,
    app: S,
    info: ConnectionInfo,
    timing: Timing,
    shutdown: CancellationToken,
) where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: Service<hyper::Request<Body>, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    let activity = Arc::new(Activity::default());
    let io = WatchedIo {
        inner: io,
        activity: activity.clone(),
    };
    let service_activity = activity.clone();
    let Timing {
        limits,
        accepted_at,
    } = timing;
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(info);
        let app = app.clone();
        let activity = service_activity.clone();
        activity.request_started();
        async move {
            let response = app
                .oneshot(request.map(Body::new))
                .await
                .unwrap_or_else(|never: Infallible| match never {});
            Ok::<_, Infallible>(response.map(|inner| TrackedBody { inner, activity }))
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        // Waiting for a request's headers on a kept-alive connection is being idle.
        .header_read_timeout(limits.idle_timeout)
        .max_buf_size(READ_BUFFER_BYTES)
        // A client may shut down its sending side once its request is out (`nc -N`,
        // some proxies) and still wait for the answer: it gets one. The cost: a client
        // that goes away is only noticed when its answer is written (a listing's SQL
        // is bounded by --query-timeout all the same).
        .half_close(true)
        .keep_alive(true);
    let connection = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(connection);
    // The first request's headers must come within the header timeout of the accept.
    *activity
        .head_started_after
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((0, accepted_at));
    let mut closing = false;
    loop {
        let head_deadline = activity.head_deadline(limits.header_timeout);
        tokio::select! {
            _ = connection.as_mut() => return,
            _ = shutdown.cancelled(), if !closing => {
                connection.as_mut().graceful_shutdown();
                closing = true;
            }
            _ = activity.changed.notified() => {}
            _ = sleep_until(head_deadline), if head_deadline.is_some() => {
                if activity.head_deadline(limits.header_timeout).is_some_and(|at| at <= tokio::time::Instant::now()) {
                    // Headers that never complete: a silent or slowloris client.
                    return;
                }
            }
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Answers a connection over the cap with a 503 in the error shape (over TLS on an HTTPS
/// listener), then closes it.
async fn refuse_busy(stream: TcpStream, tls: Option<TlsAcceptor>, max_connections: usize) {
    let message =
        format!("Too many open connections (at most {max_connections}). Please try again.");
    // An error body always serialises; the literal is the same answer, written out.
    let body = serde_json::to_string(&ErrorBody::new(message.clone(), codes::UNAVAILABLE))
        .unwrap_or_else(|_| {
            format!(
                r#"{{"error_message":"{message}","error_code":{},"errors":{{}}}}"#,
                codes::UNAVAILABLE
            )
        });
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         retry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer = async {
        match tls {
            None => write_and_close(stream, response.as_bytes()).await,
            Some(acceptor) => {
                write_and_close(acceptor.accept(stream).await?, response.as_bytes()).await
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), answer).await;
}

async fn write_and_close<T: AsyncWrite + Unpin>(
    mut stream: T,
    bytes: &[u8],
) -> std::io::Result<()> {
    stream.write_all(bytes).await?;
    stream.shutdown().await
}

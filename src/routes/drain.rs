//! Request bodies are read to their end before the answer goes out.
//!
//! An early answer (a wrong `api_key`, a 404, a 413, an injected fault) is ready before
//! the client has finished sending its body. If the server answered and then stopped
//! reading, the connection would be closed under a client that is still writing, and
//! the client would see `EPIPE` or a reset instead of the status. So every request's
//! body goes through [`GuardedBody`], and once the handler has answered, whatever it
//! did not read is read and dropped, bounded in size and time. A body that stalls
//! for longer than the body timeout fails, so a slow client cannot hold a request.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};

/// How much of an unread body is drained, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct DrainLimits {
    /// Most bytes read after the answer; a longer body closes the connection instead.
    pub max_bytes: u64,
    /// Longest wait for the next chunk of a body, while the handler reads it or after.
    pub body_timeout: Duration,
    /// Longest time spent draining one body after the answer.
    pub max_drain_time: Duration,
}

/// The error a body yields when its client stops sending for longer than the timeout.
#[derive(Debug, thiserror::Error)]
#[error("no part of the request body arrived for {0:?}")]
pub struct BodyTimeout(pub Duration);

struct BodyState {
    body: Body,
    /// The body ended (or failed): nothing is left to drain.
    finished: bool,
    /// The handler asked for the body at least once.
    polled: bool,
    timeout: Duration,
    stall: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl BodyState {
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.finished {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.body).poll_frame(cx) {
            Poll::Ready(None) => {
                self.finished = true;
                self.stall = None;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => {
                self.finished = true;
                self.stall = None;
                Poll::Ready(Some(Err(e.into())))
            }
            Poll::Ready(Some(Ok(frame))) => {
                self.stall = None;
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => {
                let timeout = self.timeout;
                let stall = self
                    .stall
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                if stall.as_mut().poll(cx).is_ready() {
                    self.finished = true;
                    self.stall = None;
                    return Poll::Ready(Some(Err(Box::new(BodyTimeout(timeout)))));
                }
                Poll::Pending
            }
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The request body as the handler sees it: it shares the real body with the
/// middleware, which reads the rest once the handler is done.
struct GuardedBody(Arc<Mutex<BodyState>>);

impl HttpBody for GuardedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let mut state = self
            .0
            .lock()
            // A panic while the lock was held leaves the body's state as it was: go on with it.
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.polled = true;
        state.poll_next(cx)
    }

    fn is_end_stream(&self) -> bool {
        let state = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.finished || state.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .body
            .size_hint()
    }
}

/// Middleware: hands the handler a [`GuardedBody`], then drains what it left unread.
pub async fn drain_unread_body(
    State(limits): State<DrainLimits>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let expects_continue = parts
        .headers
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let state = Arc::new(Mutex::new(BodyState {
        body,
        finished: false,
        polled: false,
        timeout: limits.body_timeout,
        stall: None,
    }));
    let request = Request::from_parts(parts, Body::new(GuardedBody(state.clone())));
    let mut response = next.run(request).await;

    let (finished, polled) = {
        let state = state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (state.finished || state.body.is_end_stream(), state.polled)
    };
    if finished {
        return response;
    }
    if expects_continue && !polled {
        // The client waits for `100 Continue` before it sends the body, and no one asked
        // for it: it sends nothing, and the connection closes after this answer.
        close_after(&mut response);
        return response;
    }
    let drained = tokio::time::timeout(limits.max_drain_time, drain(&state, limits.max_bytes));
    if !matches!(drained.await, Ok(true)) {
        // Too long, too slow or broken: stop reading, and say the connection ends here.
        close_after(&mut response);
    }
    response
}

/// Reads and drops the rest of a body; true when it ended within `max_bytes`.
async fn drain(state: &Arc<Mutex<BodyState>>, max_bytes: u64) -> bool {
    let mut read: u64 = 0;
    loop {
        let next = std::future::poll_fn(|cx| {
            state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .poll_next(cx)
        });
        match next.await {
            None => return true,
            Some(Err(_)) => return false,
            Some(Ok(frame)) => {
                read += frame.data_ref().map_or(0, |data| data.len() as u64);
                if read > max_bytes {
                    return false;
                }
            }
        }
    }
}

fn close_after(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
}

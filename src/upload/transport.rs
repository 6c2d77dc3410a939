//! One HTTP request over XMLHttpRequest: the only browser API that reports how many bytes of a
//! request body went out (fetch has no upload progress), and it can be aborted at once.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use js_sys::{ArrayBuffer, Function, Promise};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ProgressEvent, XmlHttpRequest};

use super::UploadError;

/// A request that moves nothing for this long is given up and retried from the server's offset:
/// a 1 MiB chunk at 10 kB/s (a weak 3G signal) takes about 100 s.
const REQUEST_TIMEOUT_MS: u32 = 120_000;

/// Stops an upload: the request in flight (or the wait before the next try) is abandoned at
/// once and [`super::send`] returns [`UploadError::Cancelled`]. Clones share one switch (one
/// for the UI's button, one for `send`); it stays off, so a retry takes a new `Cancel`.
#[derive(Clone, Default)]
pub struct Cancel(Rc<CancelState>);

#[derive(Default)]
struct CancelState {
    cancelled: Cell<bool>,
    /// The request in flight, to abort.
    request: RefCell<Option<XmlHttpRequest>>,
    /// Ends the back-off wait in progress.
    wake: RefCell<Option<Function>>,
}

impl Cancel {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.cancelled.set(true);
        // Taken out first: abort() fires the request's events synchronously.
        let request = self.0.request.borrow_mut().take();
        if let Some(request) = request {
            let _ = request.abort();
        }
        let wake = self.0.wake.borrow_mut().take();
        if let Some(wake) = wake {
            let _ = wake.call0(&JsValue::UNDEFINED);
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.get()
    }

    pub(crate) fn check(&self) -> Result<(), UploadError> {
        if self.is_cancelled() {
            Err(UploadError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// What the server answered. `status` 0 means no answer came (network error or timeout).
pub struct Reply {
    pub status: u16,
    request: XmlHttpRequest,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.request.get_response_header(name).ok().flatten()
    }

    pub fn body(&self) -> Option<String> {
        self.request.response_text().ok().flatten()
    }
}

/// Sends one request and waits for its answer. `progress` hears the body bytes sent so far.
pub async fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&ArrayBuffer>,
    progress: Option<&dyn Fn(u64)>,
    cancel: &Cancel,
) -> Result<Reply, UploadError> {
    cancel.check()?;
    let browser = |_| UploadError::Browser;
    let request = XmlHttpRequest::new().map_err(browser)?;
    request
        .open_with_async(method, url, true)
        .map_err(browser)?;
    for (name, value) in headers {
        request.set_request_header(name, value).map_err(browser)?;
    }
    request.set_timeout(REQUEST_TIMEOUT_MS);

    let shared = Rc::new(Shared::default());
    let listener = match progress {
        Some(_) => {
            let shared = Rc::clone(&shared);
            let listener = Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
                shared.sent.set(Some(event.loaded()));
                let waker = shared.waker.borrow_mut().take();
                if let Some(waker) = waker {
                    waker.wake();
                }
            });
            let upload = request.upload().map_err(browser)?;
            upload.set_onprogress(Some(listener.as_ref().unchecked_ref()));
            Some((upload, listener))
        }
        None => None,
    };
    // `loadend` follows every ending: answer, network error, timeout and abort.
    let ended = Promise::new(&mut |resolve, _reject| {
        request.set_onloadend(Some(&resolve));
    });

    let sent = match body {
        Some(body) => request.send_with_opt_buffer_source(Some(body)),
        None => request.send(),
    };
    if sent.is_err() {
        request.set_onloadend(None);
        return Err(UploadError::Browser);
    }
    cancel.0.request.replace(Some(request.clone()));
    let mut in_flight = InFlight(Some(request.clone()));
    let _ = Watch {
        ended: JsFuture::from(ended),
        shared,
        progress,
    }
    .await;
    in_flight.0 = None;
    cancel.0.request.replace(None);
    request.set_onloadend(None);
    if let Some((upload, _listener)) = listener {
        upload.set_onprogress(None);
    }
    cancel.check()?;
    let status = request.status().unwrap_or(0);
    Ok(Reply { status, request })
}

/// Aborts the request if the future waiting for it is dropped (the screen that started the
/// upload went away), so no request outlives the code that would read its answer.
struct InFlight(Option<XmlHttpRequest>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(request) = self.0.take() {
            let _ = request.abort();
        }
    }
}

#[derive(Default)]
struct Shared {
    sent: Cell<Option<f64>>,
    waker: RefCell<Option<Waker>>,
}

/// Waits for the request's end while passing its progress on. A future of its own so that
/// `progress` may borrow the caller's hooks: a JS callback can only own `'static` things.
struct Watch<'p> {
    ended: JsFuture,
    shared: Rc<Shared>,
    progress: Option<&'p dyn Fn(u64)>,
}

impl Future for Watch<'_> {
    type Output = Result<JsValue, JsValue>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let (Some(sent), Some(progress)) = (this.shared.sent.take(), this.progress) {
            // `loaded` counts bytes, a whole number well inside f64's exact range.
            progress(sent as u64);
        }
        match Pin::new(&mut this.ended).poll(cx) {
            Poll::Ready(result) => Poll::Ready(result),
            Poll::Pending => {
                this.shared.waker.replace(Some(cx.waker().clone()));
                Poll::Pending
            }
        }
    }
}

/// Waits `ms` milliseconds, or less if the upload is cancelled meanwhile.
pub async fn sleep(ms: u32, cancel: &Cancel) -> Result<(), UploadError> {
    cancel.check()?;
    let window = web_sys::window().ok_or(UploadError::Browser)?;
    let mut scheduled = Ok(0);
    let timer = Promise::new(&mut |resolve, _reject| {
        scheduled = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            &resolve,
            i32::try_from(ms).unwrap_or(i32::MAX),
        );
        cancel.0.wake.replace(Some(resolve));
    });
    let handle = scheduled.map_err(|_| UploadError::Browser)?;
    let _ = JsFuture::from(timer).await;
    cancel.0.wake.replace(None);
    window.clear_timeout_with_handle(handle);
    cancel.check()
}

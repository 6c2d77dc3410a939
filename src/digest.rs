//! A file's SHA-256 by the browser's own `crypto.subtle`, in a worker of its own.
//!
//! Chromium digests on the calling thread: on the page's, a 100 MB video held it for some
//! 130 ms (the copy and the hash), where a task over 50 ms is "long" and makes every tap wait.
//! In a worker the page's thread only posts the `File` (a handle, not its bytes) and hears the
//! percent read and the hex digest back. One worker a file, ended when the check is (or is
//! dropped: a file removed mid-check frees its bytes at once).
//!
//! The worker's script is the [`SCRIPT`] below, started from a `blob:` address (the widget's
//! CSP allows `worker-src blob:`): a file beside the widget's would need its hashed name
//! carried into the wasm. Where no worker can start, or it has no `crypto.subtle` (a page
//! served over plain HTTP), [`sha256`] says so and the caller hashes in wasm.

use std::cell::{OnceCell, RefCell};
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::Closure;

/// Given a file, gathers its bytes as its stream gives them, posting the percent read (0–99)
/// as it changes, then posts their digest in hex, or `null` when it cannot. Written small: it
/// travels in the chunk.
const SCRIPT: &str = "onmessage=async e=>{let f=e.data,n=f.size,r,w,a=0,t=0;try{r=f.stream().getReader();\
w=new Uint8Array(n);for(;;){let{done,value:v}=await r.read();if(done)break;w.set(v,a);a+=v.length;\
let p=Math.floor(a*99/n);p!=t&&postMessage(t=p)}\
postMessage(Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256',w)),\
x=>x.toString(16).padStart(2,'0')).join(''))}catch{postMessage(null)}}";

/// The SHA-256 of `file`, in hex; `report` hears the percent read. `None` when the browser
/// cannot digest in a worker (or `file` cannot be read there).
pub async fn sha256(file: &web_sys::File, report: &dyn Fn(u8)) -> Option<String> {
    let worker = Hasher::start()?;
    worker.worker.post_message(file).ok()?;
    loop {
        let message = worker.inbox.next().await;
        if let Some(percent) = message.as_f64() {
            report(percent as u8);
            continue;
        }
        let hex = message.as_string();
        if hex.is_some() {
            report(100);
        }
        return hex;
    }
}

/// A worker hashing one file; ended when dropped.
struct Hasher {
    worker: web_sys::Worker,
    inbox: Inbox,
    _on_event: Closure<dyn FnMut(JsValue)>,
}

impl Hasher {
    fn start() -> Option<Hasher> {
        let worker = web_sys::Worker::new(&script_address()?).ok()?;
        let inbox = Inbox::default();
        // A message's data; an error (a script that does not run, say under a CSP without
        // `worker-src blob:`) has none, which ends the wait as a failure.
        let on_event = Closure::<dyn FnMut(JsValue)>::new({
            let inbox = inbox.clone();
            move |e: JsValue| {
                inbox.push(js_sys::Reflect::get(&e, &"data".into()).unwrap_or(JsValue::NULL))
            }
        });
        let handler = wasm_bindgen::JsCast::unchecked_ref(on_event.as_ref());
        worker.set_onmessage(Some(handler));
        worker.set_onerror(Some(handler));
        Some(Hasher {
            worker,
            inbox,
            _on_event: on_event,
        })
    }
}

impl Drop for Hasher {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// The `blob:` address of [`SCRIPT`], made once a page.
fn script_address() -> Option<String> {
    thread_local! {
        static ADDRESS: OnceCell<Option<String>> = const { OnceCell::new() };
    }
    ADDRESS.with(|address| {
        address
            .get_or_init(|| {
                // A `File` (a `Blob`) as the widget makes them elsewhere: no more bindings.
                let options = web_sys::FilePropertyBag::new();
                options.set_type("text/javascript");
                let parts = js_sys::Array::of1(&JsValue::from_str(SCRIPT));
                let script =
                    web_sys::File::new_with_blob_sequence_and_options(&parts, "h.js", &options)
                        .ok()?;
                web_sys::Url::create_object_url_with_blob(&script).ok()
            })
            .clone()
    })
}

/// What the worker posted, in order, for the one task awaiting it.
#[derive(Clone, Default)]
struct Inbox(Rc<RefCell<(Vec<JsValue>, Option<Waker>)>>);

impl Inbox {
    fn push(&self, message: JsValue) {
        let waker = {
            let mut inbox = self.0.borrow_mut();
            inbox.0.push(message);
            inbox.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    async fn next(&self) -> JsValue {
        poll_fn(|cx| {
            let mut inbox = self.0.borrow_mut();
            if inbox.0.is_empty() {
                inbox.1 = Some(cx.waker().clone());
                Poll::Pending
            } else {
                // At most a hundred messages a file: a `Vec` is the smaller code.
                Poll::Ready(inbox.0.remove(0))
            }
        })
        .await
    }
}

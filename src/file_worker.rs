//! The heavy part of a file's check, in a worker off the page's thread: its SHA-256 by the
//! browser's own `crypto.subtle`, and for a photo one decode that proves it opens and gives
//! its thumbnail.
//!
//! Chromium digests on the calling thread: on the page's, a 100 MB video held it for some
//! 130 ms (the copy and the hash), where a task over 50 ms is "long" and makes every tap wait.
//! In a worker the page's thread only posts the `File` (a handle, not its bytes) and hears the
//! percent read, the picture and the hex digest back. A few workers check the files one after
//! another ([`Pool`]); a check dropped midway (its file removed) ends its worker, which frees
//! the file's bytes at once.
//!
//! **One decode a photo, at the size it is shown.** A photo used to be decoded twice, whole:
//! once to prove it opens, once more by the `<img>` showing it in a 64-pixel square. Ten 12 MP
//! photos were 1.3 s of decoding on a two-core machine, three times the time of reading and
//! hashing every file. Now the worker decodes each photo once, from the very bytes it read to
//! hash (the file is read once, into one buffer); a JPEG whose header gave its size at the
//! thumbnail's size (WebCodecs' `ImageDecoder`: the decoder scales by eighths as it decodes,
//! 40 → 18 ms for the bench's 12 MP photo), and the thumbnail is drawn from that decode. A
//! PNG or WebP (no scaled decode), or any photo where there is no `ImageDecoder` (Safari), is
//! decoded whole with `createImageBitmap`, once. The size the rules judge is the header's
//! where it tells one, which is what the server's decoder (image-rs) reports too; else the
//! decoded picture's.
//!
//! The worker's script is the [`SCRIPT`] below, started from a `blob:` address (the widget's
//! CSP allows `worker-src blob:`): a file beside the widget's would need its hashed name
//! carried into the wasm. Where no worker can start, or it has no `crypto.subtle` (a page
//! served over plain HTTP), [`check`] says so and the caller hashes in wasm.

use std::cell::{OnceCell, RefCell};
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// Given `[file, mime, width, height]`, reads the file's bytes straight into one buffer (a
/// BYOB reader of its stream: no copy of each piece; where the stream cannot, 4 MiB slices),
/// posting the percent read (0–99) every five points (each message re-draws the file's row);
/// then hashes that buffer, and a photo is decoded from it too (not read a second time).
/// When `mime` names a photo to decode, posts `[width, height, thumbnail]` (`[0, 0]`: it does
/// not decode; the thumbnail `null` where no canvas could draw it), then the digest in hex,
/// or `null` when it cannot. `width` 0: the header told no size, and the decoded picture's is
/// told. The thumbnail is drawn the way up the photo is shown (a phone's portrait photo is
/// stored sideways with an EXIF orientation; the decoders turn it). Written small: it travels
/// in the chunk.
const SCRIPT: &str = "onmessage=async e=>{let[f,m,w,h]=e.data,n=f.size,b=new Uint8Array(n),a=0,t=0,T=192,r,v,z,p,\
d=async i=>{try{let W=i.displayWidth||i.width,H=i.displayHeight||i.height,s=Math.min(1,T/Math.min(W,H)),\
c=new OffscreenCanvas(Math.ceil(W*s),Math.ceil(H*s));\
c.getContext('2d').drawImage(i,0,0,c.width,c.height);return await c.convertToBlob({type:'image/jpeg'})}\
catch{return null}finally{i.close()}};\
try{try{r=f.stream().getReader({mode:'byob'})}catch{r=0}\
for(;a<n;){if(r){({done:z,value:v}=await r.read(new Uint8Array(b.buffer,a,n-a)));v&&(b=new Uint8Array(v.buffer));if(z||!v.length)break}\
else{v=new Uint8Array(await f.slice(a,a+(1<<22)).arrayBuffer());if(!v.length)break;b.set(v,a)}\
a+=v.length;let q=Math.floor(a*99/n);q>=t+5&&postMessage(t=q)}\
p=m&&(async()=>{try{if(m!='image/jpeg'||!w||!self.ImageDecoder)throw 0;\
let k=Math.min(8,Math.ceil(T*8/Math.min(w,h))),x=new ImageDecoder({data:b,type:m,\
desiredWidth:Math.ceil(w*k/8),desiredHeight:Math.ceil(h*k/8)}),i=(await x.decode()).image;x.close();\
return[w,h,await d(i)]}catch{}\
try{let i=await createImageBitmap(f);w||(w=i.width,h=i.height);return[w,h,await d(i)]}\
catch{return[0,0]}})();\
let x=Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256',b)),x=>x.toString(16).padStart(2,'0')).join('');\
b=0;p&&postMessage(await p);postMessage(x)}catch{postMessage(null)}}";

/// A photo to decode: its type as sniffed (the decoder is told it) and its size from its
/// header, when the header tells it.
pub struct Decode {
    pub mime: &'static str,
    pub header_size: Option<(u32, u32)>,
}

/// What the worker found.
pub struct Checked {
    pub sha256: String,
    /// The photo it was asked to decode; `None` when it does not decode (or none was asked).
    pub picture: Option<Picture>,
}

pub struct Picture {
    pub width: u32,
    pub height: u32,
    /// A small JPEG of it for the file's row; `None` where the browser could not draw one.
    pub thumbnail: Option<web_sys::Blob>,
}

/// How long a worker may say nothing before its check is given up, and the file checked on
/// the page instead: far longer than a file takes between two of its messages (a 100 MP
/// picture decoded whole on a slow phone, some seconds), so that only a worker that hangs
/// reaches it, and does not keep its place in the [`Pool`] from the files after it.
const SILENT_AT_MOST_MS: u32 = 60_000;

/// The SHA-256 of `file`, in hex, and when `decode` asks, what decoding it found; `report`
/// hears the percent read. `None` when the browser cannot check in a worker (or `file` cannot
/// be read there, or the worker fell silent).
pub async fn check(
    file: &web_sys::File,
    decode: Option<Decode>,
    report: &dyn Fn(u8),
) -> Option<Checked> {
    check_within(file, decode, report, SILENT_AT_MOST_MS).await
}

/// [`check`], giving the worker up after `silent_ms` without a word from it.
pub async fn check_within(
    file: &web_sys::File,
    decode: Option<Decode>,
    report: &dyn Fn(u8),
    silent_ms: u32,
) -> Option<Checked> {
    let turn = Turn::wait(file.size()).await;
    let worker = turn.worker()?;
    let (mime, (width, height)) = match &decode {
        Some(d) => (JsValue::from_str(d.mime), d.header_size.unwrap_or((0, 0))),
        None => (JsValue::FALSE, (0, 0)),
    };
    let message = js_sys::Array::of4(file, &mime, &width.into(), &height.into());
    worker.worker.post_message(&message).ok()?;
    let mut picture = None;
    loop {
        let message = worker.inbox.next_within(silent_ms).await?;
        if let Some(percent) = message.as_f64() {
            report(percent as u8);
            continue;
        }
        if let Some(found) = message.dyn_ref::<js_sys::Array>() {
            let size = |i| found.get(i).as_f64().map_or(0, |n| n as u32);
            let (width, height) = (size(0), size(1));
            picture = (width > 0 && height > 0).then(|| Picture {
                width,
                height,
                thumbnail: found.get(2).dyn_into().ok(),
            });
            continue;
        }
        let sha256 = message.as_string()?;
        report(100);
        turn.done(worker);
        return Some(Checked { sha256, picture });
    }
}

/// The workers checking files, shared by every check of the page. A handful at most: on a
/// two-core phone eleven workers at once (ten photos and a video) spent their time starting
/// and taking the cores from each other, and the video, the longest to hash, finished last;
/// three workers, the largest file first, checked the same files in 20% less time (12% less
/// CPU). A worker is used again for the next file; those left idle end once nothing is
/// checked.
#[derive(Default)]
struct Pool {
    /// Workers checking a file now, or about to.
    running: usize,
    idle: Vec<FileWorker>,
    /// Checks waiting for a worker, by their number.
    waiting: Vec<Waiting>,
    numbered: u64,
}

struct Waiting {
    number: u64,
    bytes: f64,
    /// Given a worker's turn, not yet taken up.
    called: bool,
    waker: Option<Waker>,
}

thread_local! {
    static POOL: RefCell<Pool> = RefCell::default();
}

/// How many files are checked at once: one more than the device's cores (a worker waiting
/// for its file's bytes leaves its core to another), two to four.
pub fn workers_at_most() -> usize {
    let cores = web_sys::window().map_or(2.0, |w| w.navigator().hardware_concurrency());
    (cores as usize + 1).clamp(2, 4)
}

/// One check's turn at a worker: waited for, then held until the check ends. Dropped midway
/// (the file taken off, the screen left) its worker is ended and the turn passes on.
struct Turn {
    /// Waiting for its turn under this number, until it has it.
    number: Option<u64>,
}

impl Turn {
    /// Waits until fewer than [`workers_at_most`] files are being checked; when several wait,
    /// the largest file goes first (the one that takes longest should not start last).
    async fn wait(bytes: f64) -> Turn {
        let number = POOL.with_borrow_mut(|pool| {
            if pool.waiting.is_empty() && pool.running < workers_at_most() {
                pool.running += 1;
                return None;
            }
            pool.numbered += 1;
            let number = pool.numbered;
            pool.waiting.push(Waiting {
                number,
                bytes,
                called: false,
                waker: None,
            });
            Some(number)
        });
        let mut turn = Turn { number };
        if let Some(number) = number {
            poll_fn(|cx| {
                POOL.with_borrow_mut(|pool| {
                    let at = pool.waiting.iter().position(|w| w.number == number)?;
                    if pool.waiting[at].called {
                        pool.waiting.remove(at);
                        Some(())
                    } else {
                        pool.waiting[at].waker = Some(cx.waker().clone());
                        None
                    }
                })
                .map_or(Poll::Pending, Poll::Ready)
            })
            .await;
            turn.number = None;
        }
        turn
    }

    /// An idle worker, or a new one; `None` where no worker can start.
    fn worker(&self) -> Option<FileWorker> {
        POOL.with_borrow_mut(|pool| pool.idle.pop())
            .or_else(FileWorker::start)
    }

    /// The check ended well: `worker` is kept for the next file.
    fn done(self, worker: FileWorker) {
        POOL.with_borrow_mut(|pool| pool.idle.push(worker));
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let waker = POOL.with_borrow_mut(|pool| {
            if let Some(number) = self.number {
                // Dropped while waiting: out of the line; a turn it was given passes on.
                let at = pool.waiting.iter().position(|w| w.number == number)?;
                if !pool.waiting.remove(at).called {
                    return None;
                }
            }
            pool.running -= 1;
            let next = pool
                .waiting
                .iter_mut()
                .filter(|w| !w.called)
                .max_by(|a, b| a.bytes.total_cmp(&b.bytes).then(b.number.cmp(&a.number)));
            let Some(next) = next else {
                if pool.running == 0 {
                    // Nothing left to check: the idle workers end.
                    pool.idle.clear();
                }
                return None;
            };
            next.called = true;
            pool.running += 1;
            next.waker.take()
        });
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// A worker checking one file; ended when dropped.
struct FileWorker {
    worker: web_sys::Worker,
    inbox: Inbox,
    _on_event: Closure<dyn FnMut(JsValue)>,
}

impl FileWorker {
    fn start() -> Option<FileWorker> {
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
        Some(FileWorker {
            worker,
            inbox,
            _on_event: on_event,
        })
    }
}

impl Drop for FileWorker {
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

    /// The next message, or `None` after `ms` without one.
    async fn next_within(&self, ms: u32) -> Option<JsValue> {
        let mut message = std::pin::pin!(self.next());
        let mut silence = gloo_timers::future::TimeoutFuture::new(ms);
        poll_fn(|cx| {
            if let Poll::Ready(message) = message.as_mut().poll(cx) {
                return Poll::Ready(Some(message));
            }
            std::pin::Pin::new(&mut silence).poll(cx).map(|()| None)
        })
        .await
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

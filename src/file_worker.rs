//! The heavy part of a file's check, in a worker of its own: its SHA-256 by the browser's own
//! `crypto.subtle`, and for a photo one decode that proves it opens and gives its thumbnail.
//!
//! Chromium digests on the calling thread: on the page's, a 100 MB video held it for some
//! 130 ms (the copy and the hash), where a task over 50 ms is "long" and makes every tap wait.
//! In a worker the page's thread only posts the `File` (a handle, not its bytes) and hears the
//! percent read, the picture and the hex digest back. One worker a file, ended when the check
//! is (or is dropped: a file removed mid-check frees its bytes at once).
//!
//! **One decode a photo, at the size it is shown.** A photo used to be decoded twice, whole:
//! once to prove it opens, once more by the `<img>` showing it in a 64-pixel square. Ten 12 MP
//! photos were 1.3 s of decoding on a two-core machine, three times the time of reading and
//! hashing every file. Now the worker decodes each photo once, while it hashes it; a JPEG whose
//! header gave its size at the thumbnail's size (WebCodecs' `ImageDecoder`: the decoder
//! scales by eighths as it decodes, 40 → 18 ms for the bench's 12 MP photo), and the
//! thumbnail is drawn from that decode. A PNG or WebP (no scaled decode), or any photo where
//! there is no `ImageDecoder` (Safari), is decoded whole with `createImageBitmap`, once. The
//! size the rules judge is the header's where it tells one, which is what the server's
//! decoder (image-rs) reports too; else the decoded picture's.
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

/// Given `[file, mime, width, height]`, gathers the file's bytes as its stream gives them,
/// posting the percent read (0–99) every five points (each message re-draws the file's row);
/// when `mime` names a photo to decode, posts `[width, height, thumbnail]` (`[0, 0]`: it does
/// not decode; the thumbnail `null` where no canvas could draw it), then the digest in hex,
/// or `null` when it cannot. `width` 0: the header told no size, and the decoded picture's is
/// told. The thumbnail is drawn the way up the photo is shown (a phone's portrait photo is
/// stored sideways with an EXIF orientation; the decoders turn it). Written small: it travels
/// in the chunk.
const SCRIPT: &str = "onmessage=async e=>{let[f,m,w,h]=e.data,n=f.size,r,b,a=0,t=0,T=192,\
d=async i=>{try{let W=i.displayWidth||i.width,H=i.displayHeight||i.height,s=Math.min(1,T/Math.min(W,H)),\
c=new OffscreenCanvas(Math.ceil(W*s),Math.ceil(H*s));\
c.getContext('2d').drawImage(i,0,0,c.width,c.height);return await c.convertToBlob({type:'image/jpeg'})}\
catch{return null}finally{i.close()}},\
p=m&&(async()=>{try{if(m!='image/jpeg'||!w||!self.ImageDecoder)throw 0;\
let k=Math.min(8,Math.ceil(T*8/Math.min(w,h))),x=new ImageDecoder({data:f.stream(),type:m,\
desiredWidth:Math.ceil(w*k/8),desiredHeight:Math.ceil(h*k/8)}),i=(await x.decode()).image;x.close();\
return[w,h,await d(i)]}catch{}\
try{let i=await createImageBitmap(f);w||(w=i.width,h=i.height);return[w,h,await d(i)]}\
catch{return[0,0]}})();\
try{r=f.stream().getReader();\
b=new Uint8Array(n);for(;;){let{done,value:v}=await r.read();if(done)break;b.set(v,a);a+=v.length;\
let q=Math.floor(a*99/n);q>=t+5&&postMessage(t=q)}\
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

/// The SHA-256 of `file`, in hex, and when `decode` asks, what decoding it found; `report`
/// hears the percent read. `None` when the browser cannot check in a worker (or `file` cannot
/// be read there).
pub async fn check(
    file: &web_sys::File,
    decode: Option<Decode>,
    report: &dyn Fn(u8),
) -> Option<Checked> {
    let worker = FileWorker::start()?;
    let (mime, (width, height)) = match &decode {
        Some(d) => (JsValue::from_str(d.mime), d.header_size.unwrap_or((0, 0))),
        None => (JsValue::FALSE, (0, 0)),
    };
    let message = js_sys::Array::of4(file, &mime, &width.into(), &height.into());
    worker.worker.post_message(&message).ok()?;
    let mut picture = None;
    loop {
        let message = worker.inbox.next().await;
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
        return Some(Checked { sha256, picture });
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

//! The shopper's files kept in IndexedDB, so a draft survives a reload with its photos: to
//! resume a partial upload and to show thumbnails again. IndexedDB stores `File`s by structured
//! clone, which keeps their bytes, name and type without reading them into memory.

use js_sys::{Array, Promise};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, DomException, IdbDatabase, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransaction,
    IdbTransactionMode, IdbVersionChangeEvent,
};

const DATABASE: &str = "helpcenter";
/// Raised only together with a step in `upgrade`.
const VERSION: u32 = 1;
const STORE: &str = "files";

/// Why the files could not be kept or read back. Private browsing and blocked storage end up
/// here, so the widget still works, only without surviving a reload.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// No IndexedDB at all, or the browser refuses it (private mode, storage blocked by the
    /// shopper's settings, a sandboxed frame).
    #[error("the browser does not let this page keep files")]
    Unavailable,
    /// Another tab holds an older version of the database open.
    #[error("another tab keeps the file store from opening")]
    Blocked,
    /// The phone or the browser's quota is full.
    #[error("there is no room left to keep the file")]
    Full,
    /// Something under the key is not a file (written by something else).
    #[error("what is kept under that key is not a file")]
    NotAFile,
    /// IndexedDB failed otherwise; `name` is the DOMException's (`AbortError`, …).
    #[error("the file store failed: {name}")]
    Failed { name: String },
}

impl StoreError {
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Unavailable => "store.unavailable",
            StoreError::Blocked => "store.blocked",
            StoreError::Full => "store.full",
            StoreError::NotAFile => "store.not_a_file",
            StoreError::Failed { .. } => "store.failed",
        }
    }

    fn from_exception(error: Option<DomException>) -> Self {
        match error.map(|e| e.name()).as_deref() {
            Some("QuotaExceededError") => StoreError::Full,
            Some("SecurityError" | "InvalidStateError") => StoreError::Unavailable,
            Some(name) => StoreError::Failed {
                name: name.to_owned(),
            },
            None => StoreError::Failed {
                name: "UnknownError".to_owned(),
            },
        }
    }

    /// A synchronous IndexedDB call threw (a closed connection, a bad key).
    fn thrown(error: JsValue) -> Self {
        StoreError::from_exception(error.dyn_into().ok())
    }
}

/// The open `helpcenter` database; files live in its `files` store under the caller's keys.
pub struct FileStore {
    db: IdbDatabase,
}

impl FileStore {
    pub async fn open() -> Result<Self, StoreError> {
        let factory = web_sys::window()
            .ok_or(StoreError::Unavailable)?
            .indexed_db()
            .map_err(|_| StoreError::Unavailable)?
            .ok_or(StoreError::Unavailable)?;
        let open = factory
            .open_with_u32(DATABASE, VERSION)
            .map_err(|_| StoreError::Unavailable)?;
        let upgrade = Closure::<dyn FnMut(IdbVersionChangeEvent)>::new(upgrade);
        open.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
        let settled = Promise::new(&mut |resolve, reject| {
            open.set_onsuccess(Some(&resolve));
            open.set_onerror(Some(&reject));
            // Without this an upgrade waiting for another tab would hang forever.
            open.set_onblocked(Some(&reject));
        });
        let outcome = JsFuture::from(settled).await;
        open.set_onupgradeneeded(None);
        open.set_onsuccess(None);
        open.set_onerror(None);
        open.set_onblocked(None);
        drop(upgrade);
        if let Err(event) = outcome {
            let blocked = event
                .dyn_ref::<web_sys::Event>()
                .is_some_and(|e| e.type_() == "blocked");
            return Err(if blocked {
                StoreError::Blocked
            } else {
                StoreError::from_exception(open.error().ok().flatten())
            });
        }
        let db = open
            .result()
            .map_err(StoreError::thrown)?
            .dyn_into::<IdbDatabase>()
            .map_err(|_| StoreError::Unavailable)?;
        Ok(FileStore { db })
    }

    /// Keeps `file` under `key`, replacing what was there. Done when the write is durable.
    pub async fn put(&self, key: &str, file: &Blob) -> Result<(), StoreError> {
        let (transaction, store) = self.store(IdbTransactionMode::Readwrite)?;
        store
            .put_with_key(file, &JsValue::from_str(key))
            .map_err(StoreError::thrown)?;
        committed(&transaction).await
    }

    /// The file kept under `key`: a `web_sys::File` (with its name and type) when a File was
    /// put, which `dyn_into::<web_sys::File>()` gives back.
    pub async fn get(&self, key: &str) -> Result<Option<Blob>, StoreError> {
        let (_transaction, store) = self.store(IdbTransactionMode::Readonly)?;
        let request = store
            .get(&JsValue::from_str(key))
            .map_err(StoreError::thrown)?;
        let value = answer(&request).await?;
        if value.is_undefined() {
            return Ok(None);
        }
        value
            .dyn_into::<Blob>()
            .map(Some)
            .map_err(|_| StoreError::NotAFile)
    }

    /// Forgets the file under `key` (no error if there is none).
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let (transaction, store) = self.store(IdbTransactionMode::Readwrite)?;
        store
            .delete(&JsValue::from_str(key))
            .map_err(StoreError::thrown)?;
        committed(&transaction).await
    }

    /// The keys of all kept files, in IndexedDB's key order. Keys that are not strings (not put
    /// by this module) are left out.
    pub async fn keys(&self) -> Result<Vec<String>, StoreError> {
        let (_transaction, store) = self.store(IdbTransactionMode::Readonly)?;
        let request = store.get_all_keys().map_err(StoreError::thrown)?;
        let keys = answer(&request).await?;
        Ok(keys
            .dyn_into::<Array>()
            .map(|keys| keys.iter().filter_map(|key| key.as_string()).collect())
            .unwrap_or_default())
    }

    fn store(
        &self,
        mode: IdbTransactionMode,
    ) -> Result<(IdbTransaction, IdbObjectStore), StoreError> {
        let transaction = self
            .db
            .transaction_with_str_and_mode(STORE, mode)
            .map_err(StoreError::thrown)?;
        let store = transaction
            .object_store(STORE)
            .map_err(StoreError::thrown)?;
        Ok((transaction, store))
    }
}

impl Drop for FileStore {
    /// An open connection would block a later version of the widget from upgrading the
    /// database in another tab.
    fn drop(&mut self) {
        self.db.close();
    }
}

/// Makes the `files` store on first open.
fn upgrade(event: IdbVersionChangeEvent) {
    let db = event
        .target()
        .and_then(|target| target.dyn_into::<IdbOpenDbRequest>().ok())
        .and_then(|request| request.result().ok())
        .and_then(|db| db.dyn_into::<IdbDatabase>().ok());
    if let Some(db) = db
        && !db.object_store_names().contains(STORE)
    {
        // On failure the upgrade transaction aborts and `open` reports the error.
        let _ = db.create_object_store(STORE);
    }
}

/// A request's result once it succeeds.
async fn answer(request: &IdbRequest) -> Result<JsValue, StoreError> {
    let settled = Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    let outcome = JsFuture::from(settled).await;
    request.set_onsuccess(None);
    request.set_onerror(None);
    match outcome {
        Ok(_) => request.result().map_err(StoreError::thrown),
        Err(_) => Err(StoreError::from_exception(request.error().ok().flatten())),
    }
}

/// Waits until a write transaction is committed (a request's success alone is not durable).
async fn committed(transaction: &IdbTransaction) -> Result<(), StoreError> {
    let settled = Promise::new(&mut |resolve, reject| {
        transaction.set_oncomplete(Some(&resolve));
        transaction.set_onerror(Some(&reject));
        transaction.set_onabort(Some(&reject));
    });
    let outcome = JsFuture::from(settled).await;
    transaction.set_oncomplete(None);
    transaction.set_onerror(None);
    transaction.set_onabort(None);
    outcome
        .map(|_| ())
        .map_err(|_| StoreError::from_exception(transaction.error()))
}

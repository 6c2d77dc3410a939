//! The file store in a real browser's IndexedDB.
#![cfg(target_arch = "wasm32")]

use helpcenter_media::samples;
use helpcenter_widget::blobs::FileStore;
use js_sys::{Array, Math, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Blob, File, FilePropertyBag};

wasm_bindgen_test_configure!(run_in_browser);

fn file(bytes: &[u8], name: &str, kind: &str) -> File {
    let parts = Array::of1(&Uint8Array::from(bytes));
    let options = FilePropertyBag::new();
    options.set_type(kind);
    File::new_with_u8_array_sequence_and_options(&parts, name, &options).expect("file")
}

async fn bytes_of(blob: &Blob) -> Vec<u8> {
    let buffer = JsFuture::from(blob.array_buffer()).await.expect("readable");
    Uint8Array::new(&buffer).to_vec()
}

/// Keys no earlier run (same browser profile) can have left behind.
fn fresh_key(name: &str) -> String {
    format!("test/{name}/{}", Math::random().to_bits())
}

#[wasm_bindgen_test]
async fn a_file_survives_reopening_the_store_with_its_bytes_name_and_type() {
    let png = samples::png(40, 30, 9);
    let key = fresh_key("wheel");
    {
        let store = FileStore::open().await.expect("open");
        store
            .put(&key, &file(&png, "wheel.png", "image/png"))
            .await
            .expect("put");
    }

    let store = FileStore::open().await.expect("reopen");
    let kept = store.get(&key).await.expect("get").expect("kept");

    let kept: File = kept.dyn_into().expect("still a File, not only a Blob");
    assert_eq!(kept.name(), "wheel.png");
    assert_eq!(kept.type_(), "image/png");
    assert_eq!(bytes_of(&kept).await, png);
}

#[wasm_bindgen_test]
async fn keys_list_what_is_kept_and_delete_forgets_it() {
    let store = FileStore::open().await.expect("open");
    let first = fresh_key("first");
    let second = fresh_key("second");
    let jpeg = samples::jpeg(&samples::Jpeg {
        width: 16,
        height: 16,
        ..samples::Jpeg::default()
    });
    store
        .put(&first, &file(&jpeg, "a.jpg", "image/jpeg"))
        .await
        .expect("put first");
    store
        .put(&second, &file(&jpeg, "b.jpg", "image/jpeg"))
        .await
        .expect("put second");
    let keys = store.keys().await.expect("keys");
    assert!(keys.contains(&first) && keys.contains(&second), "{keys:?}");

    store.delete(&first).await.expect("delete");

    let keys = store.keys().await.expect("keys");
    assert!(!keys.contains(&first), "{keys:?}");
    assert!(keys.contains(&second), "{keys:?}");
    assert!(store.get(&first).await.expect("get").is_none());
    // Deleting what is not there is no error: the caller's wish is already true.
    store.delete(&first).await.expect("delete again");
}

#[wasm_bindgen_test]
async fn putting_under_a_kept_key_replaces_the_file() {
    let store = FileStore::open().await.expect("open");
    let key = fresh_key("replaced");
    store
        .put(&key, &file(&samples::png(8, 8, 1), "old.png", "image/png"))
        .await
        .expect("put old");
    let new = samples::png(8, 8, 2);
    store
        .put(&key, &file(&new, "new.png", "image/png"))
        .await
        .expect("put new");

    let kept: File = store
        .get(&key)
        .await
        .expect("get")
        .expect("kept")
        .dyn_into()
        .expect("a File");
    assert_eq!(kept.name(), "new.png");
    assert_eq!(bytes_of(&kept).await, new);
    assert!(
        store
            .get(&fresh_key("never-put"))
            .await
            .expect("get")
            .is_none()
    );
}

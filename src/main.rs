//! Only mounts: everything else lives in the library, so browser tests mount the same app.
fn main() {
    helpcenter_widget::mount();
}

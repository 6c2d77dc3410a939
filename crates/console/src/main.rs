//! Only mounts: everything else lives in the library.
fn main() {
    helpcenter_console::mount();
}

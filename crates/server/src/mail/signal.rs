//! The outbox's doorbell, apart so the shared state can hold it without importing the rest.

/// Tells the worker that mail was written, so it goes out now rather than at the next poll.
#[derive(Debug, Default)]
pub struct OutboxSignal(tokio::sync::Notify);

impl OutboxSignal {
    pub fn wake(&self) {
        self.0.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.0.notified().await;
    }
}

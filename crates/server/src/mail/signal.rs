//! The outboxes' doorbell, apart so the shared state can hold it without importing the rest.

/// Tells the workers that mail or webhooks were written, so they go out now rather than at
/// the next poll. Each worker has its own bell: one ring wakes both.
#[derive(Debug, Default)]
pub struct OutboxSignal {
    mail: tokio::sync::Notify,
    webhooks: tokio::sync::Notify,
}

impl OutboxSignal {
    pub fn wake(&self) {
        self.mail.notify_one();
        self.webhooks.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.mail.notified().await;
    }

    /// The webhook worker's bell.
    pub(crate) async fn webhooks_woken(&self) {
        self.webhooks.notified().await;
    }
}

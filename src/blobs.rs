//! The shopper's files kept in IndexedDB (being written).

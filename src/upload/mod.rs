//! Evidence uploads over tus 1.0 (being written).

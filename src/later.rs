//! Values the chunk makes on first use and the widget then keeps. They are made under the
//! widget's reactive owner, so the signals inside live as long as the widget, not as long as
//! the screen that happened to ask first. The first load carries only the empty cell: what
//! fills it, and the code it pulls in, stays in the chunk.

use leptos::prelude::*;
use leptos::reactive::owner::Owner;

pub struct Later<T: Send + Sync + 'static> {
    owner: StoredValue<Option<Owner>>,
    value: StoredValue<Option<T>>,
}

impl<T: Send + Sync + 'static> Clone for Later<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Later<T> {}

impl<T: Copy + Send + Sync + 'static> Later<T> {
    /// An empty cell, owned by the current owner (call it where the widget is built).
    pub fn new() -> Later<T> {
        Later {
            owner: StoredValue::new(Owner::current()),
            value: StoredValue::new(None),
        }
    }

    /// The value, if it has been made.
    pub fn get(&self) -> Option<T> {
        self.value.get_value()
    }

    /// The value, made by `make` the first time.
    pub fn get_or_make(&self, make: impl FnOnce() -> T) -> T {
        if let Some(value) = self.value.get_value() {
            return value;
        }
        let value = match self.owner.get_value() {
            Some(owner) => owner.with(make),
            None => make(),
        };
        self.value.set_value(Some(value));
        value
    }
}

impl<T: Copy + Send + Sync + 'static> Default for Later<T> {
    fn default() -> Self {
        Later::new()
    }
}

use crate::AppState;

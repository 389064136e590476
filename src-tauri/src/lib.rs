//! Kyma Studio's core: the Kyma API client, the persistent job engine, image preparation and
//! the keychain. Nothing in the core imports `tauri`; the GUI and the `kyma` CLI are two faces on it.

pub mod api;
pub mod fsutil;
pub mod jobs;
pub mod keychain;
pub mod media;

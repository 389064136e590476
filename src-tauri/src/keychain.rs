//! The only code that touches the OS keychain (macOS Keychain, Windows Credential Manager, the
//! Secret Service on Linux). Secrets go in and come out here; they are never written anywhere else.
//! The `keyring` crate's `v1` feature picks the store per OS at build time, and has no fallback:
//! a system without one gets `Unavailable`, never a store that forgets (docs/platforms.md;
//! `make check-windows` checks each target's store is in its dependency graph).

use crate::api::ApiKey;
use crate::error_kind::ErrorKind;
use thiserror::Error;

const SERVICE: &str = "com.kyma.studio";
const API_KEY_ACCOUNT: &str = "kyma-api-key";

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    /// The store is looked for once per process (the keyring crate keeps the first answer), so
    /// a keyring started later is seen after a restart.
    #[error("No system keychain is available ({detail}). Start your desktop's keyring (GNOME Keyring, KWallet) and restart Kyma Studio, or use a key for this session only (KYMA_API_KEY).")]
    Unavailable { detail: String },
    #[error("The system keychain refused access ({detail}). Unlock your keyring and try again.")]
    Locked { detail: String },
    #[error("The system keychain failed: {detail}.")]
    Failed { detail: String },
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Unavailable { .. } => ErrorKind::KeychainUnavailable,
            Error::Locked { .. } => ErrorKind::KeychainLocked,
            Error::Failed { .. } => ErrorKind::KeychainFailed,
        }
    }
}

fn map(e: keyring::Error) -> Error {
    use keyring::Error as K;
    let detail = e.to_string();
    match e {
        K::NoStorageAccess(_) => Error::Locked { detail },
        K::NoDefaultStore | K::PlatformFailure(_) => Error::Unavailable { detail },
        _ => Error::Failed { detail },
    }
}

fn entry(account: &str) -> Result<keyring::Entry, Error> {
    if let Err(e) = keyring::Entry::store_status() {
        return Err(Error::Unavailable { detail: e.to_string() });
    }
    keyring::Entry::new(SERVICE, account).map_err(map)
}

/// A named secret kept in the keychain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    ApiKey,
    /// The S3-compatible bucket's secret access key, for image hosting.
    BucketSecret,
}

impl Secret {
    fn account(self) -> &'static str {
        match self {
            Secret::ApiKey => API_KEY_ACCOUNT,
            Secret::BucketSecret => "bucket-secret-access-key",
        }
    }
}

/// Where secrets are kept. The app and the CLI use [`OsKeychain`]; tests of the app's layer use
/// [`MemoryStore`], so they run the same on every OS, with or without a keychain daemon.
pub trait SecretStore: Send + Sync {
    fn get(&self, secret: Secret) -> Result<Option<String>, Error>;
    fn set(&self, secret: Secret, value: &str) -> Result<(), Error>;
    /// Deletes the secret; `false` when there was none.
    fn delete(&self, secret: Secret) -> Result<bool, Error>;

    fn api_key(&self) -> Result<Option<ApiKey>, Error> {
        Ok(self.get(Secret::ApiKey)?.map(ApiKey::new))
    }

    fn set_api_key(&self, key: &ApiKey) -> Result<(), Error> {
        self.set(Secret::ApiKey, key.expose())
    }
}

/// The operating system's keychain, through the `keyring` crate: the login Keychain on macOS,
/// the Credential Manager on Windows, the Secret Service (GNOME Keyring, KWallet) on Linux.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsKeychain;

impl SecretStore for OsKeychain {
    fn get(&self, secret: Secret) -> Result<Option<String>, Error> {
        match entry(secret.account())?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map(e)),
        }
    }

    fn set(&self, secret: Secret, value: &str) -> Result<(), Error> {
        entry(secret.account())?.set_password(value).map_err(map)
    }

    fn delete(&self, secret: Secret) -> Result<bool, Error> {
        match entry(secret.account())?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(map(e)),
        }
    }
}

/// Secrets held in this process's memory only, for tests. It can also stand for a machine
/// whose keychain is missing or locked: every call then fails with that error.
#[derive(Default)]
pub struct MemoryStore {
    secrets: parking_lot::Mutex<std::collections::HashMap<&'static str, String>>,
    broken: Option<Error>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// A store that refuses every call with `error`, like a keychain that is absent or locked.
    pub fn failing(error: Error) -> MemoryStore {
        MemoryStore { secrets: Default::default(), broken: Some(error) }
    }

    fn check(&self) -> Result<(), Error> {
        self.broken.clone().map_or(Ok(()), Err)
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, secret: Secret) -> Result<Option<String>, Error> {
        self.check()?;
        Ok(self.secrets.lock().get(secret.account()).cloned())
    }

    fn set(&self, secret: Secret, value: &str) -> Result<(), Error> {
        self.check()?;
        self.secrets.lock().insert(secret.account(), value.to_string());
        Ok(())
    }

    fn delete(&self, secret: Secret) -> Result<bool, Error> {
        self.check()?;
        Ok(self.secrets.lock().remove(secret.account()).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_store_keeps_each_secret_apart_and_forgets_on_delete() {
        let store = MemoryStore::new();
        assert!(store.api_key().unwrap().is_none());
        store.set_api_key(&ApiKey::new("ky-one")).unwrap();
        store.set(Secret::BucketSecret, "bucket").unwrap();
        assert_eq!(store.api_key().unwrap().map(|k| k.expose().to_string()), Some("ky-one".into()));
        assert_eq!(store.get(Secret::BucketSecret).unwrap().as_deref(), Some("bucket"));
        assert!(store.delete(Secret::ApiKey).unwrap());
        assert!(!store.delete(Secret::ApiKey).unwrap());
        assert_eq!(store.get(Secret::ApiKey).unwrap(), None);
        assert_eq!(store.get(Secret::BucketSecret).unwrap().as_deref(), Some("bucket"));
    }

    #[test]
    fn a_failing_store_refuses_every_call_with_its_error() {
        let locked = Error::Locked { detail: "test".into() };
        let store = MemoryStore::failing(locked.clone());
        assert_eq!(store.get(Secret::ApiKey), Err(locked.clone()));
        assert_eq!(store.set(Secret::ApiKey, "x"), Err(locked.clone()));
        assert_eq!(store.delete(Secret::ApiKey), Err(locked));
    }
}

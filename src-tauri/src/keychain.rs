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

pub fn get(secret: Secret) -> Result<Option<String>, Error> {
    match entry(secret.account())?.get_password() {
        Ok(s) => Ok(Some(s)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(map(e)),
    }
}

pub fn set(secret: Secret, value: &str) -> Result<(), Error> {
    entry(secret.account())?.set_password(value).map_err(map)
}

/// Deletes the secret; `false` when there was none.
pub fn delete(secret: Secret) -> Result<bool, Error> {
    match entry(secret.account())?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(map(e)),
    }
}

pub fn api_key() -> Result<Option<ApiKey>, Error> {
    Ok(get(Secret::ApiKey)?.map(ApiKey::new))
}

pub fn set_api_key(key: &ApiKey) -> Result<(), Error> {
    set(Secret::ApiKey, key.expose())
}

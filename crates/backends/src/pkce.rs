//! PKCE (RFC 7636) for the OAuth loopback flow: a code verifier, its S256 challenge and a
//! random `state`.
//!
//! AFAS SB requires a verifier of at least 43 characters from `[A-Za-z0-9-._~]`; we use 64.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::Rng;
use sha2::{Digest, Sha256};

const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// Length of the generated code verifier.
pub const VERIFIER_LEN: usize = 64;

fn random_string(len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| UNRESERVED[rng.gen_range(0..UNRESERVED.len())] as char)
        .collect()
}

/// A fresh code verifier: 64 characters of `[A-Za-z0-9-._~]` from a CSPRNG.
pub fn code_verifier() -> String {
    random_string(VERIFIER_LEN)
}

/// The S256 challenge of a verifier: base64url (no padding) of its SHA-256.
pub fn challenge_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A random `state` value (32 characters, URL-safe).
pub fn state() -> String {
    let mut rng = rand::thread_rng();
    let bytes: [u8; 24] = rng.gen();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Verifier, challenge and state for one authorization request.
#[derive(Clone)]
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
    pub state: String,
}

impl Pkce {
    pub fn generate() -> Pkce {
        let verifier = code_verifier();
        let challenge = challenge_s256(&verifier);
        Pkce {
            verifier,
            challenge,
            state: state(),
        }
    }
}

impl std::fmt::Debug for Pkce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkce")
            .field("verifier", &"***")
            .field("challenge", &self.challenge)
            .field("state", &self.state)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_shape() {
        let v = code_verifier();
        assert_eq!(v.len(), 64);
        assert!(v.bytes().all(|b| UNRESERVED.contains(&b)));
        assert_ne!(v, code_verifier());
    }

    #[test]
    fn rfc7636_appendix_b() {
        assert_eq!(
            challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn state_is_random_and_url_safe() {
        let a = state();
        assert_eq!(a.len(), 32);
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_ne!(a, state());
        let p = Pkce::generate();
        assert_eq!(p.challenge, challenge_s256(&p.verifier));
        assert!(!format!("{p:?}").contains(&p.verifier));
    }
}

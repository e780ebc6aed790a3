//! Certificates: the operating system's store is trusted as well as the bundled roots (an
//! office that inspects TLS installs its own CA there), and a certificate problem is told as
//! what it is, not as "check the internet connection".
//!
//! A test binary of its own: it points `SSL_CERT_FILE` (which the OS-store loader reads on
//! every platform) at a test CA. The fixtures in `fixtures/tls` are for these tests only: a CA
//! ("Invoice Desk Test Office CA") and a certificate for `localhost` signed by it, valid until
//! 2126, made with
//! ```text
//! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
//!   -out office-ca.pem -days 36500 -subj "/CN=Invoice Desk Test Office CA" \
//!   -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
//! openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key \
//!   -out server.csr -subj "/CN=localhost"
//! openssl x509 -req -in server.csr -CA office-ca.pem -CAkey ca.key -CAcreateserial \
//!   -out localhost.pem -days 36500 -extfile ext.cnf   # SAN DNS:localhost, serverAuth, CA:FALSE
//! openssl pkcs8 -topk8 -nocrypt -in server.key -out localhost.key.pem
//! ```

use invoice_desk_backends::http::{Http, Safety};
use invoice_desk_core::error::{Error, ErrorCode};
use reqwest::Method;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

const OFFICE_CA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/tls/office-ca.pem"
);

/// An HTTPS server on 127.0.0.1 with the `localhost` certificate; answers `{}`.
async fn https_server() -> SocketAddr {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(include_bytes!("fixtures/tls/localhost.pem"))
            .collect::<Result<_, _>>()
            .unwrap();
    let key =
        PrivateKeyDer::from_pem_slice(include_bytes!("fixtures/tls/localhost.key.pem")).unwrap();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(s).await else {
                    return;
                };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let _ = tls
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    addr
}

/// A plain HTTP server that answers at once, whatever comes in.
async fn plain_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let _ = s
                .write_all(
                    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
            let _ = s.shutdown().await;
        }
    });
    addr
}

fn http() -> Http {
    Http::with_timeouts("AFAS SB", Duration::from_secs(5), Duration::from_secs(10)).unwrap()
}

async fn get(url: &str) -> Result<u16, Error> {
    let http = http();
    let reply = http
        .send(http.request(Method::GET, url), Safety::Idempotent)
        .await?;
    Ok(reply.status.as_u16())
}

fn says(e: &Error, en: &str, nl: &str) {
    assert!(e.message.en.contains(en), "{:?} lacks {en:?}", e.message.en);
    assert!(e.message.nl.contains(nl), "{:?} lacks {nl:?}", e.message.nl);
}

#[tokio::test]
async fn the_office_ca_in_the_os_store_is_trusted_and_certificate_problems_say_what_they_are() {
    std::env::remove_var("SSL_CERT_DIR");
    let port = https_server().await.port();
    let dir = tempfile::tempdir().unwrap();

    // No office CA on this computer: the certificate is not trusted, and the clerk is told
    // that (not "check the internet connection").
    let empty = dir.path().join("none.pem");
    std::fs::write(&empty, "").unwrap();
    std::env::set_var("SSL_CERT_FILE", &empty);
    let e = get(&format!("https://localhost:{port}/env"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Config, "{e:?}");
    says(
        &e,
        "This computer does not trust the certificate of localhost",
        "Deze computer vertrouwt het certificaat van localhost niet",
    );

    // The office CA installed in the operating system's store: trusted.
    std::env::set_var("SSL_CERT_FILE", OFFICE_CA);
    assert_eq!(
        get(&format!("https://localhost:{port}/env")).await.unwrap(),
        200
    );

    // The right server under a name its certificate does not carry: the address is wrong.
    let e = get(&format!("https://127.0.0.1:{port}/env"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Config, "{e:?}");
    says(
        &e,
        "The certificate of 127.0.0.1 belongs to another address",
        "Het certificaat van 127.0.0.1 hoort bij een ander adres",
    );
    assert_eq!(e.field.as_deref(), Some("base_url"));

    // An OS store with nothing usable in it (one broken certificate): the app still starts
    // its connections, on the bundled roots.
    let broken = dir.path().join("broken.pem");
    std::fs::write(
        &broken,
        "-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    std::env::set_var("SSL_CERT_FILE", &broken);
    let e = get(&format!("https://localhost:{port}/env"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Config, "not trusted, but asked: {e:?}");
    std::env::set_var("SSL_CERT_FILE", OFFICE_CA);

    // https:// to something that does not speak TLS: not the system at this address.
    let plain = plain_server().await;
    let e = get(&format!("https://{plain}/env")).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Config, "{e:?}");
    says(
        &e,
        "No secure connection could be made with 127.0.0.1",
        "Met 127.0.0.1 kon geen beveiligde verbinding worden gemaakt",
    );
}

//! Proxies from the environment: used for other hosts, never for this computer (the demo's
//! stand-ins and the OAuth redirect live on 127.0.0.1).
//!
//! A test binary of its own: it sets the process's proxy variables.

mod common;

use common::*;
use invoice_desk_backends::http::{Http, Safety};
use invoice_desk_core::backend::Backend;
use invoice_desk_core::error::ErrorCode;
use reqwest::Method;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A server that answers every request with 200 and, as its body, `who` and the request line
/// it received.
async fn echo(listener: tokio::net::TcpListener, who: &'static str) -> SocketAddr {
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&buf);
                let line = text.lines().next().unwrap_or("").to_string();
                let body = format!("{who}: {line}");
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(resp.as_bytes()).await;
                let _ = s.shutdown().await;
            });
        }
    });
    addr
}

fn http() -> Http {
    Http::with_timeouts("AFAS SB", Duration::from_secs(5), Duration::from_secs(10)).unwrap()
}

async fn get(http: &Http, url: &str) -> Result<String, invoice_desk_core::error::Error> {
    let reply = http
        .send(http.request(Method::GET, url), Safety::Idempotent)
        .await?;
    assert_eq!(reply.status.as_u16(), 200, "{url}");
    Ok(String::from_utf8_lossy(&reply.body).to_string())
}

fn set_proxy(url: &str) {
    for v in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        std::env::set_var(v, url);
    }
}

#[tokio::test]
async fn a_proxy_in_the_environment_never_stands_between_the_app_and_this_computer() {
    // A proxy nobody listens on, for every scheme.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");
    set_proxy(&format!("http://127.0.0.1:{dead}"));

    // A stand-in on this computer is reached directly, by any loopback name.
    let stand_in = echo(
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        "stand-in",
    )
    .await;
    let http = http();
    let port = stand_in.port();
    for url in [
        format!("http://127.0.0.1:{port}/env/x"),
        format!("http://localhost:{port}/env/x"),
    ] {
        let body = get(&http, &url).await.unwrap();
        assert_eq!(body, "stand-in: GET /env/x HTTP/1.1", "{url}");
    }
    if let Ok(l6) = tokio::net::TcpListener::bind("[::1]:0").await {
        let six = echo(l6, "stand-in").await;
        let body = get(&http, &format!("http://[::1]:{}/y", six.port()))
            .await
            .unwrap();
        assert_eq!(body, "stand-in: GET /y HTTP/1.1");
    } else {
        eprintln!("no IPv6 loopback here; [::1] not tried");
    }

    // A whole connector: the AFAS SB stand-in works with the dead proxy configured.
    let env = start().await;
    let said = env.client().test_connection().await.unwrap();
    assert!(said.en.starts_with("Connected to"), "{said:?}");

    // Other hosts still go through the proxy the environment names.
    let proxy = echo(
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        "proxy",
    )
    .await;
    set_proxy(&format!("http://{proxy}"));
    let http = self::http();
    let body = get(&http, "http://invoice-desk-test.invalid/env/x")
        .await
        .unwrap();
    assert_eq!(
        body,
        "proxy: GET http://invoice-desk-test.invalid/env/x HTTP/1.1"
    );
    // A proxy without a scheme is taken as http://.
    set_proxy(&proxy.to_string());
    let body = get(&self::http(), "http://invoice-desk-test.invalid/z")
        .await
        .unwrap();
    assert!(body.starts_with("proxy: "), "{body}");

    // And NO_PROXY from the environment still counts: that host is asked directly (and
    // does not exist).
    std::env::set_var("NO_PROXY", "invoice-desk-test.invalid");
    let e = get(&self::http(), "http://invoice-desk-test.invalid/env/x")
        .await
        .unwrap_err();
    assert!(
        matches!(e.code, ErrorCode::Config | ErrorCode::Offline),
        "asked directly, not through the proxy: {e:?}"
    );
}

//! Invoice Desk sandbox: faithful, strict stand-ins for the bookkeeping systems' APIs, served
//! over real HTTP on a local port. The desktop app's demo mode talks to it as it would to a
//! real environment, and tests use it to see exactly what a client sent.
//!
//! The stand-ins are written from the vendors' documentation and specifications and share no
//! types with the clients they test:
//!
//! - [`afas`]: AFAS SB under `/{environment}` (default `/demo`), see its module documentation
//!   for the endpoints and their checks.
//! - [`silvasoft`]: Silvasoft under `/silvasoft` (`/silvasoft/rest/listrelations/` ...), with
//!   its `Username`/`ApiKey` headers and rate limits, see its module documentation.
//! - [`bloxs`]: Bloxs under `/bloxs` (`/bloxs/Authorization`, `/bloxs/api/v1/...`), with its
//!   bearer tokens, filter endpoints and problem details, see its module documentation.
//! - [`mollie`]: Mollie's Sales Invoice API under `/mollie` (`/mollie/v2/sales-invoices`,
//!   `/mollie/v2/profiles`), with its API keys and organisation tokens, HAL answers, 422s and
//!   `Idempotency-Key` replays, see its module documentation.
//! - [`bouwsoft`]: Visma Bouwsoft under `/bouwsoft` (`/bouwsoft/api/v1/Authorize/AccessToken`,
//!   the data server `/bouwsoft/osiris/api/v1/SalesInvoices`), read-only, see its module
//!   documentation.
//!
//! Common to all stand-ins, in [`kit`] (a stand-in holds only its vendor's rules):
//!
//! - Test hooks live under `/__sandbox/<system>/` and need no authentication
//!   ([`kit::hooks`]).
//! - [`kit::log`]: `GET /__sandbox/log` lists every request to a stand-in
//!   (`[{"t_ms", "method", "path", "query", "status", "system", "duration_ms", "dropped",
//!   "rate_limited"}]`), `DELETE` clears it.
//! - [`kit::faults`]: per system, `POST /__sandbox/<system>/faults` injects failures (5xx, 429 with
//!   `Retry-After`, latency, a seeded failure rate, a malformed body, a hanging request, slow
//!   processing, a connection cut after the invoice was stored).
//! - Data is generated from [`SandboxConfig::seed`]: the same seed gives the same relations,
//!   products and ids ([`kit::data`]: Dutch and Belgian names, addresses, numbers).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use invoice_desk_sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start("127.0.0.1:0".parse().unwrap(), SandboxConfig::default()).await?;
//! println!("AFAS SB at {}", sandbox.afas_base_url());
//! println!("Silvasoft at {}", sandbox.silvasoft_base_url());
//! println!("Bloxs at {}", sandbox.bloxs_base_url());
//! println!("Mollie at {}", sandbox.mollie_base_url());
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

// Handlers answer errors as ready HTTP responses; boxing them would only add noise.

pub mod afas;
pub mod bloxs;
pub mod bouwsoft;
pub mod kit;
pub mod mollie;
pub mod silvasoft;

use kit::{log, server};

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::Uri;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use afas::AfasConfig;
pub use bloxs::BloxsConfig;
pub use bouwsoft::BouwsoftConfig;
pub use mollie::MollieConfig;
pub use silvasoft::SilvasoftConfig;

/// Configuration of the whole sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxConfig {
    /// Seed of the generated data (and of the fault injection's random failures).
    pub seed: u64,
    pub afas: AfasConfig,
    pub silvasoft: SilvasoftConfig,
    pub bloxs: BloxsConfig,
    pub mollie: MollieConfig,
    pub bouwsoft: BouwsoftConfig,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 20_240_129,
            afas: AfasConfig::default(),
            silvasoft: SilvasoftConfig::default(),
            bloxs: BloxsConfig::default(),
            mollie: MollieConfig::default(),
            bouwsoft: BouwsoftConfig::default(),
        }
    }
}

/// A running sandbox. Dropping it stops the server as well; [`Sandbox::shutdown`] also waits
/// for it.
pub struct Sandbox {
    addr: SocketAddr,
    environment: String,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    conns: Arc<server::Connections>,
}

#[derive(Clone)]
struct Rewrite {
    environment: Arc<str>,
}

/// Normalises the path before routing (AFAS paths are case-insensitive).
async fn rewrite(State(rw): State<Rewrite>, mut req: Request, next: Next) -> Response {
    if let Some(path) = afas::normalize_path(&rw.environment, req.uri().path()) {
        let pq = match req.uri().query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let mut parts = req.uri().clone().into_parts();
        if let Ok(p) = pq.parse() {
            parts.path_and_query = Some(p);
            if let Ok(uri) = Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    }
    next.run(req).await
}

impl Sandbox {
    /// Binds `addr` (port 0: any free port), generates the data and serves in a tokio task.
    pub async fn start(addr: SocketAddr, config: SandboxConfig) -> std::io::Result<Sandbox> {
        let env = config.afas.environment.clone();
        if env.is_empty()
            || env.contains(['/', '?', '#', ' '])
            || env.starts_with("__")
            || env.eq_ignore_ascii_case(&silvasoft::PREFIX[1..])
            || env.eq_ignore_ascii_case(&bloxs::PREFIX[1..])
            || env.eq_ignore_ascii_case(&mollie::PREFIX[1..])
            || env.eq_ignore_ascii_case(&bouwsoft::PREFIX[1..])
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("'{env}' is not a usable environment path segment"),
            ));
        }
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let (stop, shutdown) = server::Shutdown::new();
        let log = Arc::new(log::RequestLog::new());
        let afas = Arc::new(afas::Afas::new(
            config.afas.clone(),
            config.seed,
            shutdown.clone(),
        ));
        let silvasoft = Arc::new(
            silvasoft::Silvasoft::new(config.silvasoft.clone(), config.seed, shutdown.clone())
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
        );
        let bloxs = Arc::new(
            bloxs::Bloxs::new(config.bloxs.clone(), config.seed, shutdown.clone())
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
        );

        let mollie = Arc::new(
            mollie::Mollie::new(config.mollie.clone(), config.seed, shutdown.clone())
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
        );

        let bouwsoft = Arc::new(
            bouwsoft::Bouwsoft::new(config.bouwsoft.clone(), config.seed, shutdown.clone())
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
        );

        let inner = Router::new()
            .merge(afas::router(afas))
            .merge(silvasoft::router(silvasoft))
            .merge(bloxs::router(bloxs))
            .merge(mollie::router(mollie))
            .merge(bouwsoft::router(bouwsoft))
            .route(
                "/__sandbox/log",
                get(log::get_log)
                    .delete(log::clear_log)
                    .with_state(log.clone()),
            );
        let classify_env = env.clone();
        let classify: log::Classifier = Arc::new(move |path: &str| {
            if path.starts_with("/__sandbox") {
                None
            } else if silvasoft::owns_path(path) {
                Some("silvasoft")
            } else if bloxs::owns_path(path) {
                Some("bloxs")
            } else if mollie::owns_path(path) {
                Some("mollie")
            } else if bouwsoft::owns_path(path) {
                Some("bouwsoft")
            } else if afas::owns_path(&classify_env, path) {
                Some("afas")
            } else {
                Some("none")
            }
        });
        let app = Router::new()
            .fallback_service(inner)
            .layer(middleware::from_fn_with_state(
                Rewrite {
                    environment: env.clone().into(),
                },
                rewrite,
            ))
            .layer(middleware::from_fn_with_state(
                log::LogLayer { log, classify },
                log::layer,
            ))
            .layer(middleware::from_fn(server::drop_connection_layer));

        let conns = Arc::new(server::Connections::default());
        let listener = server::SandboxListener::new(listener, conns.clone());
        let serve = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<server::ConnInfo>(),
        )
        .with_graceful_shutdown(async move { shutdown.wait().await });
        let task = tokio::spawn(async move {
            if let Err(e) = serve.await {
                tracing::warn!("sandbox server stopped: {e}");
            }
        });
        Ok(Sandbox {
            addr: local,
            environment: env,
            stop,
            task: Some(task),
            conns,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        let ip = match self.addr.ip() {
            ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            ip => ip,
        };
        match ip {
            IpAddr::V4(v4) => format!("http://{v4}:{}", self.addr.port()),
            IpAddr::V6(v6) => format!("http://[{v6}]:{}", self.addr.port()),
        }
    }

    /// The AFAS environment URL as AFAS hands it out: `http://127.0.0.1:PORT/demo`.
    pub fn afas_base_url(&self) -> String {
        format!("{}/{}", self.base_url(), self.environment)
    }

    /// The Silvasoft base URL (for `https://rest-api.silvasoft.nl`):
    /// `http://127.0.0.1:PORT/silvasoft`.
    pub fn silvasoft_base_url(&self) -> String {
        format!("{}{}", self.base_url(), silvasoft::PREFIX)
    }

    /// The Bloxs base URL (for `https://<customer>.bloxs.io`): `http://127.0.0.1:PORT/bloxs`.
    pub fn bloxs_base_url(&self) -> String {
        format!("{}{}", self.base_url(), bloxs::PREFIX)
    }

    /// The Mollie base URL (for `https://api.mollie.com`): `http://127.0.0.1:PORT/mollie`.
    pub fn mollie_base_url(&self) -> String {
        format!("{}{}", self.base_url(), mollie::PREFIX)
    }

    /// The Bouwsoft authentication server (for `https://charon.bouwsoft.be`):
    /// `http://127.0.0.1:PORT/bouwsoft`.
    pub fn bouwsoft_base_url(&self) -> String {
        format!("{}{}", self.base_url(), bouwsoft::PREFIX)
    }

    /// Stops accepting connections, cuts the open ones and waits for the server task.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_millis(500), &mut task)
                .await
                .is_err()
            {
                self.conns.kill_all();
                if tokio::time::timeout(Duration::from_secs(2), &mut task)
                    .await
                    .is_err()
                {
                    task.abort();
                }
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.conns.kill_all();
    }
}

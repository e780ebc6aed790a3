//! Runs the sandbox on its own: `invoice-desk-sandbox --port 8765 [--host 127.0.0.1]
//! [--seed N] [--environment demo] [--persons N] [--organisations N] [--products N]
//! [--administrations N] [--silvasoft-relations N] [--silvasoft-products N]
//! [--silvasoft-no-rate-limit] [--bloxs-persons N] [--bloxs-organisations N]
//! [--bloxs-contracts N] [--bloxs-token-ttl SECS] [--mollie-invoices N]`. Prints the addresses and runs until Ctrl-C.

use std::net::{IpAddr, SocketAddr};

use invoice_desk_sandbox::{Sandbox, SandboxConfig};

fn usage() -> ! {
    eprintln!(
        "usage: invoice-desk-sandbox [--port N] [--host IP] [--seed N] [--environment NAME]\n\
         \x20                           [--persons N] [--organisations N] [--products N] [--administrations N]\n\
         \x20                           [--silvasoft-relations N] [--silvasoft-products N] [--silvasoft-no-rate-limit]\n\
         \x20                           [--bloxs-persons N] [--bloxs-organisations N] [--bloxs-contracts N] [--bloxs-token-ttl SECS]\n\
         \x20                           [--mollie-invoices N]"
    );
    std::process::exit(2)
}

fn parse<T: std::str::FromStr>(name: &str, v: Option<String>) -> T {
    match v.as_deref().map(str::parse) {
        Some(Ok(x)) => x,
        _ => {
            eprintln!("{name} needs a valid value");
            usage()
        }
    }
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let mut cfg = SandboxConfig::default();
    let mut port: u16 = 0;
    let mut host: IpAddr = IpAddr::from([127, 0, 0, 1]);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" | "-p" => port = parse("--port", args.next()),
            "--host" => host = parse("--host", args.next()),
            "--seed" => cfg.seed = parse("--seed", args.next()),
            "--environment" => cfg.afas.environment = parse("--environment", args.next()),
            "--persons" => cfg.afas.persons = parse("--persons", args.next()),
            "--organisations" => cfg.afas.organisations = parse("--organisations", args.next()),
            "--products" => cfg.afas.products = parse("--products", args.next()),
            "--administrations" => {
                cfg.afas.administrations = parse("--administrations", args.next())
            }
            "--silvasoft-relations" => {
                cfg.silvasoft.relations = parse("--silvasoft-relations", args.next())
            }
            "--silvasoft-products" => {
                cfg.silvasoft.products = parse("--silvasoft-products", args.next())
            }
            "--silvasoft-no-rate-limit" => cfg.silvasoft.enforce_rate_limit = false,
            "--bloxs-persons" => cfg.bloxs.persons = parse("--bloxs-persons", args.next()),
            "--bloxs-organisations" => {
                cfg.bloxs.organisations = parse("--bloxs-organisations", args.next())
            }
            "--bloxs-contracts" => cfg.bloxs.contracts = parse("--bloxs-contracts", args.next()),
            "--bloxs-token-ttl" => {
                cfg.bloxs.token_ttl_secs = parse("--bloxs-token-ttl", args.next())
            }
            "--mollie-invoices" => {
                cfg.mollie.invoices_per_profile = parse("--mollie-invoices", args.next())
            }
            "--help" | "-h" => usage(),
            other => {
                eprintln!("unknown argument {other}");
                usage()
            }
        }
    }

    let afas = cfg.afas.clone();
    let silvasoft = cfg.silvasoft.clone();
    let bloxs = cfg.bloxs.clone();
    let mollie = cfg.mollie.clone();
    let bouwsoft = cfg.bouwsoft.clone();
    let sandbox = match Sandbox::start(SocketAddr::new(host, port), cfg).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot start the sandbox: {e}");
            std::process::exit(1)
        }
    };
    println!("sandbox listening on {}", sandbox.base_url());
    println!("AFAS SB environment: {}", sandbox.afas_base_url());
    println!(
        "  app token: {}   OAuth client: {} / {}",
        afas.app_tokens.join(", "),
        afas.oauth_client_id,
        afas.oauth_client_secret
    );
    println!("  hooks: {}/__sandbox/afas/stats", sandbox.base_url());
    println!("Silvasoft: {}", sandbox.silvasoft_base_url());
    println!(
        "  Username: {}   ApiKey: {}   (expired trial: {})",
        silvasoft.username, silvasoft.api_key, silvasoft.expired_trial_username
    );
    println!("  hooks: {}/__sandbox/silvasoft/stats", sandbox.base_url());
    println!("Bloxs: {}", sandbox.bloxs_base_url());
    println!(
        "  API key: {}   API secret: {}   (no API rights: {})",
        bloxs.api_key, bloxs.api_secret, bloxs.no_rights_api_key
    );
    println!("  hooks: {}/__sandbox/bloxs/stats", sandbox.base_url());
    println!("Mollie: {}", sandbox.mollie_base_url());
    println!(
        "  API keys: {} / {}   organization token: {}   (no rights: {})",
        mollie.api_key_test, mollie.api_key_live, mollie.org_token, mollie.no_rights_token
    );
    println!("  hooks: {}/__sandbox/mollie/stats", sandbox.base_url());
    println!("Visma Bouwsoft: {}", sandbox.bouwsoft_base_url());
    println!(
        "  client number: {}   refresh token: {}",
        bouwsoft.client_nr, bouwsoft.refresh_token
    );
    println!("  hooks: {}/__sandbox/bouwsoft/stats", sandbox.base_url());
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
}

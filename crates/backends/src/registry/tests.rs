use super::*;
use serde_json::json;

fn record(kind: &str, base_url: &str, auth: &str, config: serde_json::Value) -> ConnectionRecord {
    ConnectionRecord {
        id: "c1".into(),
        kind: SystemId::new(kind),
        name: "Kantoor".into(),
        base_url: base_url.into(),
        auth: auth.into(),
        demo: false,
        administration_id: Some("adm".into()),
        config,
        created_at: chrono::DateTime::UNIX_EPOCH,
    }
}

fn input(
    id: Option<&str>,
    kind: &str,
    base_url: &str,
    auth: &str,
    credentials: &[(&str, &str)],
    settings: &[(&str, &str)],
) -> ConnectionInput {
    ConnectionInput {
        id: id.map(String::from),
        kind: kind.into(),
        name: "Kantoor".into(),
        base_url: base_url.into(),
        auth: auth.into(),
        credentials: pairs(credentials),
        settings: pairs(settings),
    }
}

fn plan(input: &ConnectionInput, existing: Option<&ConnectionRecord>) -> Result<SavePlan> {
    plan_save(input, existing, || "new-id".into(), chrono::Utc::now())
}

#[test]
fn each_system_is_found_by_its_own_constant_and_ids_are_unique() {
    assert_eq!(find(afas::SYSTEM).map(|c| c.name), Some(afas::NAME));
    assert_eq!(
        find(silvasoft::SYSTEM).map(|c| c.name),
        Some(silvasoft::NAME)
    );
    assert!(find("unknown-system").is_none());
    let mut ids: Vec<&str> = connectors().iter().map(|c| c.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), connectors().len());
}

#[test]
fn a_connectors_clients_say_its_id_and_name_and_declare_sending_exactly_when_they_have_a_writer() {
    for c in connectors() {
        let examples = c.example_capabilities().unwrap();
        assert!(!examples.is_empty(), "{}", c.id);
        for d in &c.demo.connections {
            let b = c.sample(d.settings).unwrap();
            let caps = b.capabilities();
            assert_eq!(caps.kind.as_str(), c.id);
            assert_eq!(caps.system_name, c.name);
            assert_eq!(caps.creates_invoices, b.writer().is_some(), "{}", d.id);
            let desc = c.describe();
            assert_eq!(desc.writes, b.writer().is_some());
            assert_eq!(desc.reads, b.reader().is_some());
        }
        // The demo connections pass the connector's own checks, and every setting they have
        // belongs to their sign-in method.
        for d in &c.demo.connections {
            let kept = c.check_settings(d.auth, &pairs(d.settings)).unwrap();
            assert_eq!(kept, pairs(d.settings), "{}", d.id);
        }
        assert!(c.sign_in.iter().any(|m| m.id == c.demo.connections[0].auth));
    }
}

#[test]
fn the_description_is_the_json_the_settings_screen_reads() {
    let d = find(silvasoft::SYSTEM).unwrap().describe();
    let v = serde_json::to_value(&d).unwrap();
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&v),
        [
            "available",
            "id",
            "name",
            "reads",
            "settings",
            "sign_in",
            "url",
            "writes"
        ]
    );
    assert_eq!(v["id"], "silvasoft");
    assert_eq!(v["writes"], true);
    assert_eq!(v["reads"], true);
    assert_eq!(
        keys(&v["url"]),
        ["default", "help", "label", "placeholder", "required"]
    );
    assert_eq!(keys(&v["sign_in"][0]), ["fields", "id", "label", "oauth"]);
    assert_eq!(
        keys(&v["sign_in"][0]["fields"][0]),
        ["help", "input", "key", "label", "required", "secret"]
    );
    assert_eq!(v["sign_in"][0]["fields"][0]["key"], "api-key");
    assert_eq!(v["sign_in"][0]["fields"][0]["input"], "password");
    let first = &v["settings"][3];
    assert_eq!(
        keys(first),
        [
            "default", "group", "help", "input", "key", "label", "options", "required", "sign_in",
            "summary", "when"
        ]
    );
    assert_eq!(
        first["when"],
        json!({"key": "numbering", "values": ["app"]})
    );
    assert_eq!(first["input"], "digits");
    let afas = serde_json::to_value(find(afas::SYSTEM).unwrap().describe()).unwrap();
    assert_eq!(afas["sign_in"][1]["oauth"], json!({"provider": "AFAS"}));
    assert_eq!(afas["sign_in"][0]["oauth"], serde_json::Value::Null);
}

#[test]
fn an_old_stored_config_with_the_oauth_client_at_the_top_level_still_reads() {
    let c = find(afas::SYSTEM).unwrap();
    let old = record(
        afas::SYSTEM,
        "https://12345.afasfocus.nl/omgeving",
        "oauth",
        json!({"oauth_client_id": "klant-app", "oauth_redirect_port": 53682, "settings": {}}),
    );
    let creds = c.plain_credentials(&old);
    assert_eq!(
        creds.get("oauth_client_id").map(String::as_str),
        Some("klant-app")
    );
    assert_eq!(
        creds.get("oauth_redirect_port").map(String::as_str),
        Some("53682")
    );
    let view = c.view(&old, &BTreeMap::new(), None);
    assert_eq!(view.credentials, creds);
    assert!(!view.has_secret, "not signed in yet");
    let signed_in: BTreeMap<String, Secret> =
        BTreeMap::from([("refresh-token".to_string(), Secret::new("r"))]);
    assert!(c.view(&old, &signed_in, None).has_secret);

    // Saved again without the plain values: they are kept, now under `credentials`.
    let p = plan(
        &input(
            Some("c1"),
            afas::SYSTEM,
            "https://12345.afasfocus.nl/omgeving",
            "oauth",
            &[],
            &[],
        ),
        Some(&old),
    )
    .unwrap();
    assert_eq!(
        p.record.config["credentials"],
        json!({"oauth_client_id": "klant-app", "oauth_redirect_port": "53682"})
    );
    assert_eq!(c.plain_credentials(&p.record), creds);
}

#[test]
fn changing_the_host_requires_the_secrets_of_the_sign_in_method_again_and_removes_all_old_ones() {
    let old = record(
        afas::SYSTEM,
        "https://12345.afasfocus.nl/omgeving",
        "app_token",
        json!({}),
    );
    // Another path on the same host keeps the stored secrets.
    let p = plan(
        &input(
            Some("c1"),
            afas::SYSTEM,
            "https://12345.afasfocus.nl/andere",
            "app_token",
            &[],
            &[],
        ),
        Some(&old),
    )
    .unwrap();
    assert!(p.delete_secrets.is_empty());
    assert!(p.store_secrets.is_empty());
    assert_eq!(
        p.record.administration_id, None,
        "another address: choose again"
    );

    // Another host or port without the token: refused on the token's field.
    for url in [
        "https://elders.example.com/omgeving",
        "https://12345.afasfocus.nl:8443/omgeving",
    ] {
        let e = plan(
            &input(
                Some("c1"),
                afas::SYSTEM,
                url,
                "app_token",
                &[("app-token", " ")],
                &[],
            ),
            Some(&old),
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::Config);
        assert_eq!(e.field.as_deref(), Some("app-token"));
        assert!(
            e.message.en.contains("enter the credentials again"),
            "{}",
            e.message.en
        );
    }
    // OAuth on a new host: the client secret is asked for.
    let e = plan(
        &input(
            Some("c1"),
            afas::SYSTEM,
            "https://elders.example.com/omgeving",
            "oauth",
            &[("oauth_client_id", "x")],
            &[],
        ),
        Some(&old),
    )
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("oauth-client-secret"));

    // With the new token: stored, and every secret the connector may have kept goes first.
    let p = plan(
        &input(
            Some("c1"),
            afas::SYSTEM,
            "https://elders.example.com/omgeving",
            "app_token",
            &[("app-token", "token-b")],
            &[],
        ),
        Some(&old),
    )
    .unwrap();
    assert_eq!(
        p.delete_secrets,
        ["app-token", "oauth-client-secret", "refresh-token"]
    );
    assert_eq!(p.store_secrets.len(), 1);
    assert_eq!(p.store_secrets[0].0, "app-token");
    assert_eq!(p.store_secrets[0].1.expose(), "token-b");
    assert_eq!(p.record.id, "c1");
}

#[test]
fn a_new_connection_gets_the_default_address_and_its_checked_settings() {
    let p = plan(
        &input(
            None,
            silvasoft::SYSTEM,
            "",
            "api_key",
            &[("api-key", "k")],
            &[
                ("username", "boekhouding@example.nl"),
                ("module", "invoicing"),
                ("numbering", "silvasoft"),
                ("first_invoice_number", "12"),
            ],
        ),
        None,
    )
    .unwrap();
    assert_eq!(p.record.id, "new-id");
    assert_eq!(p.record.base_url, silvasoft::DEFAULT_BASE_URL);
    assert_eq!(p.record.kind.as_str(), silvasoft::SYSTEM);
    // The first number does not apply while Silvasoft numbers: not stored.
    assert_eq!(
        p.record.config["settings"],
        json!({"username": "boekhouding@example.nl", "module": "invoicing", "numbering": "silvasoft"})
    );
    let e = plan(
        &input(
            None,
            silvasoft::SYSTEM,
            "",
            "api_key",
            &[],
            &[
                ("username", "geen-adres"),
                ("module", "invoicing"),
                ("numbering", "silvasoft"),
            ],
        ),
        None,
    )
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("settings.username"));
    let e = plan(
        &input(
            None,
            silvasoft::SYSTEM,
            "",
            "api_key",
            &[],
            &[
                ("username", "a@b.nl"),
                ("module", "invoicing"),
                ("numbering", "app"),
                ("first_invoice_number", "0"),
            ],
        ),
        None,
    )
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("settings.first_invoice_number"));
    // A kind no connector has, a sign-in the connector does not offer: refused.
    assert!(plan(&input(None, "unknown-system", "", "x", &[], &[]), None).is_err());
    let e = plan(
        &input(
            None,
            afas::SYSTEM,
            "https://a.example.com/x",
            "api_key",
            &[],
            &[],
        ),
        None,
    )
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("auth"));
}

#[test]
fn the_demo_cannot_be_changed_and_a_connection_keeps_its_kind() {
    let mut demo = record(
        afas::SYSTEM,
        "http://127.0.0.1:9/demo",
        "app_token",
        json!({}),
    );
    demo.demo = true;
    let e = plan(
        &input(
            Some("c1"),
            afas::SYSTEM,
            "http://127.0.0.1:9/demo",
            "app_token",
            &[],
            &[],
        ),
        Some(&demo),
    )
    .unwrap_err();
    assert!(e.message.en.contains("demo"), "{}", e.message.en);
    let old = record(
        afas::SYSTEM,
        "https://a.example.com/x",
        "app_token",
        json!({}),
    );
    let e = plan(
        &input(Some("c1"), silvasoft::SYSTEM, "", "api_key", &[], &[]),
        Some(&old),
    )
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("kind"));
}

#[test]
fn a_missing_secret_is_a_clear_settings_message_not_a_panic() {
    let c = find(afas::SYSTEM).unwrap();
    let rec = record(
        afas::SYSTEM,
        "https://a.example.com/x",
        "app_token",
        json!({}),
    );
    let e = c.build(&rec, &BTreeMap::new(), None, None).err().unwrap();
    assert_eq!(e.code, ErrorCode::Config);
    assert!(e.message.en.contains("Enter them in Settings"));
    let oauth = record(
        afas::SYSTEM,
        "https://a.example.com/x",
        "oauth",
        json!({"credentials": {"oauth_client_id": "x"}}),
    );
    let secrets = BTreeMap::from([("oauth-client-secret".to_string(), Secret::new("s"))]);
    let e = c.build(&oauth, &secrets, None, None).err().unwrap();
    assert_eq!(e.code, ErrorCode::AuthFailed, "not signed in yet");
}

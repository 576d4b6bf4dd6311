//! The payment crypto against vectors it did not produce: WeChat Pay's published ones (a
//! notification from Tencent's wechatpay-go tests, an AES-256-GCM vector from wechatpay-java)
//! and ones written by Python's `cryptography` (`tests/fixtures/generate.py`).

use mr_payments::{alipay, wechat, CryptoError, SigningKey, VerifyingKey};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn notify_fields() -> Vec<(String, String)> {
    let v: serde_json::Value = serde_json::from_str(&fixture("alipay_notify.json")).unwrap();
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn an_alipay_notification_signed_elsewhere_verifies_and_any_change_is_refused() {
    let key = VerifyingKey::from_spki(&fixture("alipay_public_spki.pem")).unwrap();
    let fields = notify_fields();
    let params = alipay::verify_notify(&fields, &key).expect("the notification verifies");
    assert_eq!(
        alipay::notify_content(&params),
        fixture("alipay_notify_content.txt")
    );
    assert_eq!(params["total_amount"], "100.00");

    // One cent more, a field sent twice, the signature or sign_type missing: refused.
    let mut richer = fields.clone();
    for (k, v) in richer.iter_mut() {
        if k == "total_amount" {
            *v = "100.01".into();
        }
    }
    assert_eq!(
        alipay::verify_notify(&richer, &key),
        Err(CryptoError::BadSignature)
    );
    let mut twice = fields.clone();
    twice.push(("total_amount".into(), "0.01".into()));
    assert!(matches!(
        alipay::verify_notify(&twice, &key),
        Err(CryptoError::Format(_))
    ));
    let unsigned: Vec<_> = fields
        .iter()
        .filter(|(k, _)| k != "sign")
        .cloned()
        .collect();
    assert_eq!(
        alipay::verify_notify(&unsigned, &key),
        Err(CryptoError::SignatureFormat)
    );
    let no_type: Vec<_> = fields
        .iter()
        .filter(|(k, _)| k != "sign_type")
        .cloned()
        .collect();
    assert!(matches!(
        alipay::verify_notify(&no_type, &key),
        Err(CryptoError::Format(_))
    ));
    // Signed by another key (ours as merchant): refused.
    let other = VerifyingKey::from_spki(&fixture("wechat_merchant_public_spki.pem")).unwrap();
    assert_eq!(
        alipay::verify_notify(&fields, &other),
        Err(CryptoError::BadSignature)
    );
}

#[test]
fn alipay_signatures_match_an_independent_implementation_byte_for_byte() {
    // PKCS#1 v1.5 is deterministic: re-signing the notification with the same key gives the
    // signature Python wrote.
    let signer = SigningKey::from_pkcs8(&fixture("alipay_private_pkcs8.pem")).unwrap();
    let mut params: alipay::Params = notify_fields().into_iter().collect();
    let expected = params["sign"].clone();
    alipay::sign_notify(&mut params, &signer).unwrap();
    assert_eq!(params["sign"], expected);
    // Bare base64 keys (as Alipay's key tool gives them) work too.
    let bare: String = fixture("alipay_public_spki.pem")
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert!(VerifyingKey::from_spki(&bare).is_ok());
    assert!(matches!(
        VerifyingKey::from_spki("not base64 !"),
        Err(CryptoError::Key(_))
    ));
}

#[test]
fn an_alipay_request_and_response_round_trip_between_client_and_gateway() {
    let app = SigningKey::from_pkcs8(&fixture("wechat_merchant_private_pkcs8.pem")).unwrap();
    let app_public = VerifyingKey::from_spki(&fixture("wechat_merchant_public_spki.pem")).unwrap();
    let mut req = alipay::Params::new();
    for (k, v) in [
        ("app_id", "9021000122600000"),
        ("method", "alipay.trade.precreate"),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("timestamp", "2026-11-26 10:15:02"),
        ("version", "1.0"),
        (
            "biz_content",
            r#"{"out_trade_no":"R1","total_amount":"100.00","subject":"充值"}"#,
        ),
    ] {
        req.insert(k.into(), v.into());
    }
    alipay::sign_request(&mut req, &app).unwrap();
    alipay::verify_request(&req, &app_public).expect("the gateway accepts it");
    req.insert(
        "biz_content".into(),
        r#"{"out_trade_no":"R1","total_amount":"1.00","subject":"充值"}"#.into(),
    );
    assert_eq!(
        alipay::verify_request(&req, &app_public),
        Err(CryptoError::BadSignature)
    );

    let gateway = SigningKey::from_pkcs8(&fixture("alipay_private_pkcs8.pem")).unwrap();
    let gateway_public = VerifyingKey::from_spki(&fixture("alipay_public_spki.pem")).unwrap();
    let node = r#"{"code":"10000","msg":"Success","out_trade_no":"R1","qr_code":"https://qr.alipay.com/bax0"}"#;
    let body = alipay::signed_response("alipay.trade.precreate", node, &gateway).unwrap();
    assert_eq!(
        alipay::verify_response("alipay.trade.precreate", &body, &gateway_public),
        Ok(node)
    );
    let forged = body.replace("bax0", "bax1");
    assert_eq!(
        alipay::verify_response("alipay.trade.precreate", &forged, &gateway_public),
        Err(CryptoError::BadSignature)
    );
    assert!(matches!(
        alipay::verify_response("alipay.trade.query", &body, &gateway_public),
        Err(CryptoError::Format(_))
    ));
}

#[test]
fn the_published_wechat_pay_notification_verifies_within_five_minutes_only() {
    let key = VerifyingKey::from_spki(&fixture("wechatpay_notify_public_spki.pem")).unwrap();
    let h: serde_json::Value =
        serde_json::from_str(&fixture("wechatpay_notify_headers.json")).unwrap();
    let body = fixture("wechatpay_notify_body.json");
    let (ts, nonce, sig) = (
        h["timestamp"].as_str().unwrap(),
        h["nonce"].as_str().unwrap(),
        h["signature"].as_str().unwrap(),
    );
    let sent: i64 = ts.parse().unwrap();
    wechat::verify_message(&key, ts, nonce, sig, &body, sent + 299).expect("published vector");
    assert_eq!(
        wechat::verify_message(&key, ts, nonce, sig, &body, sent + 301),
        Err(CryptoError::Stale(-301))
    );
    assert_eq!(
        wechat::verify_message(
            &key,
            ts,
            nonce,
            sig,
            &body.replace("签约成功", "签约失败"),
            sent
        ),
        Err(CryptoError::BadSignature)
    );
    assert_eq!(
        wechat::verify_message(&key, ts, "other-nonce", sig, &body, sent),
        Err(CryptoError::BadSignature)
    );
    assert_eq!(
        wechat::verify_message(&key, ts, nonce, "%%%", &body, sent),
        Err(CryptoError::SignatureFormat)
    );
}

#[test]
fn the_published_aes_256_gcm_vector_decrypts_and_a_tampered_one_does_not() {
    // wechatpay-java's AeadAesCipherTest: key, nonce, AAD and ciphertext of "message".
    let key = b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
    let plain = wechat::decrypt_resource(
        key,
        "uluk4a9R25RW",
        "associatedData",
        "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=",
    )
    .unwrap();
    assert_eq!(plain, b"message");
    assert_eq!(
        wechat::encrypt_resource(key, "uluk4a9R25RW", "associatedData", b"message").unwrap(),
        "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI="
    );
    for (nonce, aad, ct) in [
        (
            "uluk4a9R25RW",
            "associatedData",
            "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwJ=",
        ),
        (
            "uluk4a9R25RW",
            "otherData",
            "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=",
        ),
        (
            "uluk4a9R25RX",
            "associatedData",
            "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=",
        ),
    ] {
        assert_eq!(
            wechat::decrypt_resource(key, nonce, aad, ct),
            Err(CryptoError::Decrypt),
            "{nonce} {aad} {ct}"
        );
    }
    assert!(matches!(
        wechat::decrypt_resource(b"short", "uluk4a9R25RW", "a", "AAAA"),
        Err(CryptoError::Key(_))
    ));
    assert!(matches!(
        wechat::decrypt_resource(key, "short", "a", "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI="),
        Err(CryptoError::Format(_))
    ));
}

#[test]
fn a_wechat_pay_request_signature_matches_an_independent_implementation() {
    let key = SigningKey::from_pkcs8(&fixture("wechat_merchant_private_pkcs8.pem")).unwrap();
    let header = wechat::authorization(
        &key,
        "1900009191",
        "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "GET",
        "/v3/certificates",
        "",
        1554208460,
        "593BEC0C930BF1AFEB40B4A08C8FB242",
    )
    .unwrap();
    let auth = wechat::parse_authorization(&header).unwrap();
    assert_eq!(
        auth.signature,
        fixture("wechat_request_signature.txt").trim()
    );
    assert_eq!(auth.mchid, "1900009191");
    assert_eq!(auth.timestamp, 1554208460);
    let public = VerifyingKey::from_spki(&fixture("wechat_merchant_public_spki.pem")).unwrap();
    wechat::verify_request(&public, &auth, "GET", "/v3/certificates", "", 1554208460).unwrap();
    assert_eq!(
        wechat::verify_request(
            &public,
            &auth,
            "GET",
            "/v3/certificates?x=1",
            "",
            1554208460
        ),
        Err(CryptoError::BadSignature)
    );
    assert!(matches!(
        wechat::parse_authorization("Bearer abc"),
        Err(CryptoError::Format(_))
    ));
}

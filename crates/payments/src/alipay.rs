//! Alipay OpenAPI (gateway `…/gateway.do`) with `sign_type=RSA2`.
//!
//! A request is signed over every parameter it sends except `sign`, empty values left out,
//! sorted by key, joined as `k=v` with `&`, values as sent before URL-encoding. A notification
//! is checked the same way over its form-decoded fields without `sign` and `sign_type`. A
//! response's signature covers the exact text of its `<method>_response` member.

use std::collections::BTreeMap;

use crate::{CryptoError, SigningKey, VerifyingKey};

/// Parameters as they are signed: one value per key, in key order.
pub type Params = BTreeMap<String, String>;

fn content<'a>(pairs: impl Iterator<Item = (&'a String, &'a String)>, skip: &[&str]) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        if v.is_empty() || skip.contains(&k.as_str()) {
            continue;
        }
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// The string a request's signature covers (`sign_type` included, `sign` not).
pub fn request_content(params: &Params) -> String {
    content(params.iter(), &["sign"])
}

/// The string a notification's signature covers (`sign` and `sign_type` left out).
pub fn notify_content(params: &Params) -> String {
    content(params.iter(), &["sign", "sign_type"])
}

/// Adds `sign` to a request's parameters.
pub fn sign_request(params: &mut Params, key: &SigningKey) -> Result<(), CryptoError> {
    params.remove("sign");
    let sig = key.sign_base64(request_content(params).as_bytes())?;
    params.insert("sign".into(), sig);
    Ok(())
}

/// Checks a request's `sign` (what the sandbox gateway does with the app public key).
pub fn verify_request(params: &Params, key: &VerifyingKey) -> Result<(), CryptoError> {
    let sig = params.get("sign").ok_or(CryptoError::SignatureFormat)?;
    require_rsa2(params)?;
    key.verify_base64(request_content(params).as_bytes(), sig)
}

/// Adds `sign` to a notification (what the sandbox gateway sends).
pub fn sign_notify(params: &mut Params, key: &SigningKey) -> Result<(), CryptoError> {
    params.remove("sign");
    let sig = key.sign_base64(notify_content(params).as_bytes())?;
    params.insert("sign".into(), sig);
    Ok(())
}

fn require_rsa2(params: &Params) -> Result<(), CryptoError> {
    match params.get("sign_type").map(String::as_str) {
        Some("RSA2") => Ok(()),
        _ => Err(CryptoError::Format("sign_type must be RSA2".into())),
    }
}

/// The fields of a form-decoded notification once its signature checks out. A field sent
/// twice makes the form malformed (which value was signed?).
pub fn verify_notify(
    fields: &[(String, String)],
    key: &VerifyingKey,
) -> Result<Params, CryptoError> {
    let mut params = Params::new();
    for (k, v) in fields {
        if params.insert(k.clone(), v.clone()).is_some() {
            return Err(CryptoError::Format(format!("field {k} sent twice")));
        }
    }
    require_rsa2(&params)?;
    let sig = params
        .get("sign")
        .filter(|s| !s.is_empty())
        .ok_or(CryptoError::SignatureFormat)?;
    key.verify_base64(notify_content(&params).as_bytes(), sig)?;
    Ok(params)
}

/// The member name of a method's answer: `alipay.trade.query` → `alipay_trade_query_response`.
pub fn response_member(method: &str) -> String {
    format!("{}_response", method.replace('.', "_"))
}

/// A response body as the gateway writes it: the answer node and its signature.
pub fn signed_response(
    method: &str,
    node_json: &str,
    key: &SigningKey,
) -> Result<String, CryptoError> {
    let sig = key.sign_base64(node_json.as_bytes())?;
    Ok(format!(
        "{{\"{}\":{node_json},\"sign\":\"{sig}\"}}",
        response_member(method)
    ))
}

/// The exact text of the answer node of `method` in a response body, checked against the
/// body's `sign` with the Alipay public key.
pub fn verify_response<'a>(
    method: &str,
    body: &'a str,
    key: &VerifyingKey,
) -> Result<&'a str, CryptoError> {
    let member = response_member(method);
    let node = raw_member(body, &member)
        .ok_or_else(|| CryptoError::Format(format!("no {member} in the response")))?;
    let sig = raw_member(body, "sign")
        .and_then(|s| s.strip_prefix('"')?.strip_suffix('"'))
        .ok_or(CryptoError::SignatureFormat)?;
    // base64 has no characters JSON escapes except '/', which may come as "\/".
    key.verify_base64(node.as_bytes(), &sig.replace("\\/", "/"))?;
    Ok(node)
}

/// The raw text of the value of the top-level member `name` of a JSON object, as written.
fn raw_member<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let bytes = body.as_bytes();
    let mut i = skip_ws(bytes, 0);
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    loop {
        i = skip_ws(bytes, i);
        let key_end = string_end(bytes, i)?;
        let key = &body[i + 1..key_end - 1];
        i = skip_ws(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_ws(bytes, i + 1);
        let end = value_end(bytes, start)?;
        if key == name {
            return Some(&body[start..end]);
        }
        i = skip_ws(bytes, end);
        match bytes.get(i) {
            Some(b',') => i += 1,
            _ => return None,
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\n' | b'\r' | b'\t')) {
        i += 1;
    }
    i
}

/// One past the closing quote of the string starting at `i`.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

/// One past the end of the JSON value starting at `i`.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
            {
                j += 1;
            }
            Some(j)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_string_sorts_skips_empty_values_and_keeps_raw_text() {
        let mut p = Params::new();
        for (k, v) in [
            ("method", "alipay.trade.precreate"),
            ("app_id", "2015052600090779"),
            (
                "biz_content",
                "{\"total_amount\":\"88.88\",\"subject\":\"充值 100\"}",
            ),
            ("sign_type", "RSA2"),
            ("notify_url", ""),
            ("sign", "ignored"),
            ("timestamp", "2016-08-25 20:26:31"),
        ] {
            p.insert(k.into(), v.into());
        }
        assert_eq!(
            request_content(&p),
            "app_id=2015052600090779&biz_content={\"total_amount\":\"88.88\",\"subject\":\"充值 100\"}&method=alipay.trade.precreate&sign_type=RSA2&timestamp=2016-08-25 20:26:31"
        );
        assert!(!notify_content(&p).contains("sign_type"));
    }

    #[test]
    fn a_member_is_read_exactly_as_written() {
        let body = r#"{ "alipay_trade_query_response" : {"code":"10000","msg":"Success","note":"a \"}\" inside"} ,"sign":"ab\/c=="}"#;
        assert_eq!(
            raw_member(body, "alipay_trade_query_response"),
            Some(r#"{"code":"10000","msg":"Success","note":"a \"}\" inside"}"#)
        );
        assert_eq!(raw_member(body, "sign"), Some(r#""ab\/c==""#));
        assert_eq!(raw_member(body, "missing"), None);
        assert_eq!(raw_member("not json", "sign"), None);
        assert_eq!(raw_member(r#"{"a":{"b":1"#, "a"), None, "unterminated");
    }
}

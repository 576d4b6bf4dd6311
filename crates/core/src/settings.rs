//! Launcher settings (`settings.json` in the app's config dir): server address and UI language.

use std::path::{Path, PathBuf};

use mr_domain::error::Lang;
use mr_domain::ErrorCode;
use mr_protocol::ipc::AppSettings;

use crate::error::CoreError;

pub const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8080";
pub const DEFAULT_LOCALE: &str = "zh-CN";
/// Overrides [`DEFAULT_SERVER_URL`] while no settings file exists (E2E runs point the app here).
pub const SERVER_URL_ENV: &str = "MR_SERVER_URL";
pub const SETTINGS_FILE: &str = "settings.json";
pub const LOCALES: [&str; 2] = ["zh-CN", "en"];

pub fn settings_path(config_dir: &Path) -> PathBuf {
    config_dir.join(SETTINGS_FILE)
}

/// Defaults, with `MR_SERVER_URL` taken when it is a valid address.
pub fn defaults() -> AppSettings {
    let server_url = std::env::var(SERVER_URL_ENV)
        .ok()
        .and_then(|u| normalize_server_url(&u).ok())
        .unwrap_or_else(|| DEFAULT_SERVER_URL.to_owned());
    AppSettings {
        server_url,
        locale: DEFAULT_LOCALE.to_owned(),
    }
}

/// The saved settings, or the defaults when there is no file. A damaged file is logged and
/// replaced by the defaults rather than keeping the launcher from starting.
pub fn load(config_dir: &Path) -> AppSettings {
    let path = settings_path(config_dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return defaults(),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot read settings; using defaults");
            return defaults();
        }
    };
    match serde_json::from_str::<AppSettings>(&text)
        .map_err(|e| e.to_string())
        .and_then(|s| validate(s).map_err(|e| e.to_string()))
    {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "invalid settings file; using defaults");
            defaults()
        }
    }
}

/// Validates, then writes atomically (temp file + rename). Returns what was stored.
pub fn save(config_dir: &Path, settings: AppSettings) -> Result<AppSettings, CoreError> {
    let settings = validate(settings)?;
    std::fs::create_dir_all(config_dir).map_err(|e| CoreError::Io(e.to_string()))?;
    let path = settings_path(config_dir);
    let tmp = path.with_extension("json.tmp");
    let json = serde_json::to_vec_pretty(&settings).map_err(|e| CoreError::Io(e.to_string()))?;
    std::fs::write(&tmp, json).map_err(|e| CoreError::Io(e.to_string()))?;
    std::fs::rename(&tmp, &path).map_err(|e| CoreError::Io(e.to_string()))?;
    Ok(settings)
}

/// Normalises and checks: the server address is an http(s) URL with a host (trailing `/`
/// removed), the locale is `zh-CN` or `en`.
pub fn validate(settings: AppSettings) -> Result<AppSettings, CoreError> {
    let server_url = normalize_server_url(&settings.server_url)?;
    let locale = settings.locale.trim();
    let locale = LOCALES
        .into_iter()
        .find(|l| l.eq_ignore_ascii_case(locale))
        .ok_or_else(|| CoreError::Invalid {
            code: ErrorCode::ValidationFailed,
            field: "locale",
            reason: "zh-CN or en".into(),
        })?;
    Ok(AppSettings {
        server_url,
        locale: locale.to_owned(),
    })
}

pub fn normalize_server_url(raw: &str) -> Result<String, CoreError> {
    let invalid = || CoreError::Invalid {
        code: ErrorCode::ValidationFailed,
        field: "server_url",
        reason: "an http:// or https:// address, e.g. http://127.0.0.1:8080".into(),
    };
    let url = reqwest::Url::parse(raw.trim()).map_err(|_| invalid())?;
    let ok = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|h| !h.is_empty())
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    if !ok {
        return Err(invalid());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Message language of the UI setting.
pub fn lang(settings: &AppSettings) -> Lang {
    lang_of(&settings.locale)
}

pub fn lang_of(locale: &str) -> Lang {
    if locale.to_ascii_lowercase().starts_with("en") {
        Lang::En
    } else {
        Lang::Zh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(url: &str, locale: &str) -> AppSettings {
        AppSettings {
            server_url: url.into(),
            locale: locale.into(),
        }
    }

    #[test]
    fn server_urls_are_http_with_a_host() {
        assert_eq!(
            normalize_server_url(" https://ops.example.cn/ ").unwrap(),
            "https://ops.example.cn"
        );
        assert_eq!(
            normalize_server_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            normalize_server_url("http://ops.example.cn:8080/mr/").unwrap(),
            "http://ops.example.cn:8080/mr"
        );
        for bad in [
            "",
            "127.0.0.1:8080",
            "ftp://x.cn",
            "http://",
            "file:///etc",
            "http://a.cn/?q=1",
        ] {
            let e = normalize_server_url(bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::ValidationFailed, "{bad}");
        }
    }

    #[test]
    fn locales() {
        assert_eq!(validate(s("http://a.cn", "EN")).unwrap().locale, "en");
        assert_eq!(validate(s("http://a.cn", "zh-cn")).unwrap().locale, "zh-CN");
        assert!(validate(s("http://a.cn", "fr")).is_err());
        assert_eq!(lang_of("en"), Lang::En);
        assert_eq!(lang_of("zh-CN"), Lang::Zh);
    }

    #[test]
    fn save_then_load() {
        let dir = tempfile::tempdir().unwrap();
        // No file yet: defaults (the env override is covered by the E2E runs).
        assert_eq!(load(dir.path()).locale, "zh-CN");
        let saved = save(dir.path(), s("http://ops.example.cn:9090/", "en")).unwrap();
        assert_eq!(saved.server_url, "http://ops.example.cn:9090");
        assert_eq!(load(dir.path()), saved);
        assert!(save(dir.path(), s("nope", "en")).is_err());
        assert_eq!(
            load(dir.path()),
            saved,
            "a rejected save leaves the file alone"
        );
        std::fs::write(settings_path(dir.path()), "{not json").unwrap();
        assert_eq!(load(dir.path()).locale, "zh-CN");
    }
}

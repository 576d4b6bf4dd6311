//! One window per workspace (R-D1): label = workspace name, opened or focused from the launcher.
//! Sizes and positions are remembered by tauri-plugin-window-state, keyed by label.

use mr_core::Lang;
use mr_domain::Workspace;
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};

pub fn title(workspace: Workspace, lang: Lang) -> String {
    match lang {
        Lang::Zh => {
            let name = match workspace {
                Workspace::Operator => "运营商",
                Workspace::Admin => "管理员",
                Workspace::Finance => "财务",
            };
            format!("{name}工作台 - MR游戏运营管理平台")
        }
        Lang::En => {
            let name = match workspace {
                Workspace::Operator => "Operator",
                Workspace::Admin => "Admin",
                Workspace::Finance => "Finance",
            };
            format!("{name} workspace - MR Game Ops")
        }
    }
}

/// The route the UI serves a workspace under.
pub fn url(workspace: Workspace) -> String {
    format!("index.html#/ws/{}", workspace.as_str())
}

/// Focuses the workspace's window if it is open, otherwise opens it.
pub fn open_workspace(app: &AppHandle, workspace: Workspace, lang: Lang) -> tauri::Result<()> {
    let label = workspace.as_str();
    if let Some(window) = app.get_webview_window(label) {
        if window.is_minimized().unwrap_or(false) {
            window.unminimize()?;
        }
        window.show()?;
        return window.set_focus();
    }
    WebviewWindowBuilder::new(app, label, WebviewUrl::App(url(workspace).into()))
        .title(title(workspace, lang))
        .inner_size(1280.0, 800.0)
        .min_inner_size(1024.0, 680.0)
        .resizable(true)
        .center()
        .build()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_routes() {
        assert_eq!(
            title(Workspace::Operator, Lang::Zh),
            "运营商工作台 - MR游戏运营管理平台"
        );
        assert_eq!(
            title(Workspace::Admin, Lang::Zh),
            "管理员工作台 - MR游戏运营管理平台"
        );
        assert_eq!(
            title(Workspace::Finance, Lang::Zh),
            "财务工作台 - MR游戏运营管理平台"
        );
        assert_eq!(url(Workspace::Finance), "index.html#/ws/finance");
    }
}

//! Where the site lives: the page's base URL, against which every URL the app uses is resolved.
//!
//! The site may be served under any path (`/`, `/asyncscope/` on GitHub Pages, a second copy at
//! `/other/` of the same origin), so the app never writes a root-absolute path: its service
//! worker, the server's `api/` routes, the lessons' texts and the Web Worker's script are all
//! relative to the document's base URL (the folder of `index.html`), resolved here.

/// The document's base URL (`document.baseURI`: the page's URL, as the CSP forbids `<base>`),
/// or empty outside a page.
pub fn base() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .unwrap_or_default()
}

/// `path` (relative, as `crate::wire::path` writes them: `api/delay/500`) as an absolute URL
/// under the site's base; an absolute URL stays as it is. Outside a page, or when it does not
/// parse, `path` itself (fetch then says why).
pub fn url(path: &str) -> String {
    web_sys::Url::new_with_base(path, &base())
        .map(|u| u.href())
        .unwrap_or_else(|_| path.to_string())
}

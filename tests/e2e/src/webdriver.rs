//! The few W3C WebDriver calls the window tests need, over plain HTTP: sessions, elements by CSS,
//! click, hover, keys, scripts (sync and async), window rect (read and resize) and screenshots.

use base64::Engine as _;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The W3C key for a web element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub type Result<T> = std::result::Result<T, String>;

#[derive(Clone)]
pub struct Session {
    http: reqwest::Client,
    base: String,
    pub id: String,
}

#[derive(Clone, Debug)]
pub struct Element(pub String);

async fn send(req: reqwest::RequestBuilder, what: &str) -> Result<Value> {
    let response = req.send().await.map_err(|e| format!("{what}: {e}"))?;
    let status = response.status();
    let body: Value = response.json().await.map_err(|e| format!("{what}: bad JSON answer ({status}): {e}"))?;
    if !status.is_success() {
        return Err(format!(
            "{what}: {status} {} — {}",
            body["value"]["error"].as_str().unwrap_or("?"),
            body["value"]["message"].as_str().unwrap_or("")
        ));
    }
    Ok(body["value"].clone())
}

impl Session {
    /// Starts the application at `app` (a new process) through the driver at `driver`.
    pub async fn start(driver: &str, app: &str) -> Result<Session> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(120)).build().map_err(|e| e.to_string())?;
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry",
            "tauri:options": {"application": app}
        }}});
        let value = send(http.post(format!("{driver}/session")).json(&caps), "new session").await?;
        let id =
            value["sessionId"].as_str().ok_or_else(|| format!("new session: no sessionId in {value}"))?.to_string();
        let s = Session { http, base: format!("{driver}/session/{id}"), id };
        // Async scripts wait for jobs and videos; the default 30 s is enough, but say so.
        s.post("/timeouts", json!({"script": 60_000, "implicit": 0})).await?;
        Ok(s)
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value> {
        send(self.http.post(format!("{}{path}", self.base)).json(&body), path).await
    }

    async fn get(&self, path: &str) -> Result<Value> {
        send(self.http.get(format!("{}{path}", self.base)), path).await
    }

    /// Ends the session (the driver closes the app). Errors are ignored: the app may be gone.
    pub async fn delete(&self) {
        let _ = self.http.delete(&self.base).timeout(Duration::from_secs(20)).send().await;
    }

    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let v = self.post("/elements", json!({"using": "css selector", "value": css})).await?;
        Ok(v.as_array()
            .map(|a| a.iter().filter_map(|e| e[ELEMENT].as_str().map(|s| Element(s.to_string()))).collect())
            .unwrap_or_default())
    }

    /// Waits up to `timeout` for the first element matching `css`. A failed look (the page
    /// reloading in between, say) is looked again, and said only if the wait runs out.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element> {
        let deadline = Instant::now() + timeout;
        let mut failed = None;
        loop {
            match self.find_all(css).await {
                Ok(found) => {
                    if let Some(e) = found.into_iter().next() {
                        return Ok(e);
                    }
                }
                Err(e) => failed = Some(e),
            }
            if Instant::now() > deadline {
                let why = failed.map(|e| format!(" (last look failed: {e})")).unwrap_or_default();
                return Err(format!("no element `{css}` after {timeout:?}{why}"));
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Waits until the script (a function body returning a value) returns something truthy;
    /// answers that value.
    pub async fn wait_until(&self, what: &str, script: &str, timeout: Duration) -> Result<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self.script(script, json!([])).await?;
            let truthy = !(v.is_null() || v == json!(false) || v == json!(0) || v == json!("") || v == json!([]));
            if truthy {
                return Ok(v);
            }
            if Instant::now() > deadline {
                return Err(format!("{what}: not true after {timeout:?}"));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// An element a script returned (`return document.querySelector(…)`), if it did.
    pub fn element_of(v: &Value) -> Option<Element> {
        v[ELEMENT].as_str().map(|s| Element(s.to_string()))
    }

    pub async fn click(&self, e: &Element) -> Result<()> {
        self.post(&format!("/element/{}/click", e.0), json!({})).await.map(|_| ())
    }

    /// Moves the mouse pointer onto the middle of `e` (W3C actions), as a user hovering it.
    pub async fn hover(&self, e: &Element) -> Result<()> {
        let origin = json!({ ELEMENT: e.0 });
        let actions = json!({"actions": [{"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": [{"type": "pointerMove", "duration": 50, "origin": origin, "x": 0, "y": 0}]}]});
        self.post("/actions", actions).await.map(|_| ())
    }

    pub async fn send_keys(&self, e: &Element, text: &str) -> Result<()> {
        self.post(&format!("/element/{}/value", e.0), json!({"text": text})).await.map(|_| ())
    }

    pub async fn text(&self, e: &Element) -> Result<String> {
        Ok(self.get(&format!("/element/{}/text", e.0)).await?.as_str().unwrap_or_default().to_string())
    }

    /// Clicks the first element matching `css` (waiting up to 10 s for it).
    pub async fn click_css(&self, css: &str) -> Result<()> {
        let e = self.wait_for(css, Duration::from_secs(10)).await?;
        self.click(&e).await
    }

    /// Runs a synchronous script: `body` is a function body; `args` its `arguments`.
    pub async fn script(&self, body: &str, args: Value) -> Result<Value> {
        self.post("/execute/sync", json!({"script": body, "args": args})).await
    }

    /// Runs an asynchronous script: the last of `arguments` is the callback to call with the answer.
    pub async fn script_async(&self, body: &str, args: Value) -> Result<Value> {
        self.post("/execute/async", json!({"script": body, "args": args})).await
    }

    /// Calls a command through the UI's own typed wrapper (generated from Rust's command table,
    /// `ui/src/lib/ipc/bindings/commands.ts`): `invoke("settings_save", {...})` runs
    /// `settingsSave({...})`. Answers `{"ok": …}` or `{"err": AppError}`; a command the table
    /// does not have is an error, and Rust refuses an argument it does not know.
    pub async fn invoke(&self, command: &str, args: Value) -> Result<Value> {
        let answer = self
            .script_async(
                "const [name, args, done] = arguments;
                 const wrappers = window.__kymaCommands;
                 if (!wrappers || !wrappers.COMMANDS.includes(name)) { done({ unknown: name }); return; }
                 const f = wrappers[name.replace(/_([a-z])/g, (_, c) => c.toUpperCase())];
                 const call = f.length === 0 ? f() : f(args);
                 call.then((ok) => done({ ok: ok === undefined ? null : ok }), (err) => done({ err }));",
                json!([command, args]),
            )
            .await?;
        match answer.get("unknown") {
            Some(name) => Err(format!("the UI has no wrapper for command {name}")),
            None => Ok(answer),
        }
    }

    /// (x, y, width, height) of the window on the screen.
    pub async fn window_rect(&self) -> Result<(i64, i64, i64, i64)> {
        let v = self.get("/window/rect").await?;
        let n = |k: &str| v[k].as_f64().map(|f| f as i64).unwrap_or(0);
        Ok((n("x"), n("y"), n("width"), n("height")))
    }

    /// Resizes the window (W3C Set Window Rect, the position left as it is).
    pub async fn set_window_size(&self, width: i64, height: i64) -> Result<()> {
        self.post("/window/rect", json!({"width": width, "height": height})).await.map(drop)
    }

    /// A PNG of the page.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        self.script(SCREENSHOT_TICKER, json!([])).await?;
        let shot = self.get("/screenshot").await;
        // The screenshot's own error first: removing the ticker failing must not hide it.
        let off = self.script(SCREENSHOT_TICKER_OFF, json!([])).await;
        let v = shot?;
        off?;
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .map_err(|e| format!("screenshot: {e}"))
    }
}

/// WebKitGTK drawing without compositing (how the app draws on a machine with no GPU, render.rs)
/// takes WebDriver's screenshot after the page's next update, and a page that does not change
/// never has one: the request hung until it timed out. While the screenshot is taken, a pixel in
/// the top-left corner changes at every frame (alpha 1–2 %, not visible); it is removed after.
const SCREENSHOT_TICKER: &str = "
  const el = document.createElement('div');
  el.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;z-index:2147483647';
  document.body.appendChild(el);
  let n = 0;
  const tick = () => {
    if (!el.isConnected) return;
    n += 1;
    el.style.background = n % 2 ? 'rgba(0,0,0,0.01)' : 'rgba(0,0,0,0.02)';
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  window.__kymaShotTicker = el;
";
const SCREENSHOT_TICKER_OFF: &str = "window.__kymaShotTicker?.remove(); window.__kymaShotTicker = undefined;";

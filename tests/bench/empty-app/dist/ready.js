// After the first frame reached the screen (two animation frames, as ui/src/main.ts counts it),
// tell the Rust side; it prints `ready` for scripts/bench_startup.py.
requestAnimationFrame(() => requestAnimationFrame(() => window.__TAURI__.core.invoke("ready")));

// The player's keys, shared by the Create view's player and the clip details: Space play/pause,
// ←/→ seek one second, L loop. Never while the user types, and Space on a button presses it.
// And the release of a <video> that leaves the page.

/**
 * A Svelte attachment for every <video>: when the element leaves the page (a tab switch, a
 * closed panel, a tile scrolled away) it is stopped and its source dropped. A removed element
 * otherwise keeps its media pipeline — decoder, buffers, audio output — until garbage
 * collection, and the next clip then competes with it.
 */
export function releaseOnRemove(video: HTMLVideoElement): () => void {
  return () => {
    video.pause();
    video.removeAttribute("src");
    video.load();
  };
}

export function typingIn(el: Element | null): boolean {
  return !!el && (el.matches("input, textarea, select, [contenteditable]") || el.getAttribute("role") === "spinbutton");
}

/** Applies a player key to `video`; true when the key was one (and its default is prevented). */
export function playerKey(e: KeyboardEvent, video: HTMLVideoElement, toggleLoop: () => void): boolean {
  if (e.metaKey || e.ctrlKey || e.altKey) return false;
  const active = document.activeElement;
  if (typingIn(active)) return false;
  if (e.key === " ") {
    if (active instanceof HTMLButtonElement) return false;
    if (video.paused) void video.play();
    else video.pause();
  } else if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
    const t = video.currentTime + (e.key === "ArrowLeft" ? -1 : 1);
    video.currentTime = Math.max(0, Math.min(video.duration || t, t));
  } else if (e.key === "l" || e.key === "L") {
    toggleLoop();
  } else {
    return false;
  }
  e.preventDefault();
  return true;
}

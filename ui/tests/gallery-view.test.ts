// @vitest-environment jsdom
import { afterEach, beforeEach, expect, test } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import Gallery from "../src/views/Gallery.svelte";
import { app, gallery, toasts, ui } from "../src/lib/stores";
import { DEFAULT_FILTERS } from "../src/lib/gallery";
import { appState, library } from "./fixtures";
import { clearMocks, fakeBackend, tick } from "./backend";
import { scrollerSize } from "./layout";

// The grid's scroller as big as a 1280×800 window's gallery.
scrollerSize({ clientWidth: 1270, clientHeight: 660 });

beforeEach(() => {
  app.load(appState());
  gallery.results = null;
  gallery.filters = { ...DEFAULT_FILTERS, models: [] };
  ui.detailsId = null;
  toasts.dismiss();
});
afterEach(() => {
  cleanup();
  gallery.stop();
  clearMocks();
});

async function settle() {
  for (let i = 0; i < 6; i++) await tick();
}

test("10,000 clips: only the rows in view (+ overscan) are in the DOM, the spacer is full height", async () => {
  fakeBackend({ gallery_query: library(10_000) });
  render(Gallery);
  await settle();
  expect(screen.getByTestId("gallery-count").textContent).toBe("10,000 clips");
  const tiles = screen.getAllByTestId("gallery-tile");
  expect(tiles.length).toBeGreaterThan(10);
  expect(tiles.length).toBeLessThanOrEqual(40);
  const spacer = screen.getByTestId("gallery-grid").firstElementChild as HTMLElement;
  expect(parseInt(spacer.style.height)).toBeGreaterThan(300_000);
  expect(document.querySelectorAll("img[loading=lazy][decoding=async]").length).toBe(tiles.length);
  expect(tiles[0].dataset.id).toBe("1");
});

test("Delete on the focused tile deletes it and offers Undo", async () => {
  const backend = fakeBackend({
    gallery_query: library(100),
    clip_delete: (a) => ({ id: a.id, undo_until: new Date(Date.now() + 6_000).toISOString() }),
  });
  render(Gallery);
  await settle();
  const cell = document.querySelector<HTMLElement>("[role=gridcell][tabindex='0']")!;
  expect(cell.dataset.index).toBe("0");
  cell.focus();
  await fireEvent.keyDown(cell, { key: "ArrowRight" });
  await settle();
  expect((document.activeElement as HTMLElement).dataset.index).toBe("1");
  await fireEvent.keyDown(document.activeElement!, { key: "Delete" });
  await settle();
  expect(backend.calls.find((c) => c.cmd === "clip_delete")?.args).toEqual({ id: 2 });
  expect(toasts.current?.action?.testid).toBe("toast-undo");
});

test("Enter opens the details of the focused clip", async () => {
  fakeBackend({ gallery_query: library(100) });
  render(Gallery);
  await settle();
  const cell = document.querySelector<HTMLElement>("[role=gridcell][tabindex='0']")!;
  cell.focus();
  await fireEvent.keyDown(cell, { key: "Enter" });
  expect(ui.detailsId).toBe(1);
});

test("an empty library explains how to make the first clip", async () => {
  fakeBackend({ gallery_query: library(0) });
  render(Gallery);
  await settle();
  const empty = screen.getByTestId("gallery-empty");
  expect(empty.dataset.kind).toBe("library");
  await fireEvent.click(screen.getByRole("button", { name: "Make your first clip" }));
  expect(ui.tab).toBe("create");
});

test("no results says so, and Clear filters brings everything back", async () => {
  const backend = fakeBackend({
    gallery_query: (a) => library((a.query as { text: string }).text ? 0 : 20)(a),
  });
  render(Gallery);
  await settle();
  await fireEvent.input(screen.getByTestId("gallery-search"), { target: { value: "submarine" } });
  await settle();
  expect(screen.getByTestId("gallery-empty").dataset.kind).toBe("search");
  await fireEvent.click(screen.getAllByRole("button", { name: /Clear filters/ })[0]);
  await settle();
  expect(screen.getAllByTestId("gallery-tile")).toHaveLength(20);
  expect(backend.calls.at(-1)?.args.query).toMatchObject({ text: "" });
});

test("Ctrl+F focuses the search box", async () => {
  fakeBackend({ gallery_query: library(5) });
  render(Gallery);
  await settle();
  await fireEvent.keyDown(window, { key: "f", ctrlKey: true });
  expect(document.activeElement).toBe(screen.getByTestId("gallery-search"));
});

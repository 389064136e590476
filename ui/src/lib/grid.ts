// The virtual grid's arithmetic: how many columns fit a width, how tall a row is, which rows
// a scroll position shows (plus overscan) and how tall the spacer must be for the scrollbar.
// Pure, so the window math is tested without a DOM.

export interface GridSpec {
  /** Narrowest a tile may get before a column is dropped. */
  minTile: number;
  /** Space between tiles, both ways. */
  gap: number;
  /** Space around the whole grid. */
  padding: number;
  /** Row height for a tile width (e.g. a 16:9 poster plus a caption). */
  rowHeight: (tileWidth: number) => number;
  /** A fixed column count (1 for a list) instead of fitting `minTile`. */
  columns?: number;
}

export interface GridLayout {
  columns: number;
  tileWidth: number;
  rowHeight: number;
  gap: number;
  padding: number;
}

export interface GridWindow {
  /** First and last rendered rows (inclusive); lastRow < firstRow when nothing is rendered. */
  firstRow: number;
  lastRow: number;
  /** Item indices [start, end) to render. */
  start: number;
  end: number;
  /** The spacer's height: every row, so the scrollbar is true to the whole list. */
  height: number;
}

export function layout(width: number, spec: GridSpec): GridLayout {
  const inner = Math.max(0, width - 2 * spec.padding);
  const fit = Math.floor((inner + spec.gap) / (spec.minTile + spec.gap));
  const columns = Math.max(1, spec.columns ?? fit);
  const tileWidth = Math.max(1, (inner - spec.gap * (columns - 1)) / columns);
  return { columns, tileWidth, rowHeight: Math.round(spec.rowHeight(tileWidth)), gap: spec.gap, padding: spec.padding };
}

export const rowCount = (count: number, columns: number) => Math.ceil(Math.max(0, count) / Math.max(1, columns));

/** Distance from the top of one row to the next. */
export const pitch = (l: GridLayout) => l.rowHeight + l.gap;

/** The y of a row's top edge inside the spacer. */
export const rowTop = (row: number, l: GridLayout) => l.padding + row * pitch(l);

export function spacerHeight(count: number, l: GridLayout): number {
  const rows = rowCount(count, l.columns);
  return rows === 0 ? 0 : 2 * l.padding + rows * l.rowHeight + (rows - 1) * l.gap;
}

/** The rows a viewport of `viewport` px scrolled to `scrollTop` shows, with `overscan` rows each side. */
export function visibleWindow(
  scrollTop: number,
  viewport: number,
  count: number,
  l: GridLayout,
  overscan = 1,
): GridWindow {
  const rows = rowCount(count, l.columns);
  const height = spacerHeight(count, l);
  if (rows === 0 || viewport <= 0) return { firstRow: 0, lastRow: -1, start: 0, end: 0, height };
  const p = pitch(l);
  const top = Math.max(0, scrollTop - l.padding);
  const bottom = Math.max(0, scrollTop + viewport - l.padding);
  const firstRow = Math.max(0, Math.floor(top / p) - overscan);
  const lastRow = Math.min(rows - 1, Math.max(firstRow, Math.ceil(bottom / p) - 1 + overscan));
  return {
    firstRow,
    lastRow,
    start: firstRow * l.columns,
    end: Math.min(count, (lastRow + 1) * l.columns),
    height,
  };
}

/** The scrollTop that brings item `index` fully into view, or null when it already is. */
export function scrollToShow(index: number, scrollTop: number, viewport: number, l: GridLayout): number | null {
  const row = Math.floor(index / l.columns);
  const top = rowTop(row, l);
  const bottom = top + l.rowHeight;
  if (top - l.gap < scrollTop) return Math.max(0, top - l.padding);
  if (bottom + l.gap > scrollTop + viewport) return Math.max(0, bottom + l.padding - viewport);
  return null;
}

/** Where an arrow / paging key moves the active item, clamped to the list. */
export function moveIndex(index: number, key: string, count: number, columns: number, rowsPerPage: number): number | null {
  if (count === 0) return null;
  const last = count - 1;
  const clamp = (i: number) => Math.max(0, Math.min(last, i));
  switch (key) {
    case "ArrowRight":
      return clamp(index + 1);
    case "ArrowLeft":
      return clamp(index - 1);
    case "ArrowDown":
      return index + columns <= last ? index + columns : index;
    case "ArrowUp":
      return index - columns >= 0 ? index - columns : index;
    case "PageDown":
      return clamp(index + columns * Math.max(1, rowsPerPage));
    case "PageUp":
      return clamp(index - columns * Math.max(1, rowsPerPage));
    case "Home":
      return 0;
    case "End":
      return last;
    default:
      return null;
  }
}
